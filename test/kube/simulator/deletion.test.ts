import type { JsonObject, KubeSimulator } from '../../../local/kube-simulator';
import { COLLECTION, computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure, jsonPatch, mergePatch, RecordedWatch } from './support/client-node';

const BASE = 'osac.openshift.io/computeinstance';
const AAP = 'osac.openshift.io/computeinstance-aap';
const DELETED_AT = new Date('2026-03-20T11:00:00.000Z');

describe('kube simulator: deletion and finalizers', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };

  beforeAll(async () => {
    sim = await startSim({ now: () => DELETED_AT });
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  beforeEach(() => sim.reset());

  const create = (name: string, finalizers: string[] = []) =>
    clients.custom.createNamespacedCustomObject({
      ...ref,
      body: computeInstance(name, {}, finalizers.length > 0 ? { finalizers } : {}),
    });

  it('removes an object without finalizers at once and answers a Success Status', async () => {
    const created = await create('vm-plain');
    const response = await raw(sim, 'DELETE', `${COLLECTION}/vm-plain`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'vm-plain', group: GROUP, kind: PLURAL, uid: created.metadata.uid },
      code: 200,
    });
    expect((await raw(sim, 'GET', `${COLLECTION}/vm-plain`)).status).toBe(404);
  });

  it('only marks an object with finalizers: deletionTimestamp, grace period 0, generation bumped', async () => {
    await create('vm-held', [BASE, AAP]);
    const marked = await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'vm-held' });
    expect(marked.metadata).toMatchObject({
      deletionTimestamp: '2026-03-20T11:00:00Z',
      deletionGracePeriodSeconds: 0,
      finalizers: [BASE, AAP],
      generation: 2,
    });
    const again = await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'vm-held' });
    expect(again.metadata.resourceVersion).toBe(marked.metadata.resourceVersion);
  });

  it('refuses to add a new finalizer to an object being deleted', async () => {
    await create('vm-held', [BASE]);
    await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'vm-held' });
    const { code, status } = await failure(
      clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-held', body: { metadata: { finalizers: [BASE, 'z.io/late', 'a.io/late'] } } },
        mergePatch,
      ),
    );
    expect(code).toBe(422);
    expect(status.message).toBe(
      'ComputeInstance.osac.openshift.io "vm-held" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/late", "z.io/late"}',
    );
    expect((status.details as JsonObject).causes).toEqual([
      {
        reason: 'FieldValueForbidden',
        message:
          'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"a.io/late", "z.io/late"}',
        field: 'metadata.finalizers',
      },
    ]);
  });

  it('keeps the deletionTimestamp whatever an update sends', async () => {
    await create('vm-held', [BASE, AAP]);
    const marked = await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'vm-held' });
    const updated = await clients.custom.patchNamespacedCustomObject(
      { ...ref, name: 'vm-held', body: { metadata: { deletionTimestamp: null, labels: { a: 'b' } } } },
      mergePatch,
    );
    expect(updated.metadata.deletionTimestamp).toBe(marked.metadata.deletionTimestamp);
  });

  it('deletes the object when its last finalizer goes, with MODIFIED then DELETED on a watch', async () => {
    await create('vm-held', [BASE, AAP]);
    const watch = await RecordedWatch.start(clients, COLLECTION, {});
    try {
      await watch.until((events) => events.length === 1);
      await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'vm-held' });
      // Remove one finalizer the recommended way (§4.6): a JSON patch guarded by a test of the entry.
      await clients.custom.patchNamespacedCustomObject(
        {
          ...ref,
          name: 'vm-held',
          body: [
            { op: 'test', path: '/metadata/finalizers/1', value: AAP },
            { op: 'remove', path: '/metadata/finalizers/1' },
          ],
        },
        jsonPatch,
      );
      expect((await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-held' })).metadata.finalizers).toEqual(
        [BASE],
      );
      const last = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-held', body: { metadata: { finalizers: null } } },
        mergePatch,
      );
      expect(last.metadata.name).toBe('vm-held');
      await watch.until((events) => events.some((e) => e.type === 'DELETED'));
      expect(watch.summary()).toEqual(['ADDED vm-held', 'MODIFIED vm-held', 'MODIFIED vm-held', 'DELETED vm-held']);
      expect((await raw(sim, 'GET', `${COLLECTION}/vm-held`)).status).toBe(404);
    } finally {
      watch.stop();
    }
  });

  it('checks delete preconditions', async () => {
    const created = await create('vm-pre');
    const wrongUid = await raw(sim, 'DELETE', `${COLLECTION}/vm-pre`, {
      body: { preconditions: { uid: '00000000-0000-4000-8000-000000000000' } },
    });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body.message).toContain(
      'Precondition failed: UID in precondition: 00000000-0000-4000-8000-000000000000',
    );
    const staleRv = await raw(sim, 'DELETE', `${COLLECTION}/vm-pre`, {
      body: { preconditions: { resourceVersion: '1' } },
    });
    expect(staleRv.status).toBe(409);
    const ok = await raw(sim, 'DELETE', `${COLLECTION}/vm-pre`, {
      body: { preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion } },
    });
    expect(ok.status).toBe(200);
  });

  it('deletes a collection by label, honouring finalizers', async () => {
    await clients.custom.createNamespacedCustomObject({
      ...ref,
      body: computeInstance('gone', {}, { labels: { batch: 'x' } }),
    });
    await clients.custom.createNamespacedCustomObject({
      ...ref,
      body: computeInstance('held', {}, { labels: { batch: 'x' }, finalizers: [BASE] }),
    });
    await create('kept');
    const response = await raw(sim, 'DELETE', `${COLLECTION}?labelSelector=batch%3Dx`);
    expect(response.status).toBe(200);
    const names = sim.objects({ kind: 'ComputeInstance' }).map((o) => (o.metadata as JsonObject).name);
    expect(names.sort()).toEqual(['held', 'kept']);
    const held = sim.objects({ kind: 'ComputeInstance' }).find((o) => (o.metadata as JsonObject).name === 'held');
    expect(held?.metadata).toMatchObject({ deletionTimestamp: '2026-03-20T11:00:00Z' });
  });
});
