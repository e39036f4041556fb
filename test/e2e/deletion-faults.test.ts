import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  sfnClient,
  startDeprovision,
  startProvision,
  waitForStatus,
  waitUntilGone,
} from './harness';

describe('deletion when AAP misbehaves', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01 });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function provisioned(name: string) {
    const created = await cluster.create(name);
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    return (await cluster.get(name)) as NonNullable<Awaited<ReturnType<ClusterClient['get']>>>;
  }

  it('a purged provision job (404) does not block deletion', async () => {
    const instance = await provisioned('vm-purged');
    const jobId = aapJobsFor(stack, 'vm-purged').provision[0]?.id as number;
    // The execution that launched it died before recording its end (status still says Running), and AAP's cleanup
    // job has purged it since: every read answers 404.
    const jobs = (instance.status?.provisioningJobs ?? []).map((j) => ({ ...j, state: 'Running', message: 'running' }));
    await cluster.patchStatus('vm-purged', { provisioningJobs: jobs });
    expect((await fetch(`${stack.aap.url}/_sim/jobs/${jobId}/purge`, { method: 'POST' })).ok).toBe(true);

    await cluster.delete('vm-purged');
    const { executionArn } = await startDeprovision(stack, sfnClient(stack), instance);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-purged');
    expect(deletionInvariants(stack, 'vm-purged')).toMatchObject({ deprovisionJobs: 1, violations: [], vmsLeft: 0 });
  });

  it('a failed deprovision keeps deletion blocked, records why, and is retried after the backoff', async () => {
    const instance = await provisioned('vm-deprovision-fails');
    stack.aap.setFaults({
      failNext: {
        templateName: 'osac-delete-compute-instance',
        traceback:
          'fatal: [localhost]: FAILED! => {"msg": "DataVolume vm-deprovision-fails-root-disk is still in use"}',
        explanation: '',
      },
    });
    await cluster.delete('vm-deprovision-fails');
    const { executionArn } = await startDeprovision(stack, sfnClient(stack), instance);

    const blocked = await waitForStatus(
      cluster,
      'vm-deprovision-fails',
      (i) => (i.status?.provisioningJobs ?? []).some((j) => j.type === 'deprovision' && j.state === 'Failed'),
      'the failed deprovision job on record',
    );
    expect(blocked.metadata.finalizers).toContain('osac.openshift.io/computeinstance');
    expect(blocked.status?.phase).toBe('Deleting');
    const failed = blocked.status?.provisioningJobs?.find((j) => j.type === 'deprovision');
    expect(failed).toMatchObject({ state: 'Failed', blockDeletionOnFailure: true });
    expect(failed?.message).toMatch(/still in use/);

    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-deprovision-fails');
    const { deprovision } = aapJobsFor(stack, 'vm-deprovision-fails');
    expect(deprovision.map((j) => j.status)).toEqual(['failed', 'successful']);
    // The retry waited out the 2-minute backoff, counted from the failed job's launch (status timestamps have
    // one-second resolution), in the stack's scaled time.
    const gap = (deprovision[1]?.launchedAt as number) - (deprovision[0]?.launchedAt as number);
    expect(gap).toBeGreaterThanOrEqual(119_000);
    expect(stack.aap.world.violations()).toEqual([]);
    expect(stack.aap.world.vms().filter((vm) => vm.name === 'vm-deprovision-fails')).toEqual([]);
  });
});
