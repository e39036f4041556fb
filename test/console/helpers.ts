import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Console, ConsoleSnapshot } from '../../local/console';

export const NOT_THE_CONSOLE = 'not the console';

export interface ServedConsole {
  readonly url: string;
  close(): Promise<void>;
}

/** The console mounted the way the gateway mounts it: `handle` first, anything it declines gets a plain 404. */
export async function serveConsole(app: Console): Promise<ServedConsole> {
  const server = http.createServer((req, res) => {
    if (app.handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end(NOT_THE_CONSOLE);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface SnapshotStream {
  /** Resolves with the first snapshot (already received or still to come) that matches. */
  next(matches: (snapshot: ConsoleSnapshot) => boolean, what: string, timeoutMs?: number): Promise<ConsoleSnapshot>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  readonly contentType: string | undefined;
  readonly rawText: () => string;
  close(): void;
}

/** Reads `/api/stream` as a browser's EventSource would, keeping every `snapshot` event. */
export async function openSnapshotStream(url: string): Promise<SnapshotStream> {
  const snapshots: ConsoleSnapshot[] = [];
  const waiters = new Set<() => void>();
  let raw = '';
  let finished = false;
  let resolveEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    resolveEnded = resolve;
  });
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };

  const response = await new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.get(`${url}/api/stream`, resolve);
    request.on('error', reject);
  });
  response.setEncoding('utf8');
  let buffer = '';
  response.on('data', (chunk: string) => {
    raw += chunk;
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const frame = buffer.slice(0, end).split('\n');
      buffer = buffer.slice(end + 2);
      if (!frame.includes('event: snapshot')) continue;
      const data = frame
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice('data: '.length))
        .join('\n');
      snapshots.push(JSON.parse(data) as ConsoleSnapshot);
    }
    wake();
  });
  const finish = () => {
    finished = true;
    resolveEnded();
    wake();
  };
  response.on('end', finish);
  response.on('close', finish);

  return {
    ended,
    contentType: response.headers['content-type'],
    rawText: () => raw,
    close: () => response.destroy(),
    next: (matches, what, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no snapshot with ${what} within ${timeoutMs} ms (${snapshots.length} received)`));
        }, timeoutMs);
        function check() {
          const found = snapshots.find(matches);
          if (found === undefined && !finished) return;
          clearTimeout(timer);
          waiters.delete(check);
          if (found) resolve(found);
          else reject(new Error(`the stream ended before a snapshot with ${what}`));
        }
        waiters.add(check);
        check();
      }),
  };
}
