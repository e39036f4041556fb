import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { MAX_BODY_BYTES, signWebhook } from '../../lib/intake';
import { EAST, LEGACY, TENANT, useWebhookEnvironment } from './support/environment';
import { apiEvent, instance, lambdaContext, nowSeconds } from './support/requests';
import { type SfnStub, startSfnStub } from './support/sfn-stub';

type Handler = typeof import('../../functions/webhook')['handler'];

/**
 * Thousands of random and mutated requests through the real handler, Step Functions stubbed by a server that
 * counts what reaches it. Whatever arrives: never a 5xx, and nothing is started unless the request is signed with
 * the secret of the cluster it names (or carries that cluster's configured bearer token).
 */

const SECRETS: Record<string, readonly string[]> = {
  [EAST.id]: EAST.secrets,
  [LEGACY.id]: [LEGACY.secret],
  [TENANT.id]: [TENANT.secret],
};
const KNOWN_CLUSTERS = Object.keys(SECRETS);
const ALL_SECRETS = new Set([...Object.values(SECRETS).flat(), LEGACY.bearer]);
const ROUTES = ['events', 'create-compute-instance', 'delete-compute-instance'] as const;

// ---------------------------------------------------------------------------------------------------------------
// bodies: valid ones, and mutations of them at the byte and at the JSON level

const objects = [
  instance(),
  instance({ generation: 9 }),
  instance({ deleting: true }),
  instance({ deleting: true, finalizers: [] }),
  instance({ managementState: 'manual' }),
];
const validBody = fc
  .tuple(fc.constantFrom(...objects), fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', null))
  .map(([object, type]) => JSON.stringify(type === null ? object : { type, object }));

const FIELDS: ReadonlyArray<readonly string[]> = [
  ['type'],
  ['object'],
  ['kind'],
  ['apiVersion'],
  ['metadata'],
  ['metadata', 'uid'],
  ['metadata', 'name'],
  ['metadata', 'namespace'],
  ['metadata', 'generation'],
  ['metadata', 'finalizers'],
  ['metadata', 'deletionTimestamp'],
  ['metadata', 'annotations'],
  ['spec'],
  ['spec', 'cores'],
  ['spec', 'runStrategy'],
  ['status'],
  ['status', 'provisioningJobs'],
];

/** Sets (or, for undefined, removes) one field, in the event's object when the body is an event. */
function setField(body: string, field: readonly string[], value: unknown): string {
  const root = JSON.parse(body) as Record<string, unknown>;
  const object = (root.object ?? root) as Record<string, unknown>;
  let target: Record<string, unknown> = field[0] === 'type' || field[0] === 'object' ? root : object;
  for (const key of field.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) return JSON.stringify(root);
    target = next as Record<string, unknown>;
  }
  const last = field[field.length - 1] as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return JSON.stringify(root);
}

const mutatedBody = fc.oneof(
  // A field replaced by any JSON value, or removed.
  fc
    .tuple(validBody, fc.constantFrom(...FIELDS), fc.option(fc.jsonValue({ maxDepth: 3 }), { nil: undefined }))
    .map(([body, field, value]) => setField(body, field, value)),
  // A byte changed.
  fc.tuple(validBody, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([body, at, byte]) => {
    const bytes = Buffer.from(body, 'utf8');
    bytes[at % bytes.length] = byte;
    return bytes.toString('latin1');
  }),
  // Cut short.
  fc.tuple(validBody, fc.nat()).map(([body, at]) => body.slice(0, at % body.length)),
  // Something inserted.
  fc
    .tuple(validBody, fc.nat(), fc.string({ unit: 'binary', maxLength: 16 }))
    .map(([body, at, text]) => `${body.slice(0, at % body.length)}${text}${body.slice(at % body.length)}`),
);

const HUGE_BODY = `{"type":"ADDED","object":"${'x'.repeat(MAX_BODY_BYTES)}"}`;
const DEEP_BODY = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;

const anyBody = fc.oneof(
  { arbitrary: validBody, weight: 3 },
  { arbitrary: mutatedBody, weight: 6 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 256 }), weight: 2 },
  { arbitrary: fc.json({ maxDepth: 3 }), weight: 2 },
  {
    arbitrary: fc.constantFrom(HUGE_BODY, DEEP_BODY, '', 'null', '{}', '[]', '"x"', '{"__proto__":{"x":1}}'),
    weight: 1,
  },
);

// ---------------------------------------------------------------------------------------------------------------
// where it goes

const oddPath = fc.oneof(
  fc.string({ maxLength: 64 }).map((text) => `/${text}`),
  fc.constantFrom(
    '',
    '/',
    '/v1/clusters',
    '/v1/clusters/east',
    '//v1/clusters/east/events',
    '/v1/clusters/east/events/../events',
    '/v1/clusters/east/events?x=1',
    '/v1/clusters/%65ast/events',
    '/v1/clusters/east/Events',
    `/v1/clusters/${'a'.repeat(4096)}/events`,
  ),
);
const pathCluster = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN_CLUSTERS), weight: 6 },
  { arbitrary: fc.constantFrom('west', 'constructor', '__proto__', 'EAST', 'east%00', '..'), weight: 1 },
);
const target = fc.oneof(
  { arbitrary: fc.tuple(pathCluster, fc.constantFrom(...ROUTES)), weight: 8 },
  { arbitrary: fc.tuple(pathCluster, fc.string({ maxLength: 24 })), weight: 1 },
);
const method = fc.oneof(
  { arbitrary: fc.constant('POST'), weight: 8 },
  { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'post', ''), weight: 1 },
);
const noiseHeaders = fc
  .array(fc.tuple(fc.string({ maxLength: 24 }), fc.string({ maxLength: 64 })), { maxLength: 4 })
  .map((pairs) => Object.fromEntries(pairs.map(([name, value]) => [name.toLowerCase(), value])));

// ---------------------------------------------------------------------------------------------------------------
// credentials that must not pass for the cluster named in the path

const notASecret = fc.string({ minLength: 1, maxLength: 40 }).filter((secret) => !ALL_SECRETS.has(secret));
const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);

type Forgery = (cluster: string, body: string) => Record<string, string>;

const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.constant<Forgery>(() => ({})),
  notASecret.map<Forgery>((secret) => (_c, body) => ({ 'x-signature-256': signWebhook(secret, body, nowSeconds()) })),
  // Another cluster's valid signature: a cross-cluster replay.
  fc.constantFrom(...KNOWN_CLUSTERS).map<Forgery>((signer) => (cluster, body) => {
    const other = signer === cluster ? KNOWN_CLUSTERS.find((id) => id !== cluster) : signer;
    return { 'x-signature-256': signWebhook(SECRETS[other as string]?.[0] as string, body, nowSeconds()) };
  }),
  // The right secret, outside the 300 s window either way.
  fc.tuple(fc.integer({ min: 301, max: 10_000_000 }), fc.boolean()).map<Forgery>(([skew, ahead]) => (cluster, body) => {
    const secret = SECRETS[cluster]?.[0] ?? 'x';
    return { 'x-signature-256': signWebhook(secret, body, nowSeconds() + (ahead ? skew : -skew)) };
  }),
  // Random v1 entries under a fresh timestamp.
  fc.array(hex64, { minLength: 1, maxLength: 9 }).map<Forgery>((entries) => () => ({
    'x-signature-256': `t=${nowSeconds()},${entries.map((e) => `v1=${e}`).join(',')}`,
  })),
  fc.string({ unit: 'binary', maxLength: 200 }).map<Forgery>((header) => () => ({ 'x-signature-256': header })),
  fc
    .integer({ min: 2_000, max: 20_000 })
    .map<Forgery>((length) => () => ({ 'x-signature-256': `t=1,v1=${'a'.repeat(length)}` })),
  // Bearer tokens: wrong ones, and legacy's real one where the cluster has no bearer mode.
  notASecret.map<Forgery>((token) => () => ({ authorization: `Bearer ${token}` })),
  fc.constant<Forgery>((cluster) => {
    const headers: Record<string, string> = {};
    if (cluster !== LEGACY.id) headers.authorization = `Bearer ${LEGACY.bearer}`;
    return headers;
  }),
  fc
    .integer({ min: 1_000, max: 30_000 })
    .map<Forgery>((length) => () => ({ authorization: `Bearer ${'t'.repeat(length)}` })),
);

/** The signed body differs from the one sent: a tampered request. */
const tampered: fc.Arbitrary<{ signed: string; sent: string }> = fc
  .tuple(validBody, mutatedBody)
  .filter(([signed, sent]) => !Buffer.from(signed, 'utf8').equals(Buffer.from(sent, 'utf8')))
  .map(([signed, sent]) => ({ signed, sent }));

function eventFor(
  httpMethod: string,
  [cluster, route]: [string, string],
  body: string,
  headers: Record<string, string>,
  base64: boolean,
): APIGatewayProxyEventV2 {
  return apiEvent({
    method: httpMethod,
    path: `/v1/clusters/${cluster}/${route}`,
    headers,
    body: base64 ? Buffer.from(body, 'utf8').toString('base64') : body,
    isBase64Encoded: base64,
  });
}

const forgedEvent: fc.Arbitrary<APIGatewayProxyEventV2> = fc.oneof(
  {
    arbitrary: fc
      .tuple(method, target, anyBody, forgery, noiseHeaders, fc.boolean())
      .map(([httpMethod, where, body, forge, noise, base64]) =>
        eventFor(httpMethod, where, body, { ...noise, ...forge(where[0], body) }, base64),
      ),
    weight: 6,
  },
  {
    // Signed with the right secret, but not this body.
    arbitrary: fc.tuple(method, target, tampered, fc.boolean()).map(([httpMethod, where, { signed, sent }, base64]) => {
      const secret = SECRETS[where[0]]?.[0] ?? 'x';
      return eventFor(
        httpMethod,
        where,
        sent,
        { 'x-signature-256': signWebhook(secret, signed, nowSeconds()) },
        base64,
      );
    }),
    weight: 3,
  },
  {
    arbitrary: fc
      .tuple(method, oddPath, anyBody, noiseHeaders)
      .map(([httpMethod, path, body, headers]) => apiEvent({ method: httpMethod, path, body, headers })),
    weight: 1,
  },
);

// ---------------------------------------------------------------------------------------------------------------

/** Refused before or at authentication: nothing past it may be reached without credentials. */
const FORGED_STATUSES = new Set([401, 404, 405, 413]);
/** Authenticated: decided (200, 202) or refused for what the body says (400, 403, 413); never a 5xx. */
const SIGNED_STATUSES = new Set([200, 202, 400, 403, 413]);

/** A plain check: a jest matcher per run costs more than the request it checks. */
function expectOutcome(ok: boolean, status: number, reached: number): void {
  if (!ok) throw new Error(`answered ${status} after ${reached} Step Functions request(s)`);
}

describe('fuzzing the webhook handler', () => {
  let sfn: SfnStub;
  let restoreEnvironment: () => void;
  let handler: Handler;

  beforeAll(async () => {
    sfn = await startSfnStub();
    restoreEnvironment = useWebhookEnvironment(sfn.endpoint);
    ({ handler } = await import('../../functions/webhook'));
  });
  afterAll(async () => {
    restoreEnvironment?.();
    await sfn?.close();
  });

  async function call(event: APIGatewayProxyEventV2): Promise<{ status: number; reached: number }> {
    const before = sfn.requests();
    const response = await handler(event, lambdaContext);
    return { status: response.statusCode, reached: sfn.requests() - before };
  }

  /** How often each status came up: the generators must reach every branch, or the property proves little. */
  function tally() {
    const seen = new Map<number, number>();
    return {
      add: (status: number) => seen.set(status, (seen.get(status) ?? 0) + 1),
      statuses: () => [...seen.keys()].sort((a, b) => a - b),
    };
  }

  it('10,000 forged, unsigned, tampered or misdirected requests: no 5xx and nothing started', async () => {
    const statuses = tally();
    await fc.assert(
      fc.asyncProperty(forgedEvent, async (event) => {
        const { status, reached } = await call(event);
        statuses.add(status);
        expectOutcome(FORGED_STATUSES.has(status) && reached === 0, status, reached);
      }),
      { numRuns: 10_000 },
    );
    expect(statuses.statuses()).toEqual([...FORGED_STATUSES]);
  }, 60_000);

  it('500 requests for unregistered clusters: answered exactly as a bad signature, the id never echoed', async () => {
    const unregistered = fc
      .stringMatching(/^[a-z0-9][-a-z0-9]{0,39}$/)
      .filter((id) => !(KNOWN_CLUSTERS as readonly string[]).includes(id));
    const probe = fc.tuple(unregistered, fc.constantFrom(...ROUTES), anyBody, fc.string({ maxLength: 80 }));
    await fc.assert(
      fc.asyncProperty(probe, async ([id, route, body, signature]) => {
        const headers = { 'x-signature-256': signature };
        const unknown = await handler(eventFor('POST', [id, route], body, headers, false), lambdaContext);
        const known = await handler(
          eventFor('POST', [KNOWN_CLUSTERS[0] as string, route], body, headers, false),
          lambdaContext,
        );
        // Identical answers cannot echo the id (unless the generic message happens to contain it). A body over
        // 1 MiB is refused before the cluster is looked up, for both alike.
        const same = JSON.stringify(unknown) === JSON.stringify(known) && [401, 413].includes(unknown.statusCode);
        if (!same) {
          throw new Error(`cluster ${id}: ${JSON.stringify(unknown)} differs from ${JSON.stringify(known)}`);
        }
      }),
      { numRuns: 500 },
    );
  }, 60_000);

  it('1,000 correctly signed requests with arbitrary bodies: never a 5xx, and a start exactly when accepted', async () => {
    const signedRequest = fc.tuple(
      fc.constantFrom(...KNOWN_CLUSTERS),
      fc.constantFrom(...ROUTES),
      anyBody,
      fc.nat(),
      fc.boolean(),
    );
    const statuses = tally();
    await fc.assert(
      fc.asyncProperty(signedRequest, async ([cluster, route, body, secretIndex, base64]) => {
        const secrets = SECRETS[cluster] as readonly string[];
        const secret = secrets[secretIndex % secrets.length] as string;
        const headers = { 'x-signature-256': signWebhook(secret, body, nowSeconds()) };
        const { status, reached } = await call(eventFor('POST', [cluster, route], body, headers, base64));
        statuses.add(status);
        // 202: one start, plus a look at the execution when the name was taken (it runs here, so no more).
        const started = status === 202 ? reached === 1 || reached === 2 : reached === 0;
        expectOutcome(SIGNED_STATUSES.has(status) && started, status, reached);
      }),
      { numRuns: 1_000 },
    );
    expect(statuses.statuses()).toEqual([...SIGNED_STATUSES]);
  }, 60_000);
});
