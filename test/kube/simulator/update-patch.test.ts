import type { JsonObject, KubeSimulator } from '../../../local/kube-simulator';
import { COLLECTION, computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure, jsonPatch, mergePatch } from './support/client-node';

const CONFLICT_MESSAGE =
  'Operation cannot be fulfilled on computeinstances.osac.openshift.io "vm-1": the object has been modified; please apply your changes to the latest version and try again';

describe('kube simulator: update and patch', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };
  const path = `${COLLECTION}/vm-1`;
  let created: JsonObject;

  beforeAll(async () => {
    sim = await startSim();
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  beforeEach(async () => {
    sim.reset();
    created = await clients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance('vm-1') });
  });

  const rvOf = (object: JsonObject): string => (object.metadata as JsonObject).resourceVersion as string;
  const read = (): Promise<JsonObject> => clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-1' });

  describe('PUT', () => {
    it('replaces the object and bumps resourceVersion and generation', async () => {
      const updated = await clients.custom.replaceNamespacedCustomObject({
        ...ref,
        name: 'vm-1',
        body: { ...created, spec: { ...(created.spec as JsonObject), runStrategy: 'Halted' } },
      });
      expect(updated.spec.runStrategy).toBe('Halted');
      expect(Number(rvOf(updated))).toBeGreaterThan(Number(rvOf(created)));
      expect(updated.metadata.generation).toBe(2);
    });

    it('answers a stale resourceVersion with 409 Conflict', async () => {
      await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { metadata: { labels: { touched: 'yes' } } } },
        mergePatch,
      );
      const { code, status } = await failure(
        clients.custom.replaceNamespacedCustomObject({ ...ref, name: 'vm-1', body: created }),
      );
      expect(code).toBe(409);
      expect(status).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: CONFLICT_MESSAGE,
        reason: 'Conflict',
        details: { name: 'vm-1', group: GROUP, kind: PLURAL },
        code: 409,
      });
    });

    it('requires a resourceVersion for an update of a custom resource', async () => {
      const body = structuredClone(created);
      delete (body.metadata as JsonObject).resourceVersion;
      const response = await raw(sim, 'PUT', path, { body });
      expect(response.status).toBe(422);
      expect(response.body.message).toBe(
        'computeinstances.osac.openshift.io "vm-1" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      );
    });

    it('answers a PUT of a missing object with 404 (no create on update)', async () => {
      const response = await raw(sim, 'PUT', `${COLLECTION}/absent`, { body: computeInstance('absent') });
      expect(response.status).toBe(404);
    });

    it('refuses a body naming another object', async () => {
      const response = await raw(sim, 'PUT', path, {
        body: { ...created, metadata: { ...(created.metadata as JsonObject), name: 'vm-2' } },
      });
      expect(response.status).toBe(400);
      expect(response.body.message).toBe('the name of the object (vm-2) does not match the name on the URL (vm-1)');
    });

    it('ignores status on the main resource and everything but status on /status', async () => {
      const main = await clients.custom.replaceNamespacedCustomObject({
        ...ref,
        name: 'vm-1',
        body: { ...created, status: { phase: 'Running' } },
      });
      expect(main.status).toBeUndefined();
      expect(rvOf(main)).toBe(rvOf(created));
      const status = await clients.custom.replaceNamespacedCustomObjectStatus({
        ...ref,
        name: 'vm-1',
        body: {
          ...created,
          metadata: { ...(created.metadata as JsonObject), labels: { sneaky: 'yes' } },
          spec: { ...(created.spec as JsonObject), runStrategy: 'Halted' },
          status: { phase: 'Running' },
        },
      });
      expect(status.status).toEqual({ phase: 'Running' });
      expect(status.spec.runStrategy).toBe('Always');
      expect(status.metadata.labels).toBeUndefined();
      expect(status.metadata.generation).toBe(1);
    });

    it('keeps server-owned metadata and refuses a changed uid', async () => {
      const tampered = structuredClone(created);
      Object.assign(tampered.metadata as JsonObject, { creationTimestamp: '2000-01-01T00:00:00Z', generation: 99 });
      const updated = await clients.custom.replaceNamespacedCustomObject({ ...ref, name: 'vm-1', body: tampered });
      expect(updated.metadata.creationTimestamp).toBe((created.metadata as JsonObject).creationTimestamp);
      expect(updated.metadata.generation).toBe(1);
      const otherUid = structuredClone(created);
      (otherUid.metadata as JsonObject).uid = '00000000-0000-4000-8000-000000000000';
      const response = await raw(sim, 'PUT', path, { body: otherUid });
      expect(response.status).toBe(422);
      expect(response.body.message).toContain(
        'metadata.uid: Invalid value: "00000000-0000-4000-8000-000000000000": field is immutable',
      );
    });
  });

  describe('merge patch', () => {
    it('merges maps, replaces lists and deletes with null', async () => {
      await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { metadata: { labels: { a: '1', b: '2' }, finalizers: ['x.io/a', 'x.io/b'] } } },
        mergePatch,
      );
      const patched = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { metadata: { labels: { a: null, c: '3' }, finalizers: ['x.io/b'] } } },
        mergePatch,
      );
      expect(patched.metadata.labels).toEqual({ b: '2', c: '3' });
      expect(patched.metadata.finalizers).toEqual(['x.io/b']);
    });

    it('treats metadata.resourceVersion in the patch as a precondition', async () => {
      const fresh = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { metadata: { resourceVersion: rvOf(created), labels: { v: '1' } } } },
        mergePatch,
      );
      expect(fresh.metadata.labels).toEqual({ v: '1' });
      const { code, status } = await failure(
        clients.custom.patchNamespacedCustomObject(
          { ...ref, name: 'vm-1', body: { metadata: { resourceVersion: rvOf(created), labels: { v: '2' } } } },
          mergePatch,
        ),
      );
      expect(code).toBe(409);
      expect(status.message).toBe(CONFLICT_MESSAGE);
    });

    it('applies the precondition on /status too', async () => {
      const { code } = await failure(
        clients.custom.patchNamespacedCustomObjectStatus(
          { ...ref, name: 'vm-1', body: { metadata: { resourceVersion: '1' }, status: { phase: 'Running' } } },
          mergePatch,
        ),
      );
      expect(code).toBe(409);
    });

    it('separates status: main endpoint ignores it, /status ignores the rest', async () => {
      const main = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { status: { phase: 'Running' } } },
        mergePatch,
      );
      expect(main.status).toBeUndefined();
      const status = await clients.custom.patchNamespacedCustomObjectStatus(
        { ...ref, name: 'vm-1', body: { spec: { cores: 64 }, status: { phase: 'Running' } } },
        mergePatch,
      );
      expect(status.status).toEqual({ phase: 'Running' });
      expect(status.spec.cores).toBe(2);
    });

    it('does not write, bump resourceVersion or send an event for a no-op patch', async () => {
      const before = sim.objects({ kind: 'ComputeInstance' });
      const patched = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-1', body: { spec: { cores: 2 } } },
        mergePatch,
      );
      expect(rvOf(patched)).toBe(rvOf(created));
      expect(sim.objects({ kind: 'ComputeInstance' })).toEqual(before);
    });
  });

  describe('generation', () => {
    it.each<[string, JsonObject, boolean, number]>([
      ['a spec change', { spec: { runStrategy: 'Halted' } }, false, 2],
      ['a label change', { metadata: { labels: { a: 'b' } } }, false, 1],
      ['an annotation change', { metadata: { annotations: { a: 'b' } } }, false, 1],
      ['a status change', { status: { phase: 'Running' } }, true, 1],
    ])('%s (%j, on /status: %s) → generation %i', async (_case, body, onStatus, generation) => {
      const patched = onStatus
        ? await clients.custom.patchNamespacedCustomObjectStatus({ ...ref, name: 'vm-1', body }, mergePatch)
        : await clients.custom.patchNamespacedCustomObject({ ...ref, name: 'vm-1', body }, mergePatch);
      expect(patched.metadata.generation).toBe(generation);
      expect(Number(rvOf(patched))).toBeGreaterThan(Number(rvOf(created)));
    });
  });

  describe('JSON patch', () => {
    it('applies add, remove, replace, move, copy and test', async () => {
      const patched = await clients.custom.patchNamespacedCustomObject(
        {
          ...ref,
          name: 'vm-1',
          body: [
            { op: 'add', path: '/metadata/finalizers', value: ['x.io/a', 'x.io/b'] },
            { op: 'test', path: '/metadata/finalizers/0', value: 'x.io/a' },
            { op: 'remove', path: '/metadata/finalizers/0' },
            { op: 'add', path: '/metadata/labels', value: { from: 'label' } },
            { op: 'copy', from: '/metadata/labels/from', path: '/metadata/labels/copied' },
            { op: 'move', from: '/metadata/labels/from', path: '/metadata/labels/moved' },
            { op: 'replace', path: '/spec/runStrategy', value: 'Halted' },
          ],
        },
        jsonPatch,
      );
      expect(patched.metadata.finalizers).toEqual(['x.io/b']);
      expect(patched.metadata.labels).toEqual({ copied: 'label', moved: 'label' });
      expect(patched.spec.runStrategy).toBe('Halted');
    });

    it.each([
      ['a failed test', [{ op: 'test', path: '/spec/cores', value: 3 }]],
      ['a path that does not exist', [{ op: 'remove', path: '/metadata/finalizers/0' }]],
    ])('answers %s with 422 Invalid, as the API server reports it', async (_case, body) => {
      const response = await raw(sim, 'PATCH', path, { body, contentType: 'application/json-patch+json' });
      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'the server rejected our request due to an error in our request',
        reason: 'Invalid',
        details: {},
        code: 422,
      });
    });

    it('answers an undecodable JSON patch with 400', async () => {
      const response = await raw(sim, 'PATCH', path, {
        body: [{ op: 'frobnicate', path: '/spec' }],
        contentType: 'application/json-patch+json',
      });
      expect(response.status).toBe(400);
    });
  });

  it('answers a strategic merge patch on a custom resource with 415', async () => {
    const response = await raw(sim, 'PATCH', path, {
      body: { spec: { cores: 4 } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    });
  });

  it('takes a strategic merge patch on a Namespace (a built-in type)', async () => {
    const response = await raw(sim, 'PATCH', `/api/v1/namespaces/${NS}`, {
      body: { metadata: { labels: { team: 'a' } } },
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(response.status).toBe(200);
    expect(response.body.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': NS, team: 'a' });
  });

  it('supports dryRun=All without storing anything', async () => {
    const response = await raw(sim, 'PATCH', `${path}?dryRun=All`, {
      body: { spec: { runStrategy: 'Halted' } },
      contentType: 'application/merge-patch+json',
    });
    expect(response.status).toBe(200);
    expect(response.body.spec.runStrategy).toBe('Halted');
    expect((await read()).spec).toMatchObject({ runStrategy: 'Always' });
  });
});
