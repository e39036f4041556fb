import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { z } from 'zod';
import { type Route, selectRoute } from './routes';

/**
 * The two translations API Gateway (HTTP API, Lambda proxy integration, payload format 2.0) makes: an HTTP request
 * into the event the function receives, and the function's result into the HTTP response. Pure: the server in
 * `server.ts` does the I/O.
 */

/** An HTTP request as received, before API Gateway has looked at it. */
export interface GatewayRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/v1/clusters/local/events?x=1`. */
  readonly url: string;
  /** Node's `rawHeaders`: names and values alternating, original case, duplicates kept. */
  readonly rawHeaders: readonly string[];
  readonly sourceIp: string;
  /** e.g. `HTTP/1.1`. */
  readonly protocol: string;
  readonly requestId: string;
  readonly receivedAt: Date;
}

export const API_ID = 'local';
export const ACCOUNT_ID = '000000000000';

/**
 * HTTP APIs hand the function a UTF-8 string only for these media types; any other body (including one without a
 * Content-Type) arrives base64-encoded with `isBase64Encoded: true`.
 */
const TEXT_MEDIA_TYPES = new Set(['application/json', 'application/xml', 'application/javascript']);

export function isTextMediaType(contentType: string | undefined): boolean {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') return false;
  return mediaType.startsWith('text/') || TEXT_MEDIA_TYPES.has(mediaType);
}

/** Lower-cased names; repeated headers joined with commas (format 2.0 has no multi-value fields). */
function combineHeaders(rawHeaders: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    const value = rawHeaders[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return headers;
}

function requestCookies(rawHeaders: readonly string[]): string[] {
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() !== 'cookie') continue;
    for (const cookie of (rawHeaders[i + 1] as string).split(';')) {
      if (cookie.trim() !== '') cookies.push(cookie.trim());
    }
  }
  return cookies;
}

function decodeQueryPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return part;
  }
}

/** Repeated parameters joined with commas, as format 2.0 does. */
function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const pair of rawQueryString.split('&')) {
    if (pair === '') continue;
    const separator = pair.indexOf('=');
    const name = decodeQueryPart(separator === -1 ? pair : pair.slice(0, separator));
    const value = separator === -1 ? '' : decodeQueryPart(pair.slice(separator + 1));
    parameters[name] = parameters[name] === undefined ? value : `${parameters[name]},${value}`;
  }
  return Object.keys(parameters).length > 0 ? parameters : undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `requestContext.time`: CLF format in UTC, `26/Nov/2025:05:01:00 +0000`. */
export function requestTime(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = pad(date.getUTCDate());
  const month = MONTHS[date.getUTCMonth()];
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
  return `${day}/${month}/${date.getUTCFullYear()}:${clock} +0000`;
}

/**
 * The payload format 2.0 event for the route this request selects, or undefined when no route matches (API Gateway
 * then answers 404 without invoking anything).
 */
export function toApiGatewayEvent(
  req: GatewayRequest,
  body: Buffer,
  routes: readonly Route[],
): APIGatewayProxyEventV2 | undefined {
  const queryAt = req.url.indexOf('?');
  const rawPath = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const rawQueryString = queryAt === -1 ? '' : req.url.slice(queryAt + 1);
  const match = selectRoute(routes, req.method, rawPath);
  if (match === undefined) return undefined;

  const headers = combineHeaders(req.rawHeaders);
  // Cookies travel in their own field, one entry per cookie, whichever Cookie header carried them.
  const cookies = requestCookies(req.rawHeaders);
  delete headers.cookie;
  headers['x-forwarded-for'] = headers['x-forwarded-for']
    ? `${headers['x-forwarded-for']}, ${req.sourceIp}`
    : req.sourceIp;
  headers['x-forwarded-proto'] = 'http';
  const host = headers.host ?? 'localhost';
  const domainName = host.replace(/:\d+$/, '');

  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: match.route.key,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: API_ID,
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method.toUpperCase(),
        path: rawPath,
        protocol: req.protocol,
        sourceIp: req.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: req.requestId,
      routeKey: match.route.key,
      stage: '$default',
      time: requestTime(req.receivedAt),
      timeEpoch: req.receivedAt.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = queryParameters(rawQueryString);
  if (query !== undefined) event.queryStringParameters = query;
  if (Object.keys(match.pathParameters).length > 0) event.pathParameters = match.pathParameters;
  if (body.length > 0) {
    const text = isTextMediaType(headers['content-type']);
    event.body = text ? body.toString('utf8') : body.toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

/** What the gateway writes back to the client. */
export interface GatewayResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/** API Gateway's own JSON error answers (`{"message":"Not Found"}`, …). */
export function gatewayError(statusCode: number, message: string): GatewayResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify({ message })),
  };
}

const StructuredResult = z.object({
  statusCode: z.number().int().min(100).max(599),
  headers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  cookies: z.array(z.string()).optional(),
});

/**
 * The HTTP response for a function result. A result with a `statusCode` is a structured response (headers, cookies
 * as Set-Cookie, a body base64-decoded when `isBase64Encoded`); a malformed one is API Gateway's 500. Any other
 * result is sent as JSON with status 200, as format 2.0 infers.
 */
export function fromApiGatewayResult(result: unknown): GatewayResponse {
  const structured = typeof result === 'object' && result !== null && 'statusCode' in result;
  if (!structured) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null)),
    };
  }
  const parsed = StructuredResult.safeParse(result);
  if (!parsed.success) return gatewayError(500, 'Internal Server Error');
  const { statusCode, headers = {}, body = '', isBase64Encoded = false, cookies = [] } = parsed.data;
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  if (cookies.length > 0) out['set-cookie'] = cookies;
  return { statusCode, headers: out, body: Buffer.from(body, isBase64Encoded ? 'base64' : 'utf8') };
}
