import type { ComputeInstance } from '../../lib/computeinstance';
import { createTenant, LOCAL_TENANT, sampleTenant } from '../../local/fixtures/sample-tenant';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { aapJobsFor, ClusterClient, eventually, sfnClient, startProvision } from './harness';

const tenantCondition = (instance: ComputeInstance | undefined) =>
  instance?.status?.conditions?.find((condition) => condition.type === 'TenantResolved');

/**
 * Today's create playbook needs status.tenantReference and the tenant's storage classes: the launch waits for the
 * Tenant the instance names, says why on the instance, and goes ahead by itself once the Tenant exists.
 */
describe('a provision whose Tenant does not exist yet', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01, tenants: [] });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('blocks the launch with a readable condition; creating the tenant later unblocks it', async () => {
    const created = await cluster.create('vm-tenant-later');
    await startProvision(stack, sfnClient(stack), created);

    const blocked = await eventually(async () => tenantCondition(await cluster.get('vm-tenant-later')), {
      what: 'the TenantResolved condition',
    });
    expect(blocked).toMatchObject({
      status: 'False',
      reason: 'TenantNotFound',
      message: expect.stringContaining(`Tenant ${stack.tenantNamespace}/${LOCAL_TENANT}`),
    });
    // A few wait rounds later (60 s each in simulated time), still nothing launched.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(aapJobsFor(stack, 'vm-tenant-later').provision).toEqual([]);
    expect((await cluster.get('vm-tenant-later'))?.status?.tenantReference).toBeUndefined();

    await createTenant(stack.kube, sampleTenant({ name: LOCAL_TENANT }, stack.tenantNamespace));
    const running = await eventually(
      async () => {
        const instance = await cluster.get('vm-tenant-later');
        return instance?.status?.phase === 'Running' ? instance : undefined;
      },
      { what: 'the instance to be provisioned', timeoutMs: 60_000 },
    );
    expect(running.status?.tenantReference).toEqual({ name: LOCAL_TENANT, namespace: stack.tenantNamespace });
    expect(tenantCondition(running)).toMatchObject({ status: 'True', reason: 'TenantFound' });
    const [job, ...others] = aapJobsFor(stack, 'vm-tenant-later').provision;
    expect(others).toEqual([]);
    const event = JSON.parse(job?.extraVars ?? '{}').ansible_eda?.event;
    expect(event?.tenant_storage_classes).toEqual([{ name: 'local', tier: 'local' }]);
    expect(event?.payload?.status?.tenantReference).toEqual({ name: LOCAL_TENANT, namespace: stack.tenantNamespace });
  }, 90_000);
});
