import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ForwarderStats } from './forwarder';

/**
 * `GET /healthz` for the kubelet's probes: 200 while the forwarder runs, 503 once it stops or a loop failed, with
 * the counters as the body. An unreachable API server or webhook is not unhealthy: the forwarder is retrying, and
 * a restarted pod would only lose its queue.
 */

export interface HealthServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export interface HealthServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly host?: string;
}

export async function startHealthServer(
  forwarder: { stats(): ForwarderStats },
  options: HealthServerOptions,
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://health').pathname;
    if (path !== '/healthz') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const stats = forwarder.stats();
    const healthy = stats.state === 'running';
    res
      .writeHead(healthy ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
      .end(JSON.stringify({ status: healthy ? 'ok' : stats.state, ...stats }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
