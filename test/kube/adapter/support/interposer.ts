import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through HTTP proxy between the store and the simulator. A test uses it to see exactly what the store sent
 * (method, path, content type, body, the status it got back) and to make another writer act at a precise moment:
 * `before` runs, and is awaited, before a request is forwarded. That turns "a write lands between our read and our
 * write" from a timing accident into a step of the test. A responder may also answer in the server's place, for
 * answers the simulator has no reason to give.
 */

export interface InterposedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly body: unknown;
}

export interface ExchangeRecord extends InterposedRequest {
  readonly status: number;
}

export interface CannedResponse {
  readonly status: number;
  readonly body: unknown;
}

export type BeforeHook = (request: InterposedRequest) => Promise<void> | void;
/** Returns the answer to give instead of forwarding, or undefined to forward. */
export type Responder = (request: InterposedRequest) => CannedResponse | undefined;

export interface Interposer {
  readonly url: string;
  /** Every exchange so far, in order. */
  readonly exchanges: ExchangeRecord[];
  /** Replaces the hook; `undefined` forwards everything untouched. */
  setBefore(hook: BeforeHook | undefined): void;
  setResponder(responder: Responder | undefined): void;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['host', 'connection', 'content-length', 'keep-alive', 'transfer-encoding']);

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startInterposer(target: string): Promise<Interposer> {
  const exchanges: ExchangeRecord[] = [];
  let before: BeforeHook | undefined;
  let responder: Responder | undefined;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const text = await readBody(request);
    const contentType = request.headers['content-type'];
    const interposed: InterposedRequest = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      contentType,
      body: text === '' ? undefined : JSON.parse(text),
    };
    await before?.(interposed);
    const canned = responder?.(interposed);
    if (canned !== undefined) {
      exchanges.push({ ...interposed, status: canned.status });
      response.writeHead(canned.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(canned.body));
      return;
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    const upstream = await fetch(new URL(interposed.path, target), {
      method: interposed.method,
      headers,
      body: text === '' ? undefined : text,
    });
    const upstreamBody = await upstream.text();
    exchanges.push({ ...interposed, status: upstream.status });
    response.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    response.end(upstreamBody);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(502, { 'content-type': 'text/plain' });
      response.end(`interposer: ${String(error)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    setBefore(hook) {
      before = hook;
    },
    setResponder(next) {
      responder = next;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
