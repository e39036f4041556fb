import type { KubeSimulator } from '../../../local/kube-simulator';
import { computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure } from './support/client-node';

describe('kube simulator: namespaces', () => {
  let sim: KubeSimulator;
  let clients: Clients;

  beforeAll(async () => {
    sim = await startSim({ namespaces: [NS, 'team-a'] });
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  it('starts with default and the requested namespaces, Active and labelled with their name', async () => {
    const list = await clients.core.listNamespace();
    expect(list.items.map((ns) => ns.metadata?.name).sort()).toEqual(['default', NS, 'team-a'].sort());
    const teamA = await clients.core.readNamespace({ name: 'team-a' });
    expect(teamA.status?.phase).toBe('Active');
    expect(teamA.metadata?.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(teamA.spec?.finalizers).toEqual(['kubernetes']);
  });

  it('creates and deletes a namespace', async () => {
    const created = await clients.core.createNamespace({ body: { metadata: { name: 'scratch' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const deleted = await clients.core.deleteNamespace({ name: 'scratch' });
    expect(deleted).toMatchObject({ status: { phase: 'Terminating' } });
    expect((await failure(clients.core.readNamespace({ name: 'scratch' }))).code).toBe(404);
  });

  it('refuses to delete the default namespace (403), as NamespaceLifecycle does', async () => {
    const { code, status } = await failure(clients.core.deleteNamespace({ name: 'default' }));
    expect(code).toBe(403);
    expect(status).toMatchObject({
      reason: 'Forbidden',
      message: 'namespaces "default" is forbidden: this namespace may not be deleted',
    });
  });

  it('refuses a namespace name that is not a DNS label', async () => {
    const { code, status } = await failure(clients.core.createNamespace({ body: { metadata: { name: 'Bad_Name' } } }));
    expect(code).toBe(422);
    expect(status.message).toContain(
      'Namespace "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label',
    );
  });

  it('refuses a second namespace of the same name with 409 AlreadyExists', async () => {
    const { code, status } = await failure(clients.core.createNamespace({ body: { metadata: { name: 'team-a' } } }));
    expect(code).toBe(409);
    expect(status).toMatchObject({ reason: 'AlreadyExists', message: 'namespaces "team-a" already exists' });
  });

  it('refuses to create an object in a namespace that does not exist (404 namespaces "x" not found)', async () => {
    const response = await raw(sim, 'POST', `/apis/${GROUP}/${VERSION}/namespaces/nowhere/${PLURAL}`, {
      body: computeInstance('vm-lost'),
    });
    expect(response.status).toBe(404);
    expect(response.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'namespaces "nowhere" not found',
      reason: 'NotFound',
      details: { name: 'nowhere', kind: 'namespaces' },
      code: 404,
    });
  });

  it('lists nothing (not 404) in a namespace that does not exist, as the API server does', async () => {
    const response = await raw(sim, 'GET', `/apis/${GROUP}/${VERSION}/namespaces/nowhere/${PLURAL}`);
    expect(response.status).toBe(200);
    expect(response.body.items).toEqual([]);
  });

  it('deletes the objects of a deleted namespace, finalizers or not', async () => {
    await clients.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    for (const [name, finalizers] of [
      ['plain', []],
      ['held', ['osac.openshift.io/computeinstance']],
    ] as const) {
      await clients.custom.createNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: 'doomed',
        plural: PLURAL,
        body: computeInstance(name, {}, { finalizers: [...finalizers] }),
      });
    }
    await clients.core.deleteNamespace({ name: 'doomed' });
    expect(sim.objects({ namespace: 'doomed' })).toEqual([]);
    expect((await raw(sim, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });
});
