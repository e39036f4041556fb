import { LOCAL_TENANT, TENANT_API_VERSION } from '../../local/fixtures/sample-tenant';
import type { JsonObject } from '../../local/kube-simulator';
import { DEFAULT_NAMESPACE, type LocalStack, startLocalStack } from '../../local/stack';

/** The Tenants the embedded stack creates: what today's playbooks need the instances to name. */
describe('the local stack creates the tenants its instances name', () => {
  const tenants = (stack: LocalStack, cluster: string) =>
    (stack.kubes.get(cluster)?.objects({ kind: 'Tenant' }) ?? []).map((tenant: JsonObject) => ({
      apiVersion: tenant.apiVersion,
      metadata: { name: (tenant.metadata as JsonObject).name, namespace: (tenant.metadata as JsonObject).namespace },
      status: tenant.status,
    }));

  it('one tenant "local" with a "local" storage class, on every cluster, in the first namespace', async () => {
    const stack = await startLocalStack({ timeScale: 0.01, extraClusters: [{ id: 'east' }] });
    try {
      expect(stack.tenantNamespace).toBe(DEFAULT_NAMESPACE);
      for (const cluster of ['local', 'east']) {
        expect(tenants(stack, cluster)).toEqual([
          {
            apiVersion: TENANT_API_VERSION,
            metadata: { name: LOCAL_TENANT, namespace: DEFAULT_NAMESPACE },
            status: { namespace: LOCAL_TENANT, phase: 'Ready', storageClasses: [{ name: 'local', tier: 'local' }] },
          },
        ]);
      }
    } finally {
      await stack.close();
    }
  });

  it('the tenants asked for instead, or none', async () => {
    const stack = await startLocalStack({
      timeScale: 0.01,
      namespaces: ['tenants', 'instances'],
      tenants: [
        { name: 'acme', storageClasses: [{ name: 'vast', tier: 'fast' }] },
        { name: 'empty', storageClasses: [] },
      ],
    });
    try {
      expect(stack.tenantNamespace).toBe('tenants');
      expect(tenants(stack, 'local').map((t) => [t.metadata.name, t.metadata.namespace, t.status])).toEqual([
        ['acme', 'tenants', { namespace: 'acme', phase: 'Ready', storageClasses: [{ name: 'vast', tier: 'fast' }] }],
        ['empty', 'tenants', { namespace: 'empty', phase: 'Ready', storageClasses: [] }],
      ]);
    } finally {
      await stack.close();
    }
    const bare = await startLocalStack({ timeScale: 0.01, tenants: [] });
    try {
      expect(tenants(bare, 'local')).toEqual([]);
    } finally {
      await bare.close();
    }
  });
});
