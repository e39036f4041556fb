import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The receiving end for forwarder tests: an HTTP server on port 0 that checks each POST's signature with its own
 * implementation of the scheme (not the forwarder's), records it, and answers what the test tells it to.
 */

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly contentType: string | undefined;
  readonly signatureValid: boolean;
  readonly type: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly resourceVersion: string;
  // biome-ignore lint/suspicious/noExplicitAny: forwarded objects are inspected field by field in assertions
  readonly object: any;
  /** What the receiver answered (undefined while held, or when the connection was dropped). */
  status?: number;
}

/** How to answer one request: a status (with headers), `'drop'` to reset the connection, or a held promise of one. */
export type Answer = number | { status: number; headers?: Record<string, string>; body?: string } | 'drop';
export type Responder = (request: ReceivedRequest, index: number) => Answer | Promise<Answer>;

export interface Receiver {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Requests answered 2xx, in arrival order. */
  accepted(): ReceivedRequest[];
  /** Resolves once `check` holds for the recorded requests (checked on every arrival and answer). */
  until(check: (requests: ReceivedRequest[]) => boolean, what?: string, timeoutMs?: number): Promise<void>;
  /** Resolves once `count` requests have been answered 2xx. */
  untilAccepted(count: number, what?: string): Promise<void>;
  respondWith(responder: Responder): void;
  close(): Promise<void>;
}

export function verifySignature(secret: string, header: string | undefined, body: string): boolean {
  const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return false;
  const [, t = '', v1 = ''] = match;
  if (Math.abs(Date.now() / 1000 - Number(t)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return timingSafeEqual(expected, Buffer.from(v1, 'hex'));
}

export async function startReceiver(secret: string, responder: Responder = () => 200): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const notify = (): void => {
    for (const waiter of [...waiters]) waiter();
  };
  let respond = responder;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body);
        const header = req.headers['x-signature-256'];
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          contentType: req.headers['content-type'],
          signatureValid: verifySignature(secret, typeof header === 'string' ? header : undefined, body),
          type: parsed.type,
          name: parsed.object?.metadata?.name,
          namespace: parsed.object?.metadata?.namespace,
          uid: parsed.object?.metadata?.uid,
          resourceVersion: parsed.object?.metadata?.resourceVersion,
          object: parsed.object,
        };
        const index = requests.push(request) - 1;
        notify();
        const answer = await respond(request, index);
        if (answer === 'drop') {
          req.socket.destroy();
        } else {
          const { status, headers = {}, body: text = '' } = typeof answer === 'number' ? { status: answer } : answer;
          request.status = status;
          res.writeHead(status, { 'Content-Type': 'text/plain', ...headers }).end(text);
        }
        notify();
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}`,
    requests,
    accepted: () => requests.filter((request) => request.status !== undefined && request.status < 300),
    until(check, what = 'the receiver condition', timeoutMs = 15_000) {
      return new Promise<void>((resolve, reject) => {
        const waiter = (): void => {
          if (!check(requests)) return;
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received: ${summary(requests)}`));
        }, timeoutMs);
        waiters.add(waiter);
        waiter();
      });
    },
    untilAccepted(count, what = `${count} accepted events`) {
      return receiver.until(
        (all) => all.filter((request) => request.status !== undefined && request.status < 300).length >= count,
        what,
      );
    },
    respondWith(next) {
      respond = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return receiver;
}

/** `ADDED vm-a@12 → 200` lines, for failure messages and compact assertions. */
export function summary(requests: ReadonlyArray<ReceivedRequest>): string[] {
  return requests.map((r) => `${r.type} ${r.name}${r.status === undefined ? '' : ` → ${r.status}`}`);
}

/** A promise a responder can wait on, released by the test. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}
