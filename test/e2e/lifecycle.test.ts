import type { ComputeInstance } from '../../lib/computeinstance';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  ClusterClient,
  deletionInvariants,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';

const provisionJobs = (i: ComputeInstance | undefined) =>
  (i?.status?.provisioningJobs ?? []).filter((j) => j.type === 'provision');
const condition = (i: ComputeInstance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);

describe('the provision lifecycle on the local stack', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  const sfn = () => sfnClient(stack);

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01 });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function provision(instance: ComputeInstance): Promise<ComputeInstance> {
    const { executionArn } = await startProvision(stack, sfn(), instance);
    const record = await stack.sfn.settled(executionArn);
    expect(record.status).toBe('SUCCEEDED');
    return (await cluster.get(instance.metadata.name as string)) as ComputeInstance;
  }

  it('create → provision → Succeeded, phase Running, the VM exists', async () => {
    const instance = await provision(await cluster.create('vm-create'));
    expect(instance.metadata.finalizers).toContain('osac.openshift.io/computeinstance');
    expect(instance.status?.phase).toBe('Running');
    expect(provisionJobs(instance)).toEqual([
      expect.objectContaining({ type: 'provision', state: 'Succeeded', message: 'successful' }),
    ]);
    expect(condition(instance, 'ConfigurationApplied')?.status).toBe('True');
    expect(condition(instance, 'Provisioned')?.status).toBe('True');
    expect(stack.aap.world.vms().map((vm) => vm.key)).toContain('osac-computeinstance/vm-create');
  });

  it('a runStrategy change re-provisions, and an A→B→A revert provisions again', async () => {
    await provision(await cluster.create('vm-strategy'));
    const halted = await provision(await cluster.patchSpec('vm-strategy', { runStrategy: 'Halted' }));
    expect(halted.status?.phase).toBe('Stopped');
    expect(provisionJobs(halted)).toHaveLength(2);
    const back = await provision(await cluster.patchSpec('vm-strategy', { runStrategy: 'Always' }));
    expect(back.status?.phase).toBe('Running');
    expect(provisionJobs(back).map((j) => j.state)).toEqual(['Succeeded', 'Succeeded', 'Succeeded']);
    // The revert carries the first spec's config version again, and was provisioned anyway.
    const versions = provisionJobs(back).map((j) => j.configVersion);
    expect(versions[2]).toBe(versions[0]);
    expect(versions[1]).not.toBe(versions[0]);
  });

  it('a restart request sets lastRestartedAt; a past timestamp does not move it', async () => {
    await provision(await cluster.create('vm-restart'));
    const requested = new Date(stack.now().getTime()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const restarted = await provision(await cluster.patchSpec('vm-restart', { restartRequestedAt: requested }));
    expect(restarted.status?.lastRestartedAt).toBe(requested);
    expect(condition(restarted, 'RestartInProgress')?.status).toBe('False');

    const past = await provision(await cluster.patchSpec('vm-restart', { restartRequestedAt: '2020-01-01T00:00:00Z' }));
    expect(provisionJobs(past)).toHaveLength(3);
    expect(past.status?.lastRestartedAt).toBe(requested);
  });

  it('a failed job reaches status with its error detail and is retried after the backoff', async () => {
    stack.aap.setFaults({
      failNext: {
        templateName: 'osac-create-compute-instance',
        traceback: 'Traceback (most recent call last):\nkubernetes.core.k8s: DataVolume quota exceeded',
        explanation: 'Job terminated due to error',
      },
    });
    const created = await cluster.create('vm-fails-once');
    const { executionArn } = await startProvision(stack, sfn(), created);
    const record = await stack.sfn.settled(executionArn);
    stack.aap.setFaults({});
    expect(record.status).toBe('SUCCEEDED');
    const instance = await cluster.get('vm-fails-once');
    const jobs = provisionJobs(instance);
    expect(jobs.map((j) => j.state)).toEqual(['Failed', 'Succeeded']);
    expect(jobs[0]?.message).toMatch(/DataVolume quota exceeded/);
    // The retry waited out the 2-minute backoff (in the stack's scaled time).
    const gap = Date.parse(jobs[1]?.timestamp as string) - Date.parse(jobs[0]?.timestamp as string);
    expect(gap).toBeGreaterThanOrEqual(120_000);
    expect(instance?.status?.phase).toBe('Running');
  });

  it('delete → deprovision → finalizer removed → the object is gone and no VM is left', async () => {
    const instance = await provision(await cluster.create('vm-delete'));
    await cluster.delete('vm-delete');
    const { executionArn } = await startDeprovision(stack, sfn(), instance);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-delete');
    expect(deletionInvariants(stack, 'vm-delete')).toEqual({
      provisionJobs: 1,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });
  });

  it('records no violation across the whole suite', () => {
    expect(stack.aap.world.violations()).toEqual([]);
  });

  it('keeps secrets and whole objects out of every execution input, output and history event', () => {
    const executions = stack.sfn.executions();
    expect(executions.length).toBeGreaterThanOrEqual(10);
    const secrets = [stack.aap.token, stack.kube.token, 'local-webhook-secret'];
    for (const execution of executions) {
      const recorded = JSON.stringify({ execution, history: stack.sfn.history(execution.executionArn) });
      for (const secret of secrets) expect(recorded).not.toContain(secret);
      // A reference travels, never the object: no apiVersion, spec or status fields anywhere.
      expect(recorded).not.toMatch(/osac\.openshift\.io\/v1alpha1|"templateID"|"provisioningJobs"/);
      expect(recorded.length).toBeLessThan(256 * 1024);
    }
  });
});
