import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { readAapFixture } from './fixtures';

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  /** Path without the query, e.g. `/api/controller/v2/jobs/`. */
  path: string;
  query: URLSearchParams;
  /** Path and query exactly as sent. */
  rawUrl: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The client's TCP port: equal across requests when a kept-alive connection was reused. */
  remotePort: number | undefined;
}

export interface ScriptedResponse {
  status: number;
  /** Serialised as JSON unless it is a string, which is sent as-is. */
  body?: unknown;
  headers?: Record<string, string>;
  /** `drop`: destroy the connection without answering. `hang`: never answer (until the server closes). */
  behaviour?: 'respond' | 'drop' | 'hang';
}

export type Responder = ScriptedResponse | ((request: RecordedRequest) => ScriptedResponse);

const UNKNOWN_PATH = { status: 404, body: readAapFixture('error_404_unknown_path.json') };

/**
 * A tiny scriptable HTTP server standing in for AAP in client tests. Routes are method + exact path (the query is
 * the responder's business); each route answers with its responders in turn and repeats the last one. Unscripted
 * paths get AAP's "requested resource could not be found" 404.
 */
export class AapFixtureServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, { responders: Responder[]; served: number }>();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: http.Server,
    readonly origin: string,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  static async start(): Promise<AapFixtureServer> {
    let instance: AapFixtureServer | undefined;
    const server = http.createServer((req, res) => {
      instance?.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new AapFixtureServer(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  /** Scripts `method path`; replaces any earlier script for it. */
  on(method: string, path: string, ...responders: Responder[]): this {
    if (responders.length === 0) throw new Error(`no responder given for ${method} ${path}`);
    this.routes.set(`${method.toUpperCase()} ${path}`, { responders, served: 0 });
    return this;
  }

  /** Forgets routes and recorded requests, and drops open connections, between tests. */
  reset(): void {
    this.routes.clear();
    this.requests.length = 0;
    for (const socket of this.sockets) socket.destroy();
  }

  requestsTo(method: string, path: string): RecordedRequest[] {
    return this.requests.filter((request) => request.method === method.toUpperCase() && request.path === path);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', this.origin);
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        rawUrl: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
      };
      this.requests.push(recorded);
      const responder = this.next(`${recorded.method} ${recorded.path}`);
      const scripted = typeof responder === 'function' ? responder(recorded) : responder;
      this.respond(scripted, req, res);
    });
  }

  private next(key: string): Responder {
    const route = this.routes.get(key);
    if (!route) return UNKNOWN_PATH;
    const responder = route.responders[Math.min(route.served, route.responders.length - 1)] ?? UNKNOWN_PATH;
    route.served += 1;
    return responder;
  }

  private respond(scripted: ScriptedResponse, req: http.IncomingMessage, res: http.ServerResponse): void {
    if (scripted.behaviour === 'drop') {
      req.socket.destroy();
      return;
    }
    if (scripted.behaviour === 'hang') return;
    const isText = typeof scripted.body === 'string';
    const payload =
      scripted.body === undefined ? '' : isText ? (scripted.body as string) : JSON.stringify(scripted.body);
    const contentType = isText ? 'text/plain; charset=utf-8' : 'application/json';
    res.writeHead(scripted.status, {
      ...(payload.length > 0 ? { 'Content-Type': contentType } : {}),
      'Content-Length': Buffer.byteLength(payload),
      ...scripted.headers,
    });
    res.end(payload);
  }
}
