import { inspect } from 'node:util';
import { createComputeInstanceStore, isStoreError } from '../../../lib/k8s';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { type Interposer, startInterposer } from './support/interposer';
import {
  AAP_FINALIZER,
  clusterFor,
  create,
  FEEDBACK_FINALIZER,
  jobIdsOf,
  manifest,
  NAMESPACE,
  OTHER_NAMESPACE,
  OUR_FINALIZER,
  objectPath,
  type RawKube,
  rawKube,
  read,
  recordJob,
  SIM_TOKEN,
  startSimulator,
} from './support/kube';

let sim: KubeSimulator;
let raw: RawKube;

beforeAll(async () => {
  sim = await startSimulator();
  raw = rawKube(sim.url);
});

afterAll(async () => {
  await sim.close();
});

afterEach(() => {
  sim.setFaults({});
});

let counter = 0;
/** A fresh object name per test, so tests never see each other's objects. */
const unique = (prefix: string) => `${prefix}-${++counter}`;

function writesTo(name: string) {
  return sim.requestLog().filter((entry) => entry.method !== 'GET' && entry.path.includes(`/computeinstances/${name}`));
}

describe('get', () => {
  it('returns the object, undefined when missing, undefined when recreated under another uid', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('get');
    const created = await create(raw, manifest(name));

    const found = await store.get({ namespace: NAMESPACE, name });
    expect(found?.metadata.uid).toBe(created.metadata.uid);
    expect(found?.spec.cores).toBe(2);
    expect(await store.get({ namespace: NAMESPACE, name, uid: created.metadata.uid })).toBeDefined();
    expect(await store.get({ namespace: NAMESPACE, name: unique('missing') })).toBeUndefined();

    expect((await raw('DELETE', objectPath(NAMESPACE, name))).status).toBe(200);
    const recreated = await create(raw, manifest(name));
    expect(recreated.metadata.uid).not.toBe(created.metadata.uid);
    expect(await store.get({ namespace: NAMESPACE, name, uid: created.metadata.uid })).toBeUndefined();
  });

  it.each([
    ['an empty name', { namespace: NAMESPACE, name: '' }, 'Invalid', 'bad reference: name'],
    ['a namespace the cluster does not allow', { namespace: OTHER_NAMESPACE, name: 'x' }, 'Forbidden', 'namespace'],
  ])('refuses %s without asking the server', async (_label, ref, errorName, message) => {
    const store = createComputeInstanceStore(clusterFor(sim.url, { namespaces: [NAMESPACE] }));
    sim.clearRequestLog();
    await expect(store.get(ref)).rejects.toMatchObject({ name: errorName, message: expect.stringContaining(message) });
    expect(sim.requestLog()).toEqual([]);
  });
});

describe('list', () => {
  const label = { 'test.osac.io/suite': 'list' };
  const names = ['list-a', 'list-b', 'list-c', 'list-d', 'list-e'];

  beforeAll(async () => {
    for (const name of names) await create(raw, manifest(name, { labels: label }));
    await create(raw, manifest('list-z', { namespace: OTHER_NAMESPACE, labels: label }));
    await create(raw, manifest('list-unlabelled'));
  });

  it.each([
    [1, [1, 1, 1, 1, 1]],
    [2, [2, 2, 1]],
    [5, [5]],
    [50, [5]],
  ])('pages through one namespace with limit %i', async (limit, pageSizes) => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const seen: string[] = [];
    const sizes: number[] = [];
    let continueToken: string | undefined;
    do {
      const page = await store.list({
        namespace: NAMESPACE,
        limit,
        continueToken,
        labelSelector: 'test.osac.io/suite=list',
      });
      expect(page.resourceVersion).toMatch(/^\d+$/);
      sizes.push(page.items.length);
      seen.push(...page.items.map((item) => item.metadata.name));
      continueToken = page.continueToken;
    } while (continueToken !== undefined);
    expect(sizes).toEqual(pageSizes);
    expect(seen).toEqual(names);
  });

  it('lists every namespace when none is given', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const page = await store.list({ limit: 100, labelSelector: 'test.osac.io/suite=list' });
    expect(page.items.map((item) => `${item.metadata.namespace}/${item.metadata.name}`).sort()).toEqual(
      [...names.map((name) => `${NAMESPACE}/${name}`), `${OTHER_NAMESPACE}/list-z`].sort(),
    );
    expect(page.continueToken).toBeUndefined();
  });

  it('refuses a cluster-wide list when the cluster is restricted to some namespaces', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url, { namespaces: [NAMESPACE] }));
    await expect(store.list({ limit: 10 })).rejects.toMatchObject({
      name: 'Forbidden',
      message: expect.stringContaining(`restricted to namespaces ${NAMESPACE}`),
    });
  });
});

describe('updateStatus', () => {
  it('writes only the /status subresource, conditioned on the resourceVersion it read', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('status');
    const created = await create(raw, manifest(name, { labels: { keep: 'me' } }));

    sim.clearRequestLog();
    const result = await store.updateStatus({ namespace: NAMESPACE, name }, () => ({ phase: 'Starting' }));

    expect(result.changed).toBe(true);
    expect(result.instance.status?.phase).toBe('Starting');
    const writes = writesTo(name);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      method: 'PATCH',
      path: objectPath(NAMESPACE, name, 'status'),
      contentType: 'application/merge-patch+json',
      body: { metadata: { resourceVersion: created.metadata.resourceVersion }, status: { phase: 'Starting' } },
    });
    const stored = await read(raw, NAMESPACE, name);
    expect(stored?.spec).toEqual(created.spec);
    expect(stored?.metadata.labels).toEqual({ keep: 'me' });
  });

  it('is idempotent: a patch that changes nothing, or no patch at all, sends no write', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('idempotent');
    await create(raw, manifest(name));
    const ref = { namespace: NAMESPACE, name };
    await store.updateStatus(ref, recordJob('101'));

    sim.clearRequestLog();
    const again = await store.updateStatus(ref, recordJob('101'));
    const sameValue = await store.updateStatus(ref, (current) => ({
      provisioningJobs: current.status?.provisioningJobs ?? [],
    }));
    const nothing = await store.updateStatus(ref, () => undefined);

    expect([again.changed, sameValue.changed, nothing.changed]).toEqual([false, false, false]);
    expect(writesTo(name)).toEqual([]);
    expect(jobIdsOf(await read(raw, NAMESPACE, name))).toEqual(['101']);
  });

  it('refuses a patch of fields we do not own before anything is sent', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('not-ours');
    await create(raw, manifest(name));
    sim.clearRequestLog();
    await expect(
      store.updateStatus({ namespace: NAMESPACE, name }, () => ({ ipAddress: '10.0.0.9' }) as never),
    ).rejects.toMatchObject({ name: 'Invalid', message: expect.stringContaining('Unrecognized key: "ipAddress"') });
    expect(writesTo(name)).toEqual([]);
  });

  it.each([
    ['missing', undefined],
    ['recreated under another uid', 'uid-of-a-deleted-object'],
  ])('throws InstanceGone when the object is %s', async (_label, uid) => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('gone');
    if (uid !== undefined) await create(raw, manifest(name));
    await expect(
      store.updateStatus({ namespace: NAMESPACE, name, ...(uid ? { uid } : {}) }, () => ({ phase: 'Running' })),
    ).rejects.toMatchObject({ name: 'InstanceGone' });
  });

  it('retries 5xx answers itself, then reports Transient', async () => {
    const name = unique('flaky');
    await create(raw, manifest(name));
    const store = createComputeInstanceStore(clusterFor(sim.url), {
      transientRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
    });
    sim.setFaults({ errorRate: 1, errorStatus: 503 });
    sim.clearRequestLog();
    await expect(store.get({ namespace: NAMESPACE, name })).rejects.toMatchObject({
      name: 'Transient',
      statusCode: 503,
    });
    expect(sim.requestLog().filter((entry) => entry.fault === 'error')).toHaveLength(3);

    // Half the requests failing is absorbed by the retries (seeded, so the draw is the same every run).
    sim.setFaults({ errorRate: 0.5, errorStatus: 500, seed: 7 });
    const result = await store.updateStatus({ namespace: NAMESPACE, name }, recordJob('7'));
    expect(result.changed).toBe(true);
    sim.setFaults({});
    expect(jobIdsOf(await read(raw, NAMESPACE, name))).toEqual(['7']);
  });
});

describe('updateStatus retries are bounded', () => {
  let interposer: Interposer;
  beforeAll(async () => {
    interposer = await startInterposer(sim.url);
  });
  afterEach(() => {
    interposer.setResponder(undefined);
  });
  afterAll(async () => {
    await interposer.close();
  });

  it('gives up with Conflict after maxAttempts writes when every write is refused', async () => {
    const name = unique('storm-forever');
    await create(raw, manifest(name));
    const store = createComputeInstanceStore(clusterFor(sim.url), {
      conflictRetry: { attempts: 8, baseDelayMs: 1, maxDelayMs: 2 },
    });
    sim.setFaults({ conflictRate: 1 });
    sim.clearRequestLog();

    await expect(
      store.updateStatus({ namespace: NAMESPACE, name }, recordJob('1'), { maxAttempts: 3 }),
    ).rejects.toMatchObject({ name: 'Conflict', message: expect.stringContaining('gave up after 3 attempts') });
    expect(writesTo(name).map((entry) => entry.status)).toEqual([409, 409, 409]);
  });

  it('a 422 on an object that did not change is the server refusing our content: Invalid at once, not retried', async () => {
    const name = unique('refused');
    await create(raw, manifest(name));
    const serverMessage = `ComputeInstance.osac.openshift.io "${name}" is invalid: status.phase: Unsupported value`;
    interposer.setResponder((request) =>
      request.method === 'PATCH'
        ? {
            status: 422,
            body: { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, message: serverMessage },
          }
        : undefined,
    );
    const store = createComputeInstanceStore(clusterFor(interposer.url));
    const before = interposer.exchanges.length;

    await expect(
      store.updateStatus({ namespace: NAMESPACE, name }, () => ({ phase: 'Running' })),
    ).rejects.toMatchObject({ name: 'Invalid', statusCode: 422, message: expect.stringContaining(serverMessage) });
    // One write, then one re-read showing the object unchanged: the refusal was about the content.
    expect(interposer.exchanges.slice(before).map((exchange) => exchange.method)).toEqual(['GET', 'PATCH', 'GET']);
  });

  it('writes the status of an object that is being deleted (deprovision progress must still be recorded)', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('status-while-deleting');
    const object = manifest(name);
    await create(raw, { ...object, metadata: { ...object.metadata, finalizers: [OUR_FINALIZER] } });
    expect((await raw('DELETE', objectPath(NAMESPACE, name))).status).toBe(200);

    const result = await store.updateStatus({ namespace: NAMESPACE, name }, () => ({ phase: 'Deleting' }));
    expect(result).toMatchObject({ changed: true, instance: { status: { phase: 'Deleting' } } });
  });
});

describe('addFinalizer', () => {
  it.each([
    ['no finalizers yet', undefined, [OUR_FINALIZER]],
    ['other finalizers', [FEEDBACK_FINALIZER], [FEEDBACK_FINALIZER, OUR_FINALIZER]],
  ])('adds ours to an object with %s, with a JSON patch on the main resource', async (_label, initial, expected) => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('add');
    const object = manifest(name);
    await create(raw, initial ? { ...object, metadata: { ...object.metadata, finalizers: initial } } : object);

    sim.clearRequestLog();
    const result = await store.addFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);

    expect(result.changed).toBe(true);
    expect(result.instance.metadata.finalizers).toEqual(expected);
    const writes = writesTo(name);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toMatchObject({
      method: 'PATCH',
      path: objectPath(NAMESPACE, name),
      contentType: 'application/json-patch+json',
    });

    const again = await store.addFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);
    expect(again.changed).toBe(false);
    expect(writesTo(name)).toHaveLength(1);
  });

  it('is refused with Deleting once the object is being deleted', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('deleting');
    const object = manifest(name);
    await create(raw, { ...object, metadata: { ...object.metadata, finalizers: [FEEDBACK_FINALIZER] } });
    expect((await raw('DELETE', objectPath(NAMESPACE, name))).status).toBe(200);

    sim.clearRequestLog();
    const attempt = store.addFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);
    await expect(attempt).rejects.toMatchObject({
      name: 'Deleting',
      message: expect.stringContaining('is being deleted'),
    });
    expect(writesTo(name)).toEqual([]);
    expect((await read(raw, NAMESPACE, name))?.metadata.finalizers).toEqual([FEEDBACK_FINALIZER]);
  });

  describe('when deletion starts between our read and our write', () => {
    let interposer: Interposer;
    beforeAll(async () => {
      interposer = await startInterposer(sim.url);
    });
    afterAll(async () => {
      await interposer.close();
    });

    it('the server refuses the new finalizer and the store reports Deleting', async () => {
      const store = createComputeInstanceStore(clusterFor(interposer.url));
      const name = unique('race-delete');
      const object = manifest(name);
      await create(raw, { ...object, metadata: { ...object.metadata, finalizers: [FEEDBACK_FINALIZER] } });
      interposer.setBefore(async (request) => {
        if (request.method !== 'PATCH') return;
        interposer.setBefore(undefined);
        expect((await raw('DELETE', objectPath(NAMESPACE, name))).status).toBe(200);
      });

      await expect(store.addFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER)).rejects.toMatchObject({
        name: 'Deleting',
      });
      const patches = interposer.exchanges.filter((exchange) => exchange.method === 'PATCH');
      expect(patches.map((exchange) => exchange.status)).toEqual([422]);
      expect((await read(raw, NAMESPACE, name))?.metadata.finalizers).toEqual([FEEDBACK_FINALIZER]);
    });
  });
});

describe('removeFinalizer', () => {
  let interposer: Interposer;
  beforeAll(async () => {
    interposer = await startInterposer(sim.url);
  });
  afterAll(async () => {
    await interposer.close();
  });

  it('removes only ours, even when another controller changes the list between our read and our write', async () => {
    const store = createComputeInstanceStore(clusterFor(interposer.url));
    const name = unique('remove-race');
    const object = manifest(name);
    await create(raw, { ...object, metadata: { ...object.metadata, finalizers: [FEEDBACK_FINALIZER, OUR_FINALIZER] } });
    // Just before our first write lands, another controller removes its finalizer (shifting ours to index 0)
    // and adds a new one: the entry we planned to remove is no longer where we read it.
    interposer.setBefore(async (request) => {
      if (request.method !== 'PATCH') return;
      interposer.setBefore(undefined);
      const other = await raw(
        'PATCH',
        objectPath(NAMESPACE, name),
        [
          { op: 'remove', path: '/metadata/finalizers/0' },
          { op: 'add', path: '/metadata/finalizers/-', value: AAP_FINALIZER },
        ],
        'application/json-patch+json',
      );
      expect(other.status).toBe(200);
    });

    const result = await store.removeFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);

    expect(result.changed).toBe(true);
    expect((await read(raw, NAMESPACE, name))?.metadata.finalizers).toEqual([AAP_FINALIZER]);
    const patches = interposer.exchanges.filter(
      (exchange) => exchange.method === 'PATCH' && exchange.path.includes(`/${name}`),
    );
    expect(patches.map((exchange) => exchange.status)).toEqual([422, 200]);
    for (const patch of patches) expect(patch.contentType).toBe('application/json-patch+json');
  });

  it('is done when ours is already absent, or when the object is gone', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const name = unique('remove-absent');
    const object = manifest(name);
    await create(raw, { ...object, metadata: { ...object.metadata, finalizers: [FEEDBACK_FINALIZER] } });
    sim.clearRequestLog();

    const absent = await store.removeFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);
    const gone = await store.removeFinalizer({ namespace: NAMESPACE, name: unique('never-existed') }, OUR_FINALIZER);

    expect(absent).toMatchObject({ changed: false, instance: { metadata: { finalizers: [FEEDBACK_FINALIZER] } } });
    expect(gone).toEqual({ changed: false, instance: undefined });
    expect(sim.requestLog().filter((entry) => entry.method !== 'GET')).toEqual([]);
  });
});

describe('errors never carry the token', () => {
  it.each([
    ['Forbidden (token rejected)', 'wrong-token-9d3e-DO-NOT-LOG', {}, 'Forbidden'],
    ['Transient (server failing)', SIM_TOKEN, { errorRate: 1 }, 'Transient'],
    ['Conflict (storm outlasts the retries)', SIM_TOKEN, { conflictRate: 1 }, 'Conflict'],
  ])('%s', async (_label, token, faults, errorName) => {
    const name = unique('leak');
    await create(raw, manifest(name));
    const store = createComputeInstanceStore(clusterFor(sim.url, { token }), {
      transientRetry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
      conflictRetry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    });
    sim.setFaults(faults);

    const error = await store
      .updateStatus({ namespace: NAMESPACE, name }, () => ({ phase: 'Running' }))
      .then(
        () => {
          throw new Error('expected updateStatus to fail');
        },
        (thrown: unknown) => thrown,
      );

    expect(isStoreError(error, errorName as never)).toBe(true);
    const printed = [String(error), JSON.stringify(error), inspect(error, { depth: 10, showHidden: true })].join('\n');
    expect(printed).not.toContain(token);
    expect(printed).not.toContain('Bearer');
    expect((error as Error).cause).toBeUndefined();
  });
});
