import { KubeTenantReader, MemoryTenantReader, type TenantReader } from '../../../lib/k8s';
import { createTenant, sampleTenant } from '../../../local/fixtures/sample-tenant';
import { type KubeSimulator, startKubeSimulator } from '../../../local/kube-simulator';
import { UPSTREAM_CRD, UPSTREAM_TENANT_CRD } from '../../support/fixtures';
import { clusterFor, NAMESPACE, SIM_TOKEN } from './support/kube';

/** The Tenant reader, on the API-server simulator (with the upstream Tenant CRD) and in memory: one contract. */
describe('reading Tenants', () => {
  let kube: KubeSimulator;

  beforeAll(async () => {
    kube = await startKubeSimulator({
      port: 0,
      token: SIM_TOKEN,
      crdPaths: [UPSTREAM_CRD, UPSTREAM_TENANT_CRD],
      namespaces: [NAMESPACE],
    });
    await createTenant(
      { url: kube.url, token: SIM_TOKEN },
      sampleTenant({ name: 'acme', storageClasses: [{ name: 'gold-sc', tier: 'gold' }] }, NAMESPACE),
    );
  });
  afterAll(async () => {
    await kube?.close();
  });

  const memory = () => {
    const reader = new MemoryTenantReader();
    reader.put(sampleTenant({ name: 'acme', storageClasses: [{ name: 'gold-sc', tier: 'gold' }] }, NAMESPACE));
    return reader;
  };

  describe.each<[string, () => TenantReader]>([
    ['API server', () => new KubeTenantReader(clusterFor(kube.url))],
    ['memory', memory],
  ])('%s', (_label, reader) => {
    it('a Tenant: its name, namespace and storage classes', async () => {
      const tenant = await reader().get(NAMESPACE, 'acme');
      expect(tenant?.metadata).toMatchObject({ name: 'acme', namespace: NAMESPACE });
      expect(tenant?.metadata.deletionTimestamp).toBeUndefined();
      expect(tenant?.status?.storageClasses).toEqual([{ name: 'gold-sc', tier: 'gold' }]);
    });

    it('none of that name: undefined', async () => {
      await expect(reader().get(NAMESPACE, 'nobody')).resolves.toBeUndefined();
    });
  });

  it('a token the API server refuses: an error naming the Tenant and the cluster, never the token', async () => {
    const reader = new KubeTenantReader(clusterFor(kube.url, { token: 'wrong-token-XYZ' }));
    const error = await reader.get(NAMESPACE, 'acme').then(
      () => undefined,
      (thrown: Error) => thrown,
    );
    expect(error?.message).toContain(`get Tenant ${NAMESPACE}/acme on cluster sim`);
    expect(error?.message).not.toContain('wrong-token-XYZ');
  });

  it('an object that is no Tenant (storage classes without tier): Invalid, naming the field', async () => {
    const reader = new MemoryTenantReader();
    reader.put({ metadata: { name: 'odd', namespace: NAMESPACE }, status: { storageClasses: [{ name: 'x' }] } });
    await expect(reader.get(NAMESPACE, 'odd')).rejects.toMatchObject({
      name: 'Invalid',
      message: expect.stringContaining('tier'),
    });
  });
});
