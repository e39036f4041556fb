import { createServer } from 'node:net';
import { type SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { handler } from '../../functions/reconcile';
import type { ComputeInstance } from '../../lib/computeinstance';
import { loadSettings } from '../../lib/config/settings';
import { ClusterConfig, createComputeInstanceStore } from '../../lib/k8s';
import { reconcile } from '../../lib/reconcile';
import { executionArnFor, executionName } from '../../lib/sfn';
import { createWorkflowContext } from '../../lib/workflow/context';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  ClusterClient,
  deletionInvariants,
  eventually,
  refOf,
  sfnClient,
  startProvision,
  waitForStatus,
  waitUntilGone,
} from '../e2e/harness';
import { registryOf } from './support/fakes';

const CREATE_TEMPLATE = 'osac-create-compute-instance';

const lambdaContext = {
  functionName: 'reconcile',
  awsRequestId: 'req-reconcile',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:reconcile',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

const provisionJobs = (i: ComputeInstance | undefined) =>
  (i?.status?.provisioningJobs ?? []).filter((j) => j.type === 'provision');

describe('the reconciler on the local stack', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let sfn: SFNClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
    });
    cluster = new ClusterClient(stack);
    sfn = sfnClient(stack);
  });
  afterAll(async () => {
    sfn?.destroy();
    await stack?.close();
  });

  /** What the scheduled rule does: invoke the handler with an EventBridge event. */
  const runHandler = () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext);

  /** Every execution so far has ended: the next run sees only settled objects and what the test changed. */
  async function settleAll(): Promise<void> {
    await Promise.all(stack.sfn.executions().map((e) => stack.sfn.settled(e.executionArn)));
  }

  function provisionArnOf(instance: ComputeInstance, retry = 0): string {
    const name = executionName({ kind: 'provision', ref: refOf(instance), generation: 1, retry });
    return executionArnFor(stack.provisionArn, name);
  }

  const startedNothing = { started: { provision: 0, deprovision: 0 }, restarted: 0, errors: 0 };

  it('provisions an instance whose webhook was never delivered', async () => {
    const created = await cluster.create('vm-no-webhook');
    const report = await runHandler();
    expect(report).toMatchObject({ started: { provision: 1, deprovision: 0 }, restarted: 0, errors: 0, clusters: 1 });

    const execution = await stack.sfn.settled(provisionArnOf(created));
    expect(execution.status).toBe('SUCCEEDED');
    const instance = await cluster.get('vm-no-webhook');
    expect(instance?.status?.phase).toBe('Running');
    expect(provisionJobs(instance).map((j) => j.state)).toEqual(['Succeeded']);
  });

  it('running twice starts nothing new the second time', async () => {
    await settleAll();
    await cluster.create('vm-twice-a');
    await cluster.create('vm-twice-b');
    const first = await runHandler();
    expect(first).toMatchObject({ started: { provision: 2, deprovision: 0 }, restarted: 0, errors: 0 });
    const executionsAfterFirst = stack.sfn.executions().length;

    const second = await runHandler();
    expect(second).toMatchObject(startedNothing);
    // Each of the two is still running or already applied; the earlier instance is applied.
    expect(second.alreadyRunning + second.ignored).toBe(second.instances);
    await settleAll();
    const third = await runHandler();
    expect(third).toMatchObject({ ...startedNothing, alreadyRunning: 0, ignored: third.instances });
    expect(stack.sfn.executions()).toHaveLength(executionsAfterFirst);
  });

  it('deprovisions an instance whose deletion webhook was lost', async () => {
    await settleAll();
    await cluster.delete('vm-no-webhook');
    const report = await runHandler();
    expect(report).toMatchObject({ started: { provision: 0, deprovision: 1 }, restarted: 0, errors: 0 });
    await settleAll();
    await waitUntilGone(cluster, 'vm-no-webhook');
    expect(deletionInvariants(stack, 'vm-no-webhook')).toEqual({
      provisionJobs: 1,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });
  });

  it('restarts a provision execution stopped mid-job once the job has ended, and the retry records it', async () => {
    await settleAll();
    stack.aap.setFaults({ hangJobs: { templateName: CREATE_TEMPLATE } });
    const created = await cluster.create('vm-stopped');
    const { executionArn } = await startProvision(stack, sfn, created);
    const running = await waitForStatus(
      cluster,
      'vm-stopped',
      (i) => provisionJobs(i).some((j) => j.jobID !== '' && j.state === 'Running'),
      'the provision job to be recorded as running',
    );
    const jobID = Number(provisionJobs(running)[0]?.jobID);
    await sfn.send(new StopExecutionCommand({ executionArn, error: 'Test', cause: 'the execution died mid-job' }));
    expect((await stack.sfn.settled(executionArn)).status).toBe('ABORTED');

    // The job is still running in AAP: nothing to record yet, so nothing is started.
    const whileRunning = await runHandler();
    expect(whileRunning).toMatchObject(startedNothing);
    expect(stack.sfn.executions().some((e) => e.executionArn === provisionArnOf(created, 1))).toBe(false);

    stack.aap.setFaults({});
    await eventually(async () => (stack.aap.world.jobs().find((j) => j.id === jobID)?.finishedAt ? true : undefined), {
      what: `AAP job ${jobID} to finish`,
    });
    const afterJob = await runHandler();
    expect(afterJob).toMatchObject({ started: { provision: 0, deprovision: 0 }, restarted: 1, errors: 0 });

    expect((await stack.sfn.settled(provisionArnOf(created, 1))).status).toBe('SUCCEEDED');
    const instance = await cluster.get('vm-stopped');
    expect(provisionJobs(instance)).toEqual([
      expect.objectContaining({ jobID: String(jobID), state: 'Succeeded', message: 'successful' }),
    ]);
    expect(instance?.status?.phase).toBe('Running');
    // The retry followed the job the stopped execution launched: AAP ran exactly one provision job.
    expect(
      stack.aap.world.jobs().filter((j) => j.templateName === CREATE_TEMPLATE && j.vmKey?.endsWith('/vm-stopped')),
    ).toHaveLength(1);
  });

  it('never gives up a deletion whose executions keep dying: Stalled on the object, then done once AAP lets go', async () => {
    await settleAll();
    // A provision job hung in AAP, then the deletion.
    stack.aap.setFaults({ hangJobs: { templateName: CREATE_TEMPLATE } });
    const created = await cluster.create('vm-stalled');
    await startProvision(stack, sfn, created);
    await waitForStatus(
      cluster,
      'vm-stalled',
      (i) => provisionJobs(i).some((j) => j.jobID !== '' && j.state === 'Running'),
      'the provision job to run',
    );
    await cluster.delete('vm-stalled');

    // Three deprovision executions die in turn (as the cancel-wait did at the history limit): each run starts the next.
    const deprovisions = () =>
      stack.sfn.executions().filter((e) => e.name.startsWith('deprovision-osac-computeinstance-vm-stalled-'));
    for (let attempt = 0; attempt < 3; attempt++) {
      await runHandler();
      const live = deprovisions().filter((e) => e.status === 'RUNNING');
      expect(live).toHaveLength(1);
      await sfn.send(new StopExecutionCommand({ executionArn: live[0]?.executionArn, error: 'Test', cause: 'died' }));
      await stack.sfn.settled(live[0]?.executionArn as string);
    }
    const stalled = await runHandler();
    // Stalled from the fourth attempt on; whether retry 3 waits depends on the stop times the local engine reports
    // (its executions keep their own fast clocks), which the table tests of nextProbe pin down.
    expect(stalled).toMatchObject({ stalled: 1, errors: 0 });
    expect((await cluster.get('vm-stalled'))?.status?.conditions).toContainEqual(
      expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'ExecutionsFailing' }),
    );

    // AAP lets the job go. Within the backoff (2 min simulated) a run starts the next retry, which finishes the work.
    stack.aap.setFaults({});
    await eventually(
      async () => {
        await runHandler();
        return (await cluster.get('vm-stalled')) === undefined ? true : undefined;
      },
      { what: 'the stalled deletion to complete', timeoutMs: 60_000, intervalMs: 300 },
    );
    expect(deprovisions().map((e) => e.name.replace(/^.*-d\d+/, ''))).toEqual(['', '-r1', '-r2', '-r3']);
    expect(deletionInvariants(stack, 'vm-stalled')).toMatchObject({ violations: [], vmsLeft: 0 });
  });

  it('counts an unreachable second cluster and still reconciles the first', async () => {
    await settleAll();
    const settings = loadSettings();
    const ctx = createWorkflowContext(settings);
    const local = await ctx.clusters.get('local');
    if (!local) throw new Error('the local stack registers cluster "local"');
    const down = ClusterConfig.parse({
      id: 'down',
      server: `http://127.0.0.1:${await closedPort()}`,
      token: 'down-token',
      insecureSkipTLSVerify: true,
      webhookSecrets: ['down-secret'],
    });
    const created = await cluster.create('vm-beside-a-dead-cluster');

    const report = await reconcile({
      registry: registryOf([local, down]),
      storeFor: (c) => createComputeInstanceStore(c),
      aap: ctx.aap,
      sfn: ctx.sfn,
      machines: { provisionArn: stack.provisionArn, deprovisionArn: stack.deprovisionArn },
      now: ctx.now(),
    });
    ctx.aap.close();
    ctx.sfn.destroy();

    expect(report).toMatchObject({
      clusters: 1,
      failedClusters: ['down'],
      errors: 1,
      started: { provision: 1, deprovision: 0 },
    });
    expect((await stack.sfn.settled(provisionArnOf(created))).status).toBe('SUCCEEDED');
  });
});

/** A port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  return port;
}
