import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bind, closeServer, readBody, send as sendBody, serve } from '../http';
import type { SfnOperation } from './api';
import { SfnApiError } from './api-errors';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
// Inputs are capped at 256 KiB, but JSON-escaping them inside the request body can multiply their size.
const MAX_BODY_BYTES = 2 * 1024 * 1024;
// AWS endpoints keep idle connections open far longer than Node's 5 s default. With that default, a client that
// reuses its socket after about 5 s idle (an execution settling, a callback wait) races the server's close and
// gets "socket hang up".
const KEEP_ALIVE_MS = 65_000;

export interface SfnHttpServer {
  readonly port: number;
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Serves the Step Functions AWS JSON 1.0 protocol: `POST /` with `X-Amz-Target: AWSStepFunctions.<Operation>`. */
export async function listenSfnHttp(
  operations: Readonly<Record<string, SfnOperation>>,
  host: string,
  port: number,
): Promise<SfnHttpServer> {
  const server = serve((request, response) => handle(operations, request, response));
  server.keepAliveTimeout = KEEP_ALIVE_MS;
  server.headersTimeout = KEEP_ALIVE_MS + 1000;
  const bound = await bind(server, 'local Step Functions engine', host, port);
  return { port: bound.port, endpoint: bound.url, close: () => closeServer(server) };
}

async function handle(
  operations: Readonly<Record<string, SfnOperation>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  try {
    const target = request.headers['x-amz-target'];
    const operationName =
      typeof target === 'string' && target.startsWith(TARGET_PREFIX) ? target.slice(TARGET_PREFIX.length) : undefined;
    const operation = operationName === undefined ? undefined : operations[operationName];
    const read = await readBody(request, MAX_BODY_BYTES);
    if (!read.ok && read.reason === 'aborted') return;
    if (request.method !== 'POST' || operation === undefined) {
      const what = typeof target === 'string' ? `'${target}'` : 'a request without X-Amz-Target';
      throw new SfnApiError('UnknownOperationException', `${request.method} ${what} is not a Step Functions operation`);
    }
    if (!read.ok) {
      throw new SfnApiError('ValidationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
    }
    send(response, 200, await operation(parseBody(read.body.toString('utf8'))));
  } catch (error) {
    if (error instanceof SfnApiError) {
      send(response, error.statusCode, { __type: error.type, message: error.message });
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    send(response, 500, { __type: 'InternalFailure', message: `local Step Functions engine error: ${message}` });
  }
}

function parseBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new SfnApiError('SerializationException', `Request body is not JSON: ${(error as Error).message}`);
  }
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  sendBody(
    response,
    status,
    { 'Content-Type': CONTENT_TYPE, 'x-amzn-RequestId': randomUUID() },
    JSON.stringify(payload),
  );
}
