import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { bind, readBody, send, serve as serveWith } from '../http';
import {
  fromApiGatewayResult,
  type GatewayRequest,
  type GatewayResponse,
  gatewayError,
  toApiGatewayEvent,
} from './api-gateway-event';
import { lambdaContext } from './lambda-context';
import { parseRouteKeys, selectRoute } from './routes';

/** API Gateway's payload limit: a larger request is refused with 413 before any function runs. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;
/** HTTP APIs give an integration at most 30 s, whatever the function's own timeout. */
export const MAX_INTEGRATION_TIMEOUT_MS = 30_000;

export type HttpApiHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<unknown>;

export interface GatewayRoute {
  /** `POST /v1/clusters/{cluster}/events`. */
  readonly routeKey: string;
  /** The Lambda function name the context reports. */
  readonly functionName: string;
  readonly handler: HttpApiHandler;
  /** The function's timeout; the gateway waits at most MAX_INTEGRATION_TIMEOUT_MS. */
  readonly timeoutMs?: number;
}

/** One line of the access log: what a request asked and how it was answered (never headers or the body). */
export interface GatewayAccessEntry {
  readonly method: string;
  readonly path: string;
  readonly routeKey: string | undefined;
  readonly statusCode: number;
  /** The response body when it is small JSON: the webhook's `{action, executionName}` or `{message}`. */
  readonly response: unknown;
}

export interface GatewayOptions {
  readonly port: number;
  readonly host?: string;
  readonly routes: readonly GatewayRoute[];
  /** Serves what no route matches (the console); returns false to let the gateway answer 404. */
  readonly fallback?: (req: IncomingMessage, res: ServerResponse) => boolean;
  readonly onAccess?: (entry: GatewayAccessEntry) => void;
  readonly maxBodyBytes?: number;
}

export interface Gateway {
  readonly url: string;
  readonly port: number;
  /** The routes it serves, as declared. */
  readonly routeKeys: readonly string[];
  /** Stops accepting requests and waits for the function invocations in flight. */
  close(): Promise<void>;
}

function write(res: ServerResponse, response: GatewayResponse): void {
  send(res, response.statusCode, response.headers as Record<string, string | string[]>, response.body);
}

function smallJson(response: GatewayResponse): unknown {
  const type = response.headers['content-type'];
  if (typeof type !== 'string' || !type.startsWith('application/json') || response.body.length > 4096) return undefined;
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

async function invoke(route: GatewayRoute, event: APIGatewayProxyEventV2): Promise<GatewayResponse> {
  const timeoutMs = Math.min(route.timeoutMs ?? MAX_INTEGRATION_TIMEOUT_MS, MAX_INTEGRATION_TIMEOUT_MS);
  const context = lambdaContext(route.functionName, event.requestContext.requestId, timeoutMs);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timed-out'>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      // Through a promise even if the handler throws before returning one.
      Promise.resolve()
        .then(() => route.handler(event, context))
        .then(
          (result) => ({ result }),
          () => 'failed' as const,
        ),
      timedOut,
    ]);
    // A thrown error or a timeout is all API Gateway knows of a failed integration; the details stay in the logs.
    if (outcome === 'timed-out') return gatewayError(503, 'Service Unavailable');
    if (outcome === 'failed') return gatewayError(500, 'Internal Server Error');
    return fromApiGatewayResult(outcome.result);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A local stand-in for an API Gateway HTTP API with Lambda proxy integrations: requests become payload format 2.0
 * events for the functions of the matching routes, run in this process; anything else goes to `fallback`.
 */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const host = options.host ?? '127.0.0.1';
  const limit = options.maxBodyBytes ?? MAX_REQUEST_BODY_BYTES;
  const routes = parseRouteKeys(options.routes.map((route) => route.routeKey));
  const byKey = new Map(options.routes.map((route) => [route.routeKey, route]));
  const inFlight = new Set<Promise<void>>();

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const request: GatewayRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      rawHeaders: req.rawHeaders,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      protocol: `HTTP/${req.httpVersion}`,
      requestId: randomUUID(),
      receivedAt: new Date(),
    };
    const path = request.url.split('?')[0] as string;
    // Routing needs no body: decide first, so the console gets its request unread.
    const match = selectRoute(routes, request.method, path);
    if (match === undefined && options.fallback?.(req, res)) return;
    const answer = (response: GatewayResponse) => {
      write(res, response);
      options.onAccess?.({
        method: request.method,
        path,
        routeKey: match?.route.key,
        statusCode: response.statusCode,
        response: smallJson(response),
      });
    };
    if (match === undefined) {
      req.resume();
      answer(gatewayError(404, 'Not Found'));
      return;
    }
    const read = await readBody(req, limit);
    if (!read.ok) {
      if (read.reason === 'too-large') answer(gatewayError(413, 'Request Entity Too Large'));
      return;
    }
    const event = toApiGatewayEvent(request, read.body, routes) as APIGatewayProxyEventV2;
    answer(await invoke(byKey.get(event.routeKey) as GatewayRoute, event));
  }

  const server = serveWith(
    (req, res) => {
      const handling = serve(req, res);
      inFlight.add(handling);
      return handling.finally(() => inFlight.delete(handling));
    },
    (_error, res) => write(res, gatewayError(500, 'Internal Server Error')),
  );
  const { port, url } = await bind(server, 'gateway', host, options.port);
  return {
    url,
    port,
    routeKeys: routes.map((route) => route.key),
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      // Streams the fallback keeps open (the console's live updates) end with the server.
      server.closeAllConnections();
      await closed;
    },
  };
}
