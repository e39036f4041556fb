import type { ComputeInstance } from '../../lib/computeinstance';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';

/**
 * What a launch carries, end to end (real engine, both simulators). February's playbooks (the AAP simulator's
 * default) provision and delete with the default setting, which also carries today's envelope; AAP_JOB_VARS reaches
 * the launch: today's envelope alone fails February's create play, and the instance says why.
 * Today's playbooks (the simulator checking the create and delete plays' inputs in their order: tenant reference,
 * storage classes, name, templateID, namespace) provision and delete with the same default.
 */
async function withStack(
  env: Record<string, string>,
  body: (stack: LocalStack) => Promise<void>,
  aapPlaybooks: 'ansible_eda' | 'osac_job_vars' = 'ansible_eda',
): Promise<void> {
  const stack = await startLocalStack({ timeScale: 0.01, aapPlaybooks, env });
  try {
    await body(stack);
  } finally {
    await stack.close();
  }
}

const envelopes = (extraVars: string) =>
  Object.keys(JSON.parse(extraVars))
    .filter((key) => key !== 'cloudkit_cluster')
    .sort();

describe('the launch envelope on the local stack', () => {
  it("the default (both): February's playbooks provision and delete, every launch carrying both envelopes", async () => {
    await withStack({}, async (stack) => {
      const cluster = new ClusterClient(stack);
      const created = await cluster.create('vm-both');
      const provisioned = await stack.sfn.settled(
        (await startProvision(stack, sfnClient(stack), created)).executionArn,
      );
      expect(provisioned.status).toBe('SUCCEEDED');
      const instance = (await cluster.get('vm-both')) as ComputeInstance;
      expect(instance.status?.phase).toBe('Running');

      await cluster.delete('vm-both');
      const deleted = await stack.sfn.settled((await startDeprovision(stack, sfnClient(stack), instance)).executionArn);
      expect(deleted.status).toBe('SUCCEEDED');
      await waitUntilGone(cluster, 'vm-both');
      expect(deletionInvariants(stack, 'vm-both')).toMatchObject({ provisionJobs: 1, deprovisionJobs: 1, vmsLeft: 0 });

      const { provision, deprovision } = aapJobsFor(stack, 'vm-both');
      for (const job of [...provision, ...deprovision]) {
        expect(envelopes(job.extraVars)).toEqual(['ansible_eda', 'osac_job_vars']);
      }
      const [deleteJob] = deprovision;
      const vars = JSON.parse(deleteJob?.extraVars ?? '{}');
      expect(Object.keys(vars.osac_job_vars)).toEqual(['resource']);
      expect(vars.osac_job_vars.resource.metadata.deletionTimestamp).toEqual(expect.any(String));
    });
  });

  it("the default (both): today's playbooks provision and delete, reading the tenant the launch resolved", async () => {
    await withStack(
      {},
      async (stack) => {
        const cluster = new ClusterClient(stack);
        const created = await cluster.create('vm-today-default');
        const provisioned = await stack.sfn.settled(
          (await startProvision(stack, sfnClient(stack), created)).executionArn,
        );
        expect(provisioned.status).toBe('SUCCEEDED');
        const instance = (await cluster.get('vm-today-default')) as ComputeInstance;
        expect(instance.status?.phase).toBe('Running');
        expect(stack.aap.world.vms().map((vm) => vm.name)).toContain('vm-today-default');

        const [createJob] = aapJobsFor(stack, 'vm-today-default').provision;
        const createVars = JSON.parse(createJob?.extraVars ?? '{}');
        expect(createVars.osac_job_vars.resource.status.tenantReference).toEqual({
          name: 'local',
          namespace: stack.tenantNamespace,
        });
        expect(createVars.osac_job_vars.tenant_storage_classes).toEqual([{ name: 'local', tier: 'local' }]);
        // The operator's contract: the config version the job is applying is on the object the playbook reads.
        expect(createVars.osac_job_vars.resource.status.desiredConfigVersion).toMatch(/^[0-9a-f]{16}$/);

        await cluster.delete('vm-today-default');
        const deleted = await stack.sfn.settled(
          (await startDeprovision(stack, sfnClient(stack), instance)).executionArn,
        );
        expect(deleted.status).toBe('SUCCEEDED');
        await waitUntilGone(cluster, 'vm-today-default');
        expect(deletionInvariants(stack, 'vm-today-default')).toMatchObject({
          provisionJobs: 1,
          deprovisionJobs: 1,
          vmsLeft: 0,
          violations: [],
        });
        const [deleteJob] = aapJobsFor(stack, 'vm-today-default').deprovision;
        expect(Object.keys(JSON.parse(deleteJob?.extraVars ?? '{}').osac_job_vars)).toEqual(['resource']);
      },
      'osac_job_vars',
    );
  });

  it("AAP_JOB_VARS=osac_job_vars reaches the launch: February's create play fails on it, and the status says why", async () => {
    await withStack({ AAP_JOB_VARS: 'osac_job_vars' }, async (stack) => {
      const cluster = new ClusterClient(stack);
      await startProvision(stack, sfnClient(stack), await cluster.create('vm-today'));

      const failed = await waitForFailedJob(cluster, 'vm-today');
      expect(failed.message).toContain("'ansible_eda' is undefined");
      // The play could not find the object, so the simulator ties the job to no VM: read every job launched.
      const jobs = stack.aap.world.jobs();
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) expect(envelopes(job.extraVars)).toEqual(['osac_job_vars']);
      expect(stack.aap.world.vms()).toEqual([]);
    });
  });
});

async function waitForFailedJob(cluster: ClusterClient, name: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const job = (await cluster.get(name))?.status?.provisioningJobs?.find((j) => j.state === 'Failed');
    if (job) return job;
    if (Date.now() > deadline) throw new Error(`${name}: no failed provision job on the status`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
