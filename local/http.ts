import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The plumbing the local servers (kube and AAP simulators, Step Functions engine, gateway) share: reading a body
 * under a limit, writing a response, binding a port and closing. What each answers, and how it words an error, stays
 * with each: those are the wire formats they imitate.
 */

export type BodyRead = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/** The body, unless it is larger than `limit`: then it is not read further, and `send` closes the connection. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ ok: false, reason: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        resolve({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve({ ok: true, body: Buffer.concat(chunks) }));
    req.once('error', () => resolve({ ok: false, reason: 'aborted' }));
    req.once('close', () => {
      if (!req.complete) resolve({ ok: false, reason: 'aborted' });
    });
  });
}

/**
 * Writes a whole response with its Content-Length; nothing when the client has gone or an answer was sent. A request
 * whose body was left unread (too large, or not wanted) gets `Connection: close`: only closing is rid of the rest.
 */
export function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
): void {
  if (res.headersSent || res.destroyed) return;
  const allHeaders: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers))
    if (name.toLowerCase() !== 'content-length') allHeaders[name] = value;
  allHeaders['Content-Length'] = String(Buffer.byteLength(body));
  if (!res.req.complete) {
    allHeaders.Connection = 'close';
    res.once('finish', () => res.req.destroy());
  }
  res.writeHead(status, allHeaders);
  res.end(body);
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  send(res, status, { 'Content-Type': 'application/json', ...headers }, JSON.stringify(value));
}

/** A port that cannot be bound; `code` is the system's (EADDRINUSE…), the message names the server and the address. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly code: string,
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

/** A server that hands each request to `handle`; what it throws goes to `onError` (by default: hang up). */
export function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  onError: (error: unknown, res: ServerResponse) => void = (_error, res) => res.destroy(),
): Server {
  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => onError(error, res));
  });
}

/** Binds host:port (0 picks a free port) and says where it listens; a port it cannot have is a ListenError. */
export async function bind(
  server: Server,
  what: string,
  host: string,
  port: number,
): Promise<{ port: number; url: string }> {
  await new Promise<void>((resolve, reject) => {
    const onListenError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      const reason = code === 'EADDRINUSE' ? 'the port is already in use' : error.message;
      reject(new ListenError(code, port, `${what} cannot listen on ${host}:${port}: ${reason}`));
    };
    server.once('error', onListenError);
    server.listen(port, host, () => {
      server.off('error', onListenError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  return { port: bound, url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}` };
}

/** Stops accepting and ends every connection (clients keep idle ones alive, watches stay open) at once. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}
