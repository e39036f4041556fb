import type { JsonObject, KubeSimulator } from '../../../local/kube-simulator';
import { API_VERSION, COLLECTION, computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure } from './support/client-node';

const FIXED_NOW = new Date('2026-03-20T10:15:00.123Z');

describe('kube simulator: create, get, list', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };

  beforeAll(async () => {
    sim = await startSim({ namespaces: [NS, 'other'], now: () => FIXED_NOW });
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  beforeEach(() => sim.reset());

  const create = (body: JsonObject, namespace = NS) =>
    clients.custom.createNamespacedCustomObject({ ...ref, namespace, body });

  it('fills the server-owned metadata on create', async () => {
    const created = await create(computeInstance('vm-1'));
    expect(created.metadata).toMatchObject({
      name: 'vm-1',
      namespace: NS,
      generation: 1,
      creationTimestamp: '2026-03-20T10:15:00Z',
    });
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(created.metadata.managedFields[0]).toMatchObject({ operation: 'Update', fieldsType: 'FieldsV1' });
    expect(created.apiVersion).toBe(API_VERSION);
  });

  it('uses one global, increasing resourceVersion across objects and namespaces', async () => {
    const versions: number[] = [];
    for (const [name, namespace] of [
      ['a', NS],
      ['b', 'other'],
      ['c', NS],
    ]) {
      versions.push(Number((await create(computeInstance(name as string), namespace)).metadata.resourceVersion));
    }
    expect(versions).toEqual([...versions].sort((x, y) => x - y));
    expect(new Set(versions).size).toBe(3);
  });

  it('drops status sent with a create (status subresource semantics)', async () => {
    const body = { ...computeInstance('vm-status'), status: { phase: 'Running' } };
    const created = await create(body);
    expect(created.status).toBeUndefined();
  });

  it('generates a name from generateName', async () => {
    const created = await create({ ...computeInstance(''), metadata: { generateName: 'vm-' } });
    expect(created.metadata.name).toMatch(/^vm-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(created.metadata.generateName).toBe('vm-');
  });

  it('refuses a create without name or generateName', async () => {
    const { code, status } = await failure(create({ ...computeInstance(''), metadata: {} }));
    expect(code).toBe(422);
    expect(status.message).toContain('metadata.name: Required value: name or generateName is required');
  });

  it('refuses a second object of the same name with 409 AlreadyExists', async () => {
    await create(computeInstance('vm-dup'));
    const { code, status } = await failure(create(computeInstance('vm-dup')));
    expect(code).toBe(409);
    expect(status).toMatchObject({
      reason: 'AlreadyExists',
      message: 'computeinstances.osac.openshift.io "vm-dup" already exists',
      details: { name: 'vm-dup', group: GROUP, kind: PLURAL },
    });
  });

  it.each([
    [
      'a resourceVersion',
      { ...computeInstance('x'), metadata: { name: 'x', resourceVersion: '5' } },
      'resourceVersion should not be set on objects to be created',
    ],
    [
      'another namespace',
      { ...computeInstance('x'), metadata: { name: 'x', namespace: 'other' } },
      'the namespace of the provided object does not match the namespace sent on the request',
    ],
    [
      'another apiVersion',
      { ...computeInstance('x'), apiVersion: 'osac.openshift.io/v1' },
      'the API version in the data (osac.openshift.io/v1) does not match the expected API version (osac.openshift.io/v1alpha1)',
    ],
    ['no kind', { ...computeInstance('x'), kind: undefined }, "Object 'Kind' is missing"],
    [
      'labels that are not strings',
      { ...computeInstance('x'), metadata: { name: 'x', labels: { a: 1 } } },
      'cannot be handled as a ComputeInstance: metadata.labels.a',
    ],
  ])('answers a create with %s with 400 BadRequest', async (_case, body, message) => {
    const response = await raw(sim, 'POST', COLLECTION, { body });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ reason: 'BadRequest' });
    expect(response.body.message).toContain(message);
  });

  it('answers malformed JSON with 400', async () => {
    const response = await raw(sim, 'POST', COLLECTION, { body: '{"apiVersion":' });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain("couldn't get version/kind; json parse error");
  });

  it('answers a body in a type it does not take (YAML: nothing here sends it) with 415', async () => {
    const response = await raw(sim, 'POST', COLLECTION, {
      body: 'kind: ComputeInstance\n',
      contentType: 'application/yaml',
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({ reason: 'UnsupportedMediaType' });
  });

  it('gets an object and answers a missing one with 404', async () => {
    await create(computeInstance('vm-get'));
    const got = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-get' });
    expect(got.spec.cores).toBe(2);
    const response = await raw(sim, 'GET', `${COLLECTION}/missing`);
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({
      reason: 'NotFound',
      message: 'computeinstances.osac.openshift.io "missing" not found',
      details: { name: 'missing', group: GROUP, kind: PLURAL },
    });
  });

  describe('selectors', () => {
    beforeEach(async () => {
      await create(computeInstance('web-1', {}, { labels: { app: 'web', tier: 'front' } }));
      await create(computeInstance('web-2', {}, { labels: { app: 'web', tier: 'back' } }));
      await create(computeInstance('db-1', {}, { labels: { app: 'db' } }));
      await create(computeInstance('bare'));
    });

    it.each([
      ['app=web', ['web-1', 'web-2']],
      ['app==db', ['db-1']],
      ['app!=web', ['bare', 'db-1']],
      ['app in (web, db)', ['db-1', 'web-1', 'web-2']],
      ['app notin (web)', ['bare', 'db-1']],
      ['tier', ['web-1', 'web-2']],
      ['!tier', ['bare', 'db-1']],
      ['app=web,tier=back', ['web-2']],
    ])('labelSelector %j', async (labelSelector, names) => {
      const list = await clients.custom.listNamespacedCustomObject({ ...ref, labelSelector });
      expect(list.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(names);
    });

    it.each([
      ['metadata.name=db-1', ['db-1']],
      ['metadata.name!=db-1', ['bare', 'web-1', 'web-2']],
      [`metadata.namespace=${NS}`, ['bare', 'db-1', 'web-1', 'web-2']],
    ])('fieldSelector %j', async (fieldSelector, names) => {
      const list = await clients.custom.listNamespacedCustomObject({ ...ref, fieldSelector });
      expect(list.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(names);
    });

    it.each([
      ['labelSelector=app in web', 'unable to parse requirement'],
      ['fieldSelector=spec.cores=2', '"spec.cores" is not a known field selector'],
    ])('answers a bad selector (%s) with 400', async (query, message) => {
      const [key, value] = query.split(/=(.*)/s);
      const response = await raw(sim, 'GET', `${COLLECTION}?${key}=${encodeURIComponent(value ?? '')}`);
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(message);
    });
  });

  it('lists across namespaces on the cluster-wide path', async () => {
    await create(computeInstance('here'));
    await create(computeInstance('there'), 'other');
    const list = await clients.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL });
    expect(
      list.items.map(
        (item: JsonObject) => `${(item.metadata as JsonObject).namespace}/${(item.metadata as JsonObject).name}`,
      ),
    ).toEqual([`${NS}/here`, 'other/there']);
    expect(list.kind).toBe('ComputeInstanceList');
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  it('pages with limit and continue, consistently at the first page resourceVersion', async () => {
    for (const name of ['p1', 'p2', 'p3', 'p4', 'p5']) await create(computeInstance(name));
    const first = await clients.custom.listNamespacedCustomObject({ ...ref, limit: 2 });
    expect(first.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(['p1', 'p2']);
    expect(first.metadata.remainingItemCount).toBe(3);
    // Changes after the first page do not show in later pages of the same list.
    await create(computeInstance('p0'));
    await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'p4' });
    const second = await clients.custom.listNamespacedCustomObject({
      ...ref,
      limit: 2,
      _continue: first.metadata.continue,
    });
    expect(second.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(['p3', 'p4']);
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    const third = await clients.custom.listNamespacedCustomObject({
      ...ref,
      limit: 2,
      _continue: second.metadata.continue,
    });
    expect(third.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(['p5']);
    expect(third.metadata.continue).toBeUndefined();
  });

  it('answers a continue token older than the history with 410 Expired', async () => {
    const small = await startSim({ historyLimit: 3 });
    try {
      const smallClients = clientsFor(small);
      for (const name of ['a', 'b', 'c']) {
        await smallClients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance(name) });
      }
      const first = await smallClients.custom.listNamespacedCustomObject({ ...ref, limit: 1 });
      for (const name of ['d', 'e', 'f', 'g']) {
        await smallClients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance(name) });
      }
      const { code, status } = await failure(
        smallClients.custom.listNamespacedCustomObject({ ...ref, limit: 1, _continue: first.metadata.continue }),
      );
      expect(code).toBe(410);
      expect(status.reason).toBe('Expired');
      expect(status.message).toContain('The provided continue parameter is too old');
    } finally {
      await small.close();
    }
  });

  it('serves a list at an exact older resourceVersion from history', async () => {
    await create(computeInstance('early'));
    const at = (await clients.custom.listNamespacedCustomObject(ref)).metadata.resourceVersion;
    await create(computeInstance('late'));
    const response = await raw(sim, 'GET', `${COLLECTION}?resourceVersion=${at}&resourceVersionMatch=Exact`);
    expect(response.body.items.map((item: JsonObject) => (item.metadata as JsonObject).name)).toEqual(['early']);
    expect(response.body.metadata.resourceVersion).toBe(at);
  });

  it('answers a resourceVersion newer than the server has with 504 Too large resource version', async () => {
    const response = await raw(sim, 'GET', `${COLLECTION}?resourceVersion=999999`);
    expect(response.status).toBe(504);
    expect(response.body.message).toMatch(/^Timeout: Too large resource version: 999999, current: \d+$/);
  });

  it('serves kubectl get its Table with the CRD printer columns', async () => {
    await create(computeInstance('vm-table', {}, {}));
    const response = await raw(sim, 'GET', COLLECTION, {
      accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    });
    expect(response.headers.get('content-type')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
    expect(response.body.kind).toBe('Table');
    expect(response.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Template',
      'Cores',
      'Memory',
      'OS',
      'RunStrategy',
      'Phase',
      'IP',
      'ExternalIP',
    ]);
    expect(response.body.rows[0].cells).toEqual([
      'vm-table',
      'osac.templates.ocp_virt_vm',
      2,
      4,
      null,
      'Always',
      null,
      null,
      null,
    ]);
    expect(response.body.rows[0].object.kind).toBe('PartialObjectMetadata');
  });
});
