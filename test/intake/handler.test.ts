import { createHash } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { desiredConfigVersion } from '../../lib/computeinstance';
import { MAX_BODY_BYTES } from '../../lib/intake';
import { baseSpec, job } from '../computeinstance/fixtures';
import { DEPROVISION_ARN, EAST, LEGACY, PROVISION_ARN, TENANT, useWebhookEnvironment } from './support/environment';
import {
  apiEvent,
  bodyOf,
  instance,
  lambdaContext,
  type Route,
  routePath,
  signatureHeaders,
  signedEvent,
  watchEventBody,
} from './support/requests';
import { type SfnStub, type StubStatus, startSfnStub } from './support/sfn-stub';

type Handler = typeof import('../../functions/webhook')['handler'];

describe('the webhook handler (real handler, Step Functions stubbed)', () => {
  let sfn: SfnStub;
  let restoreEnvironment: () => void;
  let handler: Handler;
  const invoke = async (event: APIGatewayProxyEventV2) => {
    const response = await handler(event, lambdaContext);
    return { ...response, json: bodyOf(response) };
  };
  const [SECRET, PREVIOUS_SECRET] = EAST.secrets;
  const applied = desiredConfigVersion(baseSpec());
  // Every instance gets its own uid, so execution names never collide between tests.
  let serial = 0;
  const fresh = (options: Parameters<typeof instance>[0] = {}) => {
    const object = instance(options);
    serial += 1;
    object.metadata.uid = `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`;
    return object;
  };
  const instanceHash = (uid: string, cluster = EAST.id) =>
    createHash('sha256').update(`${cluster}\0osac-computeinstance\0vm-7fk2p\0${uid}`).digest('hex').slice(0, 8);

  beforeAll(async () => {
    sfn = await startSfnStub();
    restoreEnvironment = useWebhookEnvironment(sfn.endpoint);
    ({ handler } = await import('../../functions/webhook'));
  });
  afterAll(async () => {
    restoreEnvironment?.();
    await sfn?.close();
  });
  beforeEach(() => {
    sfn.starts.length = 0;
    sfn.setUnavailable(false);
  });

  describe('each route starts what the object needs', () => {
    it.each<[string, Route, (object: ReturnType<typeof fresh>) => string, 'provision' | 'deprovision']>([
      ['an ADDED event', 'events', (o) => watchEventBody('ADDED', o), 'provision'],
      ['a MODIFIED event of a changed spec', 'events', (o) => watchEventBody('MODIFIED', o), 'provision'],
      ['the EDA create route', 'create-compute-instance', (o) => JSON.stringify(o), 'provision'],
    ])('%s → 202 provision, under the name for its generation', async (_label, route, body, action) => {
      const object = fresh({ generation: 4 });
      const uid = object.metadata.uid as string;
      const response = await invoke(signedEvent(EAST.id, route, body(object), SECRET));
      const executionName = `provision-osac-computeinstance-vm-7fk2p-${instanceHash(uid)}-g4`;
      expect(response.statusCode).toBe(202);
      expect(response.json).toEqual({
        action,
        executionName,
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:cloudkit-provisioner-test-provision:${executionName}`,
        duplicate: false,
      });
      expect(sfn.starts).toEqual([
        {
          stateMachineArn: PROVISION_ARN,
          name: executionName,
          input: { ref: { cluster: EAST.id, namespace: 'osac-computeinstance', name: 'vm-7fk2p', uid }, generation: 4 },
        },
      ]);
    });

    it.each<[string, Route, (object: ReturnType<typeof fresh>) => string]>([
      ['a DELETED event while our finalizer is on', 'events', (o) => watchEventBody('DELETED', o)],
      ['a MODIFIED event of an object being deleted', 'events', (o) => watchEventBody('MODIFIED', o)],
      ['the EDA delete route', 'delete-compute-instance', (o) => JSON.stringify(o)],
    ])('%s → 202 deprovision', async (_label, route, body) => {
      const object = fresh({ deleting: true });
      const uid = object.metadata.uid as string;
      const deletionTimestamp = object.metadata.deletionTimestamp as string;
      const response = await invoke(signedEvent(EAST.id, route, body(object), SECRET));
      expect(response.statusCode).toBe(202);
      expect(response.json).toMatchObject({
        action: 'deprovision',
        // The deletion instant in the name: a stray delete naming another instant cannot take this one.
        executionName: `deprovision-osac-computeinstance-vm-7fk2p-${instanceHash(uid)}-d${Date.parse(deletionTimestamp) / 1000}`,
        duplicate: false,
      });
      expect(sfn.starts).toEqual([
        expect.objectContaining({
          stateMachineArn: DEPROVISION_ARN,
          input: { ref: expect.objectContaining({ uid }), deletionTimestamp },
        }),
      ]);
    });

    it.each<[string, Route, () => string, RegExp]>([
      [
        'a MODIFIED event carrying our own status write (job Running)',
        'events',
        () => watchEventBody('MODIFIED', fresh({ jobs: [job('provision', 'Running', { configVersion: applied })] })),
        /provision job \S+ is running/,
      ],
      [
        'a DELETED event after our finalizer went',
        'events',
        () => watchEventBody('DELETED', fresh({ deleting: true, finalizers: [] })),
        /is not on the object/,
      ],
      [
        'the EDA delete route after our finalizer went',
        'delete-compute-instance',
        () => JSON.stringify(fresh({ deleting: true, finalizers: [] })),
        /is not on the object/,
      ],
      [
        'a stray DELETED event for an instance the cluster has not deleted',
        'events',
        () => watchEventBody('DELETED', fresh()),
        /no deletionTimestamp/,
      ],
      [
        'a stray EDA delete for a live instance',
        'delete-compute-instance',
        () => JSON.stringify(fresh()),
        /no deletionTimestamp/,
      ],
      [
        'the EDA create route for an unmanaged instance',
        'create-compute-instance',
        () => JSON.stringify(fresh({ managementState: 'unmanaged' })),
        /management-state is unmanaged/,
      ],
    ])('%s → 200 ignored, nothing started', async (_label, route, body, reason) => {
      const response = await invoke(signedEvent(EAST.id, route, body(), SECRET));
      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({ action: 'ignored', reason: expect.stringMatching(reason) });
      expect(sfn.starts).toEqual([]);
    });
  });

  it('answers a repeated event with the same execution, marked duplicate once Step Functions refuses the name', async () => {
    const event = signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh()), SECRET);
    const first = await invoke(event);
    const second = await invoke(event);
    expect([first.statusCode, second.statusCode]).toEqual([202, 202]);
    expect(second.json).toEqual({ ...first.json, duplicate: true });
  });

  describe('an event for work whose last execution failed', () => {
    it('starts the next retry instead of answering "already started" while nothing runs', async () => {
      const deleting = fresh({ deleting: true });
      const event = signedEvent(EAST.id, 'events', watchEventBody('MODIFIED', deleting), SECRET);
      const first = await invoke(event);
      expect(first.statusCode).toBe(202);
      const firstName = (first.json as { executionName: string }).executionName;
      // The cancel-wait died (history limit, outage): before, the next event answered 202 duplicate, nothing ran.
      sfn.end(firstName, 'FAILED');
      const second = await invoke(event);
      expect(second.statusCode).toBe(202);
      expect(second.json).toMatchObject({ action: 'deprovision', executionName: `${firstName}-r1`, duplicate: false });
      // While that retry runs, a repeat is the duplicate it is.
      const third = await invoke(event);
      expect(third.json).toMatchObject({ executionName: `${firstName}-r1`, duplicate: true });
      expect(sfn.starts.map((s) => s.name)).toEqual([firstName, firstName, `${firstName}-r1`, firstName]);
    });

    it.each<[string, StubStatus]>([
      ['timed out', 'TIMED_OUT'],
      ['aborted', 'ABORTED'],
    ])('also when it %s', async (_label, status) => {
      const event = signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh({ generation: 7 })), SECRET);
      const first = await invoke(event);
      const firstName = (first.json as { executionName: string }).executionName;
      sfn.end(firstName, status);
      expect((await invoke(event)).json).toMatchObject({ executionName: `${firstName}-r1`, duplicate: false });
    });

    it('a late event for work whose execution succeeded is the duplicate it is (the reconciler judges the rest)', async () => {
      const event = signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh({ generation: 9 })), SECRET);
      const first = await invoke(event);
      sfn.end((first.json as { executionName: string }).executionName, 'SUCCEEDED');
      expect((await invoke(event)).json).toEqual({ ...first.json, duplicate: true });
    });

    it('leaves stalled work to the backoff the reconciler is waiting out, and says when', async () => {
      const event = signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh({ generation: 8 })), SECRET);
      let name = ((await invoke(event)).json as { executionName: string }).executionName;
      const base = name;
      // Retried at once twice; after the third failure the work is stalled and waits out a backoff.
      for (let retry = 1; retry <= 2; retry++) {
        sfn.end(name, 'FAILED');
        name = ((await invoke(event)).json as { executionName: string }).executionName;
        expect(name).toBe(`${base}-r${retry}`);
      }
      sfn.end(name, 'FAILED');
      const response = await invoke(event);
      expect(response.statusCode).toBe(200);
      expect(response.json).toEqual({
        action: 'ignored',
        reason: expect.stringMatching(/3 executions of this provision ended .* starts retry 3 at /),
      });
    });
  });

  it('accepts the second secret while it is being rotated', async () => {
    const response = await invoke(signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh()), PREVIOUS_SECRET));
    expect(response.statusCode).toBe(202);
  });

  it('checks the signature over the raw bytes of a base64-encoded body', async () => {
    const raw = Buffer.from(watchEventBody('ADDED', fresh()), 'utf8');
    const event = apiEvent({
      path: routePath(EAST.id, 'events'),
      body: raw.toString('base64'),
      isBase64Encoded: true,
      headers: { 'content-type': 'application/octet-stream', ...signatureHeaders(SECRET, raw) },
    });
    expect((await invoke(event)).statusCode).toBe(202);
  });

  it('serves the routes under a named stage', async () => {
    const body = watchEventBody('ADDED', fresh());
    const event = apiEvent({
      path: routePath(EAST.id, 'events'),
      stage: 'prod',
      body,
      headers: signatureHeaders(SECRET, body),
    });
    expect((await invoke(event)).statusCode).toBe(202);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const json = watchEventBody('ADDED', fresh());
    const body = json + ' '.repeat(MAX_BODY_BYTES - Buffer.byteLength(json));
    expect((await invoke(signedEvent(EAST.id, 'events', body, SECRET))).statusCode).toBe(202);
  });

  describe('bearer mode', () => {
    const body = () => JSON.stringify(fresh());
    it.each([
      ['the configured token, on a cluster that has one', 202, LEGACY.id, `Bearer ${LEGACY.bearer}`],
      ['a wrong token', 401, LEGACY.id, 'Bearer legacy-bearer-tokeX'],
      ["another cluster's token", 401, EAST.id, `Bearer ${LEGACY.bearer}`],
      ['no credentials at all (what the EDA-era operator sent)', 401, LEGACY.id, undefined],
    ])('%s → %s', async (_label, status, cluster, authorization) => {
      const headers: Record<string, string> = authorization === undefined ? {} : { authorization };
      const event = apiEvent({ path: routePath(cluster, 'create-compute-instance'), body: body(), headers });
      expect((await invoke(event)).statusCode).toBe(status);
    });
  });

  describe('refusals: a 4xx and nothing started', () => {
    const object = () => fresh();
    const signed = (body: string, cluster = EAST.id, route: Route = 'events') =>
      signedEvent(cluster, route, body, SECRET);
    const tooBig = () => 'x'.repeat(MAX_BODY_BYTES + 1);
    const generic401 = { message: 'invalid or missing signature' };

    const refusals: Array<[string, () => APIGatewayProxyEventV2, number, unknown]> = [
      ['an unknown cluster', () => signed(watchEventBody('ADDED', object()), 'west'), 401, generic401],
      ['an unknown route', () => apiEvent({ path: '/v1/clusters/east/restart' }), 404, { message: 'no such route' }],
      ['a path outside the API', () => apiEvent({ path: '/admin' }), 404, { message: 'no such route' }],
      [
        'GET on a route',
        () => apiEvent({ method: 'GET', path: routePath(EAST.id, 'events') }),
        405,
        { message: 'method not allowed; use POST' },
      ],
      ['a body over 1 MiB', () => signed(tooBig()), 413, { message: 'body is larger than 1 MiB' }],
      [
        'a body over 1 MiB, unsigned',
        () => apiEvent({ path: routePath(EAST.id, 'events'), body: tooBig() }),
        413,
        { message: 'body is larger than 1 MiB' },
      ],
      ['a missing signature', () => apiEvent({ path: routePath(EAST.id, 'events'), body: '{}' }), 401, generic401],
      [
        'a wrong secret',
        () => signedEvent(EAST.id, 'events', watchEventBody('ADDED', object()), TENANT.secret),
        401,
        generic401,
      ],
      [
        'an expired signature',
        () => {
          const body = watchEventBody('ADDED', object());
          const old = Math.floor(Date.now() / 1000) - 301;
          return apiEvent({ path: routePath(EAST.id, 'events'), body, headers: signatureHeaders(SECRET, body, old) });
        },
        401,
        generic401,
      ],
      [
        'a malformed signature',
        () => apiEvent({ path: routePath(EAST.id, 'events'), body: '{}', headers: { 'x-signature-256': 'v1=zz' } }),
        401,
        generic401,
      ],
      [
        'malformed JSON',
        () => signed('{"type": "ADDED", "object": {'),
        400,
        { message: 'body is not valid UTF-8 JSON' },
      ],
      [
        'a wrong kind',
        () => signed(watchEventBody('ADDED', { ...object(), kind: 'VirtualMachine' })),
        400,
        {
          message: 'invalid event: object.kind: expected ComputeInstance',
          issues: [{ path: 'object.kind', message: 'expected ComputeInstance' }],
        },
      ],
      [
        'a wrong apiVersion group',
        () => signed(watchEventBody('ADDED', { ...object(), apiVersion: 'kubevirt.io/v1alpha1' })),
        400,
        expect.objectContaining({
          message: 'invalid event: object.apiVersion: expected group osac.openshift.io (osac.openshift.io/v1alpha1)',
        }),
      ],
      [
        'a missing uid',
        () => {
          const { uid: _uid, ...metadata } = object().metadata;
          return signed(JSON.stringify({ ...object(), metadata }), EAST.id, 'create-compute-instance');
        },
        400,
        expect.objectContaining({ message: 'invalid body: metadata.uid: required' }),
      ],
      [
        'an invalid spec',
        () => signed(watchEventBody('ADDED', { ...object(), spec: { ...object().spec, runStrategy: 'Sometimes' } })),
        400,
        expect.objectContaining({ message: expect.stringMatching(/^invalid event: object\.spec\.runStrategy: /) }),
      ],
      [
        'a namespace the cluster does not serve',
        () => signedEvent(TENANT.id, 'events', watchEventBody('ADDED', object()), TENANT.secret),
        403,
        { message: 'namespace osac-computeinstance is not served for cluster tenant' },
      ],
    ];
    it.each(refusals.map(([label, event, status, body]) => ({ label, event, status, body })))(
      '$label → $status',
      async ({ event, status, body }) => {
        const response = await invoke(event());
        expect(response.statusCode).toBe(status);
        expect(response.json).toEqual(body);
        expect(sfn.starts).toEqual([]);
      },
    );

    it('answers an unknown cluster exactly as a bad signature, so cluster ids cannot be enumerated', async () => {
      const body = watchEventBody('ADDED', object());
      const unknown = await invoke(signedEvent('west', 'events', body, SECRET));
      const forged = await invoke(signedEvent(EAST.id, 'events', body, TENANT.secret));
      expect(unknown).toEqual(forged);
      expect(unknown.statusCode).toBe(401);
      expect(unknown.body).not.toContain('west');
    });

    it.each([
      ['namespace', { namespace: 'Bad_NS' }, 'object.metadata.namespace'],
      ['name', { name: '..' }, 'object.metadata.name'],
      ['name', { name: 'a/b' }, 'object.metadata.name'],
    ])('refuses a %s Kubernetes would reject (%j) with a 400 naming the field', async (_what, metadata, path) => {
      const base = object();
      const event = signed(watchEventBody('ADDED', { ...base, metadata: { ...base.metadata, ...metadata } }));
      const response = await invoke(event);
      expect(response.statusCode).toBe(400);
      expect(response.json).toMatchObject({ issues: [expect.objectContaining({ path })] });
      expect(sfn.starts).toEqual([]);
    });

    it('tells a 405 which method to use', async () => {
      const response = await invoke(apiEvent({ method: 'DELETE', path: routePath(EAST.id, 'events') }));
      expect(response.headers).toMatchObject({ allow: 'POST' });
    });
  });

  it('answers 503 with Retry-After while Step Functions is unavailable, and 202 to the retry once it is back', async () => {
    const event = signedEvent(EAST.id, 'events', watchEventBody('ADDED', fresh()), SECRET);
    sfn.setUnavailable(true);
    const down = await invoke(event);
    expect(down.statusCode).toBe(503);
    expect(down.headers).toMatchObject({ 'retry-after': '5' });
    expect(down.json).toEqual({ message: 'temporarily unable to accept the webhook; retry later' });
    sfn.setUnavailable(false);
    const retried = await invoke(event);
    expect(retried.statusCode).toBe(202);
    expect(retried.json).toMatchObject({ duplicate: false });
  });
});
