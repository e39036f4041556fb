import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  ClusterClient,
  deletionInvariants,
  eventually,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';
import { notificationsSentFor, provisionJobOf, waiterRows, waitRuns } from './notification-support';

/**
 * Deleting an instance while its provision job runs: the deprovision workflow cancels the job and waits for it to
 * stop in WaitForCanceledJobToStop, which AAP's notification ends as it ends the other waits. AWX sends the `error`
 * notification for a job canceled while running, and none at all for one canceled before it started: that one is
 * seen by the arming task's own read of the job (or at worst the fallback timeout), never waited on for ever.
 */
// Fallback waits of 400 s (4 s of real time): a wait a notification or the arming read ends is told apart from one
// the timeout ends, and every event below (a 30 s cancel, a 22 s deprovision job) falls well inside one wait.
const FALLBACK_SECONDS = 400;

describe('deletion during provision, with job notifications', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      notifications: true,
      timeScale: 0.01,
      env: { FALLBACK_POLL_MIN_SECONDS: String(FALLBACK_SECONDS) },
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          // Pending for 200 s (a job to cancel before it runs), then running for 600 s (one to cancel while it runs).
          durations: { pending: 200, waiting: 1, running: 600 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
  });
  afterEach(() => {
    stack.aap.setFaults({});
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function deleteAndDeprovision(name: string) {
    await cluster.delete(name);
    const current = await cluster.get(name);
    if (current === undefined) throw new Error(`${name} went without its finalizer`);
    const { executionArn } = await startDeprovision(stack, sfnClient(stack), current);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, name);
    const outcome = deletionInvariants(stack, name);
    expect(outcome).toMatchObject({ deprovisionJobs: 1, provisionJobs: 1, provisionEndedFirst: true, vmsLeft: 0 });
    expect(outcome.violations).toEqual([]);
    return executionArn;
  }

  it('a job canceled while running sends its error notification, which ends the cancel wait', async () => {
    // AAP takes 30 s to stop the job: the cancel wait is armed long before.
    stack.aap.setFaults({ cancelDelaySeconds: 30 });
    const created = await cluster.create('vm-cancel-running');
    const provision = await startProvision(stack, sfnClient(stack), created);
    const job = await eventually(
      async () => {
        const seen = provisionJobOf(stack, 'vm-cancel-running');
        return seen?.status === 'running' ? seen : undefined;
      },
      { what: 'the provision job to run' },
    );

    const deprovision = await deleteAndDeprovision('vm-cancel-running');
    expect(provisionJobOf(stack, 'vm-cancel-running')).toMatchObject({ status: 'canceled', cancelRequested: true });
    expect(await notificationsSentFor(stack, job)).toEqual([expect.objectContaining({ status: 'successful' })]);

    // The cancel wait and the deprovision job's wait were each ended by their job's notification, no timeout.
    const runs = waitRuns(stack, deprovision);
    expect(runs).toEqual([
      expect.objectContaining({ state: 'WaitForCanceledJobToStop', end: 'TaskSucceeded', output: { notified: true } }),
      expect.objectContaining({
        state: 'WaitForDeprovisionJobToEnd',
        end: 'TaskSucceeded',
        output: { notified: true },
      }),
    ]);
    expect(await waiterRows(stack, deprovision)).toEqual([]);
    expect(['SUCCEEDED', 'ABORTED']).toContain((await stack.sfn.settled(provision.executionArn)).status);
  }, 45_000);

  it('a job canceled while pending sends no notification and is still seen, without waiting for ever', async () => {
    const created = await cluster.create('vm-cancel-pending');
    const provision = await startProvision(stack, sfnClient(stack), created);
    const job = await eventually(
      async () => {
        const seen = provisionJobOf(stack, 'vm-cancel-pending');
        return seen?.status === 'pending' ? seen : undefined;
      },
      { what: 'the provision job to be pending' },
    );

    const deprovision = await deleteAndDeprovision('vm-cancel-pending');
    expect(provisionJobOf(stack, 'vm-cancel-pending')).toMatchObject({ status: 'canceled', startedAt: null });
    // As AWX: no notification at all for a job that never ran.
    expect(await notificationsSentFor(stack, job)).toEqual([]);

    // AAP cancels a pending job inside the cancel request, so the arming task's read of the job ends the cancel wait
    // at once ({notified: false}), not the fallback timeout 400 s later; the deprovision job's own notification then
    // ends its wait.
    expect(waitRuns(stack, deprovision)).toEqual([
      expect.objectContaining({ state: 'WaitForCanceledJobToStop', end: 'TaskSucceeded', output: { notified: false } }),
      expect.objectContaining({
        state: 'WaitForDeprovisionJobToEnd',
        end: 'TaskSucceeded',
        output: { notified: true },
      }),
    ]);
    expect(await waiterRows(stack, deprovision)).toEqual([]);
    expect(['SUCCEEDED', 'ABORTED']).toContain((await stack.sfn.settled(provision.executionArn)).status);
  }, 45_000);
});
