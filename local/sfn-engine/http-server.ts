import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SfnOperation } from './api';
import { SfnApiError } from './api-errors';

const TARGET_PREFIX = 'AWSStepFunctions.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
// Inputs are capped at 256 KiB, but JSON-escaping them inside the request body can multiply their size.
const MAX_BODY_BYTES = 2 * 1024 * 1024;

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
  const server = createServer((request, response) => {
    void handle(operations, request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return { port: bound, endpoint: `http://${urlHost}:${bound}`, close: () => closeServer(server) };
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
    if (request.method !== 'POST' || operation === undefined) {
      await drain(request);
      const what = typeof target === 'string' ? `'${target}'` : 'a request without X-Amz-Target';
      throw new SfnApiError('UnknownOperationException', `${request.method} ${what} is not a Step Functions operation`);
    }
    const body = parseBody(await readBody(request));
    send(response, 200, await operation(body));
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

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new SfnApiError('ValidationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(request: IncomingMessage): Promise<void> {
  for await (const _chunk of request) {
    // Discarded: the request is answered with an error, but its body must still be consumed.
  }
}

function send(response: ServerResponse, status: number, payload: unknown): void {
  const body = JSON.stringify(payload);
  response.writeHead(status, {
    'Content-Type': CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(body),
    'x-amzn-RequestId': randomUUID(),
  });
  response.end(body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep connections alive; without this, close() would wait for them to time out.
    server.closeAllConnections();
  });
}
