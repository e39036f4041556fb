import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChangeEvent } from '../../forwarder/src';
import { SIGNATURE_HEADER, verifySignature } from '../../lib/intake';
import { Prng } from './prng';
import { WebhookChannel, type WebhookWeather } from './webhook-channel';

/**
 * The chaotic webhook channel against a recording receiver: what it promises about loss, duplication, delay and
 * signing, and how it counts the receiver's answers.
 */

const SECRET = 'channel-test-secret';

interface Received {
  path: string;
  body: string;
  signatureValid: boolean;
}

let server: Server;
let url: string;
const received: Received[] = [];
/** The statuses the receiver answers with, in order; 202 once they run out. */
let script: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const header = req.headers[SIGNATURE_HEADER.toLowerCase()] as string | undefined;
      const check = verifySignature({ header, body, secrets: [SECRET], nowSeconds: Math.floor(Date.now() / 1000) });
      received.push({ path: req.url ?? '', body: body.toString('utf8'), signatureValid: check.ok });
      res.writeHead(script.shift() ?? 202, { 'content-type': 'application/json' }).end('{"message":"scripted"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received.length = 0;
  script = [];
});

const CALM: WebhookWeather = { lossRate: 0, duplicateRate: 0, delayRate: 0, maxDelaySeconds: 0 };

function channel(weather: Partial<WebhookWeather>, seed = 'channel') {
  return new WebhookChannel({
    url,
    cluster: 'local',
    secret: SECRET,
    prng: new Prng(seed),
    weather: { ...CALM, ...weather },
    timeScale: 0.01,
  });
}

function event(name: string, resourceVersion: string, type: ChangeEvent['type'] = 'MODIFIED'): ChangeEvent {
  return { type, object: { metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion } } };
}

describe('the chaotic webhook channel', () => {
  it('in calm weather delivers every event once, signed, to the cluster events route, in order', async () => {
    const c = channel({});
    for (let i = 1; i <= 5; i++) {
      c.deliver(event('a', String(i)));
      await c.drained();
    }
    expect(received.map((r) => JSON.parse(r.body).object.metadata.resourceVersion)).toEqual(['1', '2', '3', '4', '5']);
    expect(received.every((r) => r.signatureValid && r.path === '/v1/clusters/local/events')).toBe(true);
    expect(c.stats).toMatchObject({ events: 5, lost: 0, duplicated: 0, delayed: 0, accepted: 5 });
  });

  it.each([
    { weather: { lossRate: 1 }, arrived: 0, stat: 'lost' as const, count: 10 },
    { weather: { duplicateRate: 1 }, arrived: [20, 30], stat: 'duplicated' as const, count: 10 },
    { weather: { delayRate: 1, maxDelaySeconds: 10 }, arrived: 10, stat: 'delayed' as const, count: 10 },
  ])('with $weather: $stat counts every event', async ({ weather, arrived, stat, count }) => {
    const c = channel(weather);
    for (let i = 0; i < 10; i++) c.deliver(event(`vm-${i}`, '1'));
    await c.drained();
    if (Array.isArray(arrived)) {
      expect(received.length).toBeGreaterThanOrEqual(arrived[0] as number);
      expect(received.length).toBeLessThanOrEqual(arrived[1] as number);
    } else expect(received).toHaveLength(arrived);
    expect(c.stats[stat]).toBe(count);
  });

  it('holds delayed events until calm() lets them go, after later ones (reordered)', async () => {
    const c = channel({ delayRate: 1, maxDelaySeconds: 1e6 });
    c.deliver(event('a', '1'));
    c.calm();
    c.deliver(event('a', '2'));
    await c.drained();
    expect(received.map((r) => JSON.parse(r.body).object.metadata.resourceVersion)).toEqual(['2', '1']);
  });

  it("decides the fate of an object's events from the seed alone", async () => {
    const fates = async (seed: string) => {
      const c = channel({ lossRate: 0.5 }, seed);
      for (let i = 0; i < 20; i++) c.deliver(event('a', String(i)));
      await c.drained();
      return c.log('a').map((line) => line.replace(/ → .*/, ''));
    };
    const first = await fates('same');
    expect(await fates('same')).toEqual(first);
    expect(await fates('another')).not.toEqual(first);
  });

  it.each([
    { answers: [503, 500, 202], accepted: 1, retried: 2, refused: 0, posts: 3 },
    { answers: [429, 200], accepted: 0, retried: 1, refused: 0, posts: 2 },
    { answers: [400], accepted: 0, retried: 0, refused: 1, posts: 1 },
    { answers: [401], accepted: 0, retried: 0, refused: 1, posts: 1 },
  ])('answers $answers: retried $retried, refused $refused', async ({ answers, accepted, retried, refused, posts }) => {
    script = [...answers];
    const c = channel({});
    c.deliver(event('a', '1'));
    await c.drained();
    expect(c.stats).toMatchObject({ accepted, retried, refused, posts });
    if (refused > 0) expect(c.stats.refusals[0]).toMatch(/^HTTP 4\d\d: .*scripted/);
  });
});
