import { createTenant, LOCAL_TENANT, sampleTenant } from '../../../local/fixtures/sample-tenant';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { NS, raw, startSim, UPSTREAM_CRD, UPSTREAM_TENANT_CRD } from './support';

const TENANTS = `/apis/osac.openshift.io/v1alpha1/namespaces/${NS}/tenants`;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';

describe('kube simulator: Tenants (the upstream Tenant CRD)', () => {
  let sim: KubeSimulator;

  beforeAll(async () => {
    sim = await startSim({ crdPaths: [UPSTREAM_CRD, UPSTREAM_TENANT_CRD] });
  });

  afterAll(() => sim.close());

  beforeEach(() => sim.reset());

  it('creates a tenant and its status through the status subresource, as the operator writes them', async () => {
    const written = await createTenant(sim, sampleTenant({ name: LOCAL_TENANT }, NS));
    expect(written.status).toEqual({
      namespace: 'local',
      phase: 'Ready',
      storageClasses: [{ name: 'local', tier: 'local' }],
    });
    const read = await raw(sim, 'GET', `${TENANTS}/local`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ kind: 'Tenant', metadata: { name: 'local', namespace: NS, generation: 1 } });
    expect(read.body.status.storageClasses).toEqual([{ name: 'local', tier: 'local' }]);
  });

  it('ignores status on create and spec on a status write (the status subresource)', async () => {
    const created = await raw(sim, 'POST', TENANTS, { body: sampleTenant({ name: 'acme' }, NS) });
    expect(created.status).toBe(201);
    expect(created.body.status).toBeUndefined();
    const patched = await raw(sim, 'PATCH', `${TENANTS}/acme/status`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { ignored: true }, status: { phase: 'Progressing' } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.status).toEqual({ phase: 'Progressing' });
    expect(patched.body.metadata.generation).toBe(1);
  });

  it.each<[string, unknown, string]>([
    [
      'a tier outside the pattern',
      [{ name: 'fast', tier: 'Fast Tier' }],
      'status.storageClasses[0].tier: Invalid value: "Fast Tier": status.storageClasses[0].tier in body should match \'^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$\'',
    ],
    ['a class without a name', [{ tier: 'local' }], 'status.storageClasses[0].name: Required value'],
    [
      'two classes for one tier (a map keyed by tier)',
      [
        { name: 'a', tier: 'local' },
        { name: 'b', tier: 'local' },
      ],
      'status.storageClasses[1]: Duplicate value: map[string]interface {}{"tier":"local"}',
    ],
  ])('refuses %s in status.storageClasses with the API server message', async (_case, storageClasses, message) => {
    expect((await raw(sim, 'POST', TENANTS, { body: sampleTenant({ name: 'acme' }, NS) })).status).toBe(201);
    const response = await raw(sim, 'PATCH', `${TENANTS}/acme/status`, {
      contentType: 'application/merge-patch+json',
      body: { status: { storageClasses } },
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain(message);
  });

  it('fails createTenant with the API server message when the write is refused', async () => {
    await createTenant(sim, sampleTenant({ name: 'acme' }, NS));
    await expect(createTenant(sim, sampleTenant({ name: 'acme' }, NS))).rejects.toThrow(
      `create of Tenant ${NS}/acme: HTTP 409: tenants.osac.openshift.io "acme" already exists`,
    );
  });

  it('serves kubectl get tenants its Table: first storage class, and the condition columns by filter', async () => {
    await createTenant(sim, {
      ...sampleTenant(
        {
          name: 'acme',
          storageClasses: [
            { name: 'lvms-local', tier: 'local' },
            { name: 'vast-fast', tier: 'fast' },
          ],
        },
        NS,
      ),
    });
    await raw(sim, 'PATCH', `${TENANTS}/acme/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          conditions: ['StorageBackendReady', 'ClusterStorageReady'].map((type, i) => ({
            type,
            status: i === 0 ? 'True' : 'False',
            reason: 'Checked',
            message: '',
            lastTransitionTime: '2026-12-07T10:00:00Z',
          })),
        },
      },
    });
    const table = await raw(sim, 'GET', TENANTS, { accept: TABLE });
    expect(table.body.columnDefinitions.map((c: { name: string }) => c.name)).toEqual([
      'Name',
      'Tenant Namespace',
      'Storage Classes',
      'Phase',
      'Backend Ready',
      'Cluster Storage',
    ]);
    expect(table.body.rows[0].cells).toEqual(['acme', 'acme', 'lvms-local', 'Ready', 'True', 'False']);
  });
});
