import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { signWebhook } from '../../../lib/intake';
import { makeInstance } from '../../computeinstance/fixtures';

/** What the Lambda runtime hands the handler; only the fields Powertools reads. */
export const lambdaContext = {
  functionName: 'webhook',
  functionVersion: '$LATEST',
  awsRequestId: 'req-webhook',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:webhook',
  memoryLimitInMB: '256',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

export interface EventOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  stage?: string;
}

/** An API Gateway HTTP API event (payload format 2.0) as the Lambda receives it. */
export function apiEvent(options: EventOptions): APIGatewayProxyEventV2 {
  const stage = options.stage ?? '$default';
  const method = options.method ?? 'POST';
  const rawPath = stage === '$default' ? options.path : `/${stage}${options.path}`;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...options.headers },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'local',
      domainPrefix: 'local',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' },
      requestId: 'req',
      routeKey: '$default',
      stage,
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: options.body,
    isBase64Encoded: options.isBase64Encoded ?? false,
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export function signatureHeaders(secret: string, body: string | Uint8Array, t = nowSeconds()): Record<string, string> {
  return { 'x-signature-256': signWebhook(secret, body, t) };
}

export type Route = 'events' | 'create-compute-instance' | 'delete-compute-instance';

export const routePath = (cluster: string, route: Route) => `/v1/clusters/${cluster}/${route}`;

/** A signed POST of `body` to `route` of `cluster`. */
export function signedEvent(cluster: string, route: Route, body: string, secret: string): APIGatewayProxyEventV2 {
  return apiEvent({ path: routePath(cluster, route), body, headers: signatureHeaders(secret, body) });
}

export const watchEventBody = (type: string, object: unknown) => JSON.stringify({ type, object });

/** A ComputeInstance as a cluster would send it (the shared decision fixtures). */
export { makeInstance as instance };

/** Responses are JSON; a test reads them as such. */
export function bodyOf(response: { body?: string }): Record<string, unknown> {
  return JSON.parse(response.body ?? '') as Record<string, unknown>;
}
