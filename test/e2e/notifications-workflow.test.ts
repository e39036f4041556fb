import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  eventually,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';
import { detectionLagSeconds, notificationsSentFor, waiterRows, waitRuns } from './notification-support';

/**
 * Workflow job templates take the same notification path as job templates: the waits are armed under
 * `workflow_job:<id>`, AAP's workflow job notification (type `workflow_job`) resumes them, and the status is read
 * from `workflow_jobs`.
 */
const FALLBACK_SECONDS = 400;

describe('workflow job templates, with job notifications', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      notifications: true,
      timeScale: 0.01,
      // The 600 s provision workflow ends in the middle of the second 400 s wait (see notifications.test.ts).
      env: { FALLBACK_POLL_MIN_SECONDS: String(FALLBACK_SECONDS) },
      templates: [
        {
          name: 'osac-create-compute-instance',
          kind: 'workflow',
          effect: 'create-vm',
          durations: { pending: 1, waiting: 1, running: 600 },
        },
        {
          name: 'osac-delete-compute-instance',
          kind: 'workflow',
          effect: 'delete-vm',
          durations: { pending: 1, waiting: 1, running: 20 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('provisions and deprovisions, each wait resumed by the workflow job notification', async () => {
    const created = await cluster.create('vm-workflow');
    const provision = await startProvision(stack, sfnClient(stack), created);

    // While the workflow job runs, its waiter is stored under the workflow job's key.
    const job = await eventually(async () => aapJobsFor(stack, 'vm-workflow').provision[0], {
      what: 'the provision workflow job',
    });
    expect(job.type).toBe('workflow_job');
    const armed = await eventually(
      async () => {
        const rows = await waiterRows(stack, provision.executionArn);
        return rows.length > 0 ? rows : undefined;
      },
      { what: 'the provision wait to be armed' },
    );
    expect(armed).toEqual([expect.objectContaining({ job: `workflow_job:${job.id}` })]);

    expect((await stack.sfn.settled(provision.executionArn)).status).toBe('SUCCEEDED');
    expect((await cluster.get('vm-workflow'))?.status?.phase).toBe('Running');
    const ended = aapJobsFor(stack, 'vm-workflow').provision[0];
    if (ended === undefined) throw new Error('the provision workflow job went missing');
    expect(ended.status).toBe('successful');
    expect(waitRuns(stack, provision.executionArn)).toEqual([
      expect.objectContaining({ state: 'WaitForProvisionJobToEnd', end: 'TaskTimedOut' }),
      expect.objectContaining({ state: 'WaitForProvisionJobToEnd', end: 'TaskSucceeded', output: { notified: true } }),
    ]);
    expect(await notificationsSentFor(stack, ended)).toEqual([expect.objectContaining({ status: 'successful' })]);
    // Read from workflow_jobs/<id>/ right after the notification; generous bound (tests are not benchmarks).
    expect(detectionLagSeconds(stack, ended)).toBeLessThan(30);
    expect(await waiterRows(stack, provision.executionArn)).toEqual([]);

    await cluster.delete('vm-workflow');
    const current = await cluster.get('vm-workflow');
    if (current === undefined) throw new Error('vm-workflow went without its finalizer');
    const deprovision = await startDeprovision(stack, sfnClient(stack), current);
    expect((await stack.sfn.settled(deprovision.executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-workflow');
    const deleteJob = aapJobsFor(stack, 'vm-workflow').deprovision[0];
    expect(deleteJob).toMatchObject({ type: 'workflow_job', status: 'successful' });
    expect(waitRuns(stack, deprovision.executionArn)).toEqual([
      expect.objectContaining({
        state: 'WaitForDeprovisionJobToEnd',
        end: 'TaskSucceeded',
        output: { notified: true },
      }),
    ]);
    const outcome = deletionInvariants(stack, 'vm-workflow');
    expect(outcome).toMatchObject({ provisionJobs: 1, deprovisionJobs: 1, provisionEndedFirst: true, vmsLeft: 0 });
    expect(outcome.violations).toEqual([]);
    expect(await waiterRows(stack)).toEqual([]);
  }, 45_000);
});
