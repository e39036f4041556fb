import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import type { AapJobRef } from '../../lib/aap/schemas';
import { MAX_NOTIFICATION_BYTES } from '../../lib/notifications';
import { jobKey } from '../../lib/notifications/waiters';
import { apiEvent, lambdaContext } from '../intake/support/requests';
import { arm, memoryPorts, type Ports, TOKEN } from './support';

type Module = typeof import('../../functions/notifications');

/**
 * Thousands of random and mutated requests through the real handler, over in-memory ports that count every resume.
 * Whatever arrives: never a 5xx; nothing is resumed without the exact bearer token; and only waiters of the job the
 * body names are ever resumed (none for an unknown id).
 */

const ARMED: AapJobRef[] = [
  { id: 7, kind: 'job' },
  { id: 7, kind: 'workflow_job' },
  { id: 1234, kind: 'job' },
  { id: 99_999, kind: 'workflow_job' },
];
const UNKNOWN_IDS = [1, 8, 1235, 2 ** 31, Number.MAX_SAFE_INTEGER];

// ---------------------------------------------------------------------------------------------------------------
// credentials: the token, near misses of it, other schemes, none

const nearMiss = fc.oneof(
  fc.constant(TOKEN.slice(0, -1)),
  fc.constant(`${TOKEN}x`),
  fc.constant(TOKEN.toUpperCase()),
  fc
    .nat({ max: TOKEN.length - 1 })
    .map((i) => `${TOKEN.slice(0, i)}${TOKEN[i] === 'a' ? 'b' : 'a'}${TOKEN.slice(i + 1)}`),
  fc.string({ minLength: 1, maxLength: 80 }),
);
type Credential = { header?: [string, string]; valid: boolean };
const credential: fc.Arbitrary<Credential> = fc.oneof(
  {
    arbitrary: fc
      .tuple(fc.constantFrom('Authorization', 'authorization', 'AUTHORIZATION'), fc.constantFrom('Bearer', 'bearer'))
      .map(([name, scheme]): Credential => ({ header: [name, `${scheme} ${TOKEN}`], valid: true })),
    weight: 5,
  },
  {
    arbitrary: nearMiss.map((token): Credential => ({ header: ['authorization', `Bearer ${token}`], valid: false })),
    weight: 3,
  },
  {
    arbitrary: fc
      .constantFrom(`Basic ${Buffer.from(`aap:${TOKEN}`).toString('base64')}`, TOKEN, `Token ${TOKEN}`, '', 'Bearer')
      .map((value): Credential => ({ header: ['authorization', value], valid: false })),
    weight: 1,
  },
  { arbitrary: fc.constant<Credential>({ valid: false }), weight: 1 },
);

// ---------------------------------------------------------------------------------------------------------------
// bodies: the one configure-aap sets, for armed and unknown jobs, mutated at the JSON and at the byte level

const jobRef = fc.oneof(
  { arbitrary: fc.constantFrom(...ARMED), weight: 3 },
  {
    arbitrary: fc
      .tuple(fc.constantFrom(...UNKNOWN_IDS), fc.constantFrom<AapJobRef['kind']>('job', 'workflow_job'))
      .map(([id, kind]) => ({ id, kind })),
    weight: 2,
  },
);
const status = fc.constantFrom('successful', 'failed', 'error', 'canceled', 'running', '', 'ünïcødé');
const validBody = fc.tuple(jobRef, status).map(([job, s]) => ({ id: job.id, type: job.kind, status: s }));

const oddValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constantFrom(0, -1, 1.5, 2 ** 53, Number.NaN, '7', '', 'job', 'workflow_job', 'project_update', true, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);
const mutatedBody = fc
  .tuple(validBody, fc.constantFrom('id', 'type', 'status', 'extra'), oddValue)
  .map(([body, field, value]) => {
    const copy: Record<string, unknown> = { ...body };
    if (value === undefined) delete copy[field];
    else copy[field] = value;
    return copy;
  });

const bodyText = fc.oneof(
  { arbitrary: validBody.map((b) => JSON.stringify(b)), weight: 5 },
  { arbitrary: mutatedBody.map((b) => JSON.stringify(b)), weight: 3 },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), weight: 1 },
  { arbitrary: fc.string({ maxLength: 200, unit: 'binary' }), weight: 1 },
  {
    // Around the size limit: padded valid bodies just under and over it.
    arbitrary: fc
      .tuple(validBody, fc.integer({ min: MAX_NOTIFICATION_BYTES - 80, max: MAX_NOTIFICATION_BYTES + 80 }))
      .map(([b, size]) => {
        const bare = JSON.stringify({ ...b, pad: '' });
        return JSON.stringify({ ...b, pad: 'p'.repeat(Math.max(0, size - bare.length)) });
      }),
    weight: 1,
  },
  { arbitrary: fc.constant('x'.repeat(64 * 1024)), weight: 1 },
);

/** What the request is, and what it names (when its body is a valid notification). */
interface Probe {
  event: APIGatewayProxyEventV2;
  valid: boolean;
  job?: AapJobRef;
}

const probe: fc.Arbitrary<Probe> = fc
  .tuple(
    credential,
    bodyText,
    fc.boolean(),
    fc.dictionary(fc.constantFrom('x-forwarded-for', 'user-agent', 'content-type', 'x-noise'), fc.string(), {
      maxKeys: 3,
    }),
    fc.boolean(),
  )
  .map(([cred, text, base64, noise, invalidBase64]) => {
    const headers: Record<string, string> = { ...noise };
    if (cred.header) headers[cred.header[0]] = cred.header[1];
    const body = base64
      ? invalidBase64
        ? `${Buffer.from(text).toString('base64')}!*`
        : Buffer.from(text).toString('base64')
      : text;
    let job: AapJobRef | undefined;
    try {
      const parsed = JSON.parse(text) as { id?: unknown; type?: unknown };
      if (
        typeof parsed?.id === 'number' &&
        Number.isSafeInteger(parsed.id) &&
        (parsed.type === 'job' || parsed.type === 'workflow_job')
      ) {
        job = { id: parsed.id, kind: parsed.type };
      }
    } catch {
      // Not JSON: names no job.
    }
    return {
      event: apiEvent({ path: '/v1/aap/notifications', body, headers, isBase64Encoded: base64 }),
      valid: cred.valid,
      ...(job ? { job } : {}),
    };
  });

/** A plain check: a jest matcher per run costs more than the request it checks. */
function check(ok: boolean, why: string): void {
  if (!ok) throw new Error(why);
}

describe('fuzzing the AAP notification receiver', () => {
  let mod: Module;
  let ports: Ports;
  let handler: Module['receive'];
  /** Which job each armed token waits for. */
  const jobOfToken = new Map<string, string>();
  const previous = { ...process.env };

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    mod = await import('../../functions/notifications');
    ports = memoryPorts();
    handler = mod.receiveHandler(() => ports);
  });
  afterAll(() => {
    process.env = previous;
  });

  /** Every armed job has two waiting executions again (a resume disarms them). */
  async function rearm(): Promise<void> {
    for (const job of ARMED) {
      for (const execution of ['provision', 'deprovision']) {
        const waiter = await arm(ports, job, execution);
        jobOfToken.set(waiter.token, jobKey(job));
      }
    }
  }

  it('10,000 requests: never a 5xx, no resume without the token, only waiters of the named job resumed', async () => {
    const statuses = new Map<number, number>();
    let resumedAny = 0;
    await fc.assert(
      fc.asyncProperty(probe, async ({ event, valid, job }) => {
        await rearm();
        const before = ports.tasks.calls.length;
        const response = await handler(event, lambdaContext);
        const calls = ports.tasks.calls.slice(before);
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        resumedAny += calls.length;

        check(response.statusCode < 500, `answered ${response.statusCode}`);
        if (!valid) {
          check([401, 413].includes(response.statusCode), `answered ${response.statusCode} without the token`);
          check(calls.length === 0, `resumed ${calls.length} without the token`);
        }
        if (response.statusCode !== 200)
          check(calls.length === 0, `resumed ${calls.length}, answered ${response.statusCode}`);
        for (const call of calls) {
          check(job !== undefined && jobOfToken.get(call.token) === jobKey(job), 'resumed a waiter of another job');
          check(JSON.stringify(call.output) === '{"notified":true}', 'resumed with another output');
        }
        const armedJob = job !== undefined && ARMED.some((a) => jobKey(a) === jobKey(job));
        if (response.statusCode === 200) check(calls.length === (armedJob ? 2 : 0), `resumed ${calls.length}`);
      }),
      { numRuns: 10_000 },
    );
    // The generators must reach every branch, or the property proves little.
    expect([...statuses.keys()].sort((a, b) => a - b)).toEqual([200, 400, 401, 413]);
    expect(resumedAny).toBeGreaterThan(1_000);
  }, 120_000);
});
