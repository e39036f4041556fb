import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryTaskTokenStore } from '../../lib/notifications/memory-waiters';
import { receiveNotification } from '../../lib/notifications/receiver';
import type { JobView } from '../../local/aap-simulator';
import { FORGERY_KINDS, NotificationForger } from './notification-forger';
import { Prng } from './prng';

/**
 * The forger against the product's own receiver logic (receiveNotification behind a bare HTTP server, as the
 * gateway would call it): every kind gets the answer the forger expects, lies are about real jobs, and a receiver
 * that lets a bad token through is caught.
 */

const TOKEN = 'the-real-notification-token';

const jobView = (id: number, status: JobView['status']): JobView =>
  ({ id, type: 'job', status, purged: false, uid: `u-${id}`, effect: 'create-vm' }) as JobView;

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function serve(handle: (headers: Record<string, string>, body: Buffer) => Promise<number>): Promise<Server> {
  const server = createServer((req, res) => {
    void read(req).then(async (body) => {
      const status = await handle(req.headers as Record<string, string>, body);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/aap/notifications`;

async function forge(server: Server, count: number, jobs: JobView[]): Promise<NotificationForger> {
  const forger = new NotificationForger({
    url: urlOf(server),
    token: TOKEN,
    jobs: () => jobs,
    prng: new Prng('forger-test'),
    perPeriod: 0,
    periodMs: 1000,
  });
  await Promise.all(Array.from({ length: count }, () => forger.forgeOne()));
  return forger;
}

describe('the notification forger', () => {
  const jobs = [jobView(11, 'running'), jobView(12, 'successful'), jobView(13, 'pending')];
  const close = (server: Server) => new Promise((resolve) => server.close(resolve));

  it('gets from the real receiver logic exactly the answers it expects, every kind sent', async () => {
    const resumed: string[] = [];
    const store = new MemoryTaskTokenStore();
    await store.arm({ job: { id: 11, kind: 'job' }, execution: 'ex-11', token: 'tok-11', armedAt: 1, expiresAt: 9e9 });
    const server = await serve(async (headers, body) => {
      const result = await receiveNotification(
        { headers, body: body.toString('base64'), isBase64Encoded: true },
        {
          token: { current: async () => TOKEN },
          store,
          tasks: {
            succeed: async (token) => {
              resumed.push(token);
              return 'resumed';
            },
          },
          now: () => Date.now(),
        },
      );
      return result.response.statusCode;
    });
    try {
      const forger = await forge(server, 200, jobs);
      expect(forger.stats.samples).toEqual([]);
      expect(forger.stats.unexpected).toBe(0);
      expect(forger.stats.sent).toBe(200);
      for (const kind of FORGERY_KINDS) expect(forger.stats.byKind[kind]).toBeGreaterThan(0);
      // Lies name real jobs with a status that is not theirs.
      expect(forger.stats.lies.length).toBeGreaterThan(0);
      for (const lie of forger.stats.lies) {
        expect(jobs.map((j) => j.id)).toContain(lie.jobId);
        expect(lie.claimed).not.toBe(lie.actualThen);
      }
      // A lie with the right token about a job someone waits for resumes it (once: the waiter is disarmed).
      expect(resumed).toEqual(forger.stats.lies.some((lie) => lie.jobId === 11) ? ['tok-11'] : []);
    } finally {
      await close(server);
    }
  });

  it('catches a receiver that accepts any token', async () => {
    const server = await serve(async (_headers, body) => (body.length > 4096 ? 413 : 200));
    try {
      const forger = await forge(server, 60, jobs);
      expect(forger.stats.unexpected).toBe(forger.stats.byKind['bad-token'] + forger.stats.byKind.malformed);
      expect(forger.stats.samples[0]).toMatch(/: 200, expected (401|400)$/);
      expect(forger.stats.samples.join('\n')).not.toContain(TOKEN);
    } finally {
      await close(server);
    }
  });
});
