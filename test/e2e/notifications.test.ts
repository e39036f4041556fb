import { WAITER_EXPIRY_MARGIN_SECONDS } from '../../lib/notifications/arming';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, eventually, sfnClient, startProvision, waitForStatus } from './harness';
import {
  detectionLagSeconds,
  notificationsSentFor,
  postNotification,
  provisionJobOf,
  waiterRows,
  waitRuns,
} from './notification-support';

/**
 * AAP's job notifications end the provision workflow's wait, end to end: the AAP simulator sends the webhook the
 * way AWX does (configured as configure-aap does), the gateway's receiver resumes the execution from the job
 * waiters table (dynalite), and the fallback timeout still ends the wait when no notification comes.
 */
const JOB_SECONDS = 300;
const FALLBACK_SECONDS = 200;

const isRunning = (instance: { status?: { phase?: string } }) => instance.status?.phase === 'Running';

describe('job notifications end the provision wait', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    // A 300 s job at 1/100 speed (3 s of real time) and fallback waits of 200 s: the job ends in the middle of the
    // second wait, far (1 s of real time) from the poll between two waits, so which one ends the wait that sees the
    // end is not left to a race: the notification, or with it lost the timeout. (Were the end to fall in the poll
    // between two waits, the next arming's own read would see it: the last test below.)
    stack = await startLocalStack({
      notifications: true,
      timeScale: 0.01,
      env: { FALLBACK_POLL_MIN_SECONDS: String(FALLBACK_SECONDS) },
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 1, waiting: 1, running: JOB_SECONDS },
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

  it('resumes on the notification right after the job ends, leaving no waiter behind', async () => {
    const created = await cluster.create('vm-notified');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');

    const instance = await cluster.get('vm-notified');
    expect(instance?.status?.phase).toBe('Running');
    const job = provisionJobOf(stack, 'vm-notified');
    expect(job?.status).toBe('successful');
    if (job === undefined) return;

    // The wait the job ended in was resumed by the receiver ({notified: true}), not timed out; the one before it
    // was a fallback timeout while the job ran.
    const runs = waitRuns(stack, executionArn);
    expect(runs.at(-1)).toMatchObject({
      state: 'WaitForProvisionJobToEnd',
      end: 'TaskSucceeded',
      output: { notified: true },
    });
    expect(runs.filter((run) => run.end === 'TaskSucceeded')).toHaveLength(1);
    expect(runs.map((run) => run.end)).toEqual(['TaskTimedOut', 'TaskSucceeded']);
    expect(await notificationsSentFor(stack, job)).toEqual([expect.objectContaining({ status: 'successful' })]);

    // Measured on the shared 2-core machine: 3 to 10 virtual seconds (30-100 ms of real time at this scale: the
    // receiver, SendTaskSuccess and the poll's Lambda run). The bound is generous (tests are not benchmarks) but far
    // under the fallback's (about 100 s: the rest of the 200 s wait).
    const lag = detectionLagSeconds(stack, job);
    expect(lag).toBeDefined();
    expect(lag).toBeLessThan(30);

    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);

  it("ends the wait on a failed job's error notification too, and follows the relaunch the same way", async () => {
    stack.aap.setFaults({ failNext: { templateName: 'osac-create-compute-instance' } });
    const created = await cluster.create('vm-failed-once');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    expect((await cluster.get('vm-failed-once'))?.status?.phase).toBe('Running');

    const jobs = stack.aap.world.jobs().filter((job) => job.vmKey?.endsWith('/vm-failed-once'));
    expect(jobs.map((job) => job.status)).toEqual(['failed', 'successful']);
    for (const job of jobs) {
      expect(await notificationsSentFor(stack, job)).toEqual([expect.objectContaining({ status: 'successful' })]);
      expect(detectionLagSeconds(stack, job)).toBeLessThan(30);
    }
    // Each job's end was told by its notification (the failed one's `error`, then the relaunch's `success`).
    const resumed = waitRuns(stack, executionArn).filter((run) => run.end === 'TaskSucceeded');
    expect(resumed).toEqual([
      expect.objectContaining({ output: { notified: true } }),
      expect.objectContaining({ output: { notified: true } }),
    ]);
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);

  it('still reaches Running by the fallback timeouts when every notification is lost', async () => {
    stack.aap.setFaults({ notifications: { lostFraction: 1 } });
    const created = await cluster.create('vm-lost');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    expect((await cluster.get('vm-lost'))?.status?.phase).toBe('Running');

    const job = provisionJobOf(stack, 'vm-lost');
    if (job === undefined) throw new Error('no provision job for vm-lost');
    expect(await notificationsSentFor(stack, job)).toEqual([
      expect.objectContaining({ status: 'failed', error: 'lost (simulated)' }),
    ]);
    // Every wait ended by its timeout, and the poll after the last one saw the job's end.
    expect(waitRuns(stack, executionArn).map((run) => run.end)).toEqual(['TaskTimedOut', 'TaskTimedOut']);
    // Seen by the poll after the second wait's timeout (about 100 s after the end), within one fallback interval.
    expect(detectionLagSeconds(stack, job)).toBeLessThan(FALLBACK_SECONDS);

    // The last wait's waiter stays until its TTL (nobody disarms a wait that timed out): one row, expiring within
    // that wait's length plus the margin, and harmless: a notification arriving for it now finds its token gone.
    const [left, ...more] = await waiterRows(stack, executionArn);
    expect(more).toEqual([]);
    expect(left).toMatchObject({ job: `job:${job.id}` });
    const nowSeconds = stack.now().getTime() / 1000;
    expect(left?.expiresAt).toBeLessThanOrEqual(nowSeconds + FALLBACK_SECONDS + WAITER_EXPIRY_MARGIN_SECONDS);
    const late = await postNotification(stack, { id: job.id, type: 'job', status: 'successful' });
    expect(late).toEqual({ status: 200, body: { resumed: 0, gone: 1 } });
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);

  it('takes duplicated and delayed notifications without harm: one resume, the extra one answered 200', async () => {
    // Every send waits 10 s and is sent twice.
    stack.aap.setFaults({
      notifications: { lostFraction: 0, delaySeconds: { min: 10, max: 10 }, duplicateFraction: 1 },
    });
    const created = await cluster.create('vm-duplicated');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    expect((await cluster.get('vm-duplicated'))?.status?.phase).toBe('Running');

    const job = provisionJobOf(stack, 'vm-duplicated');
    if (job === undefined) throw new Error('no provision job for vm-duplicated');
    const runs = waitRuns(stack, executionArn);
    expect(runs.map((run) => run.end)).toEqual(['TaskTimedOut', 'TaskSucceeded']);
    expect(runs[1]?.output).toEqual({ notified: true });
    expect(await notificationsSentFor(stack, job)).toEqual([expect.objectContaining({ status: 'successful' })]);
    // The same notification once more, as the duplicate was: answered 200, nothing left to resume.
    const again = await postNotification(stack, { id: job.id, type: 'job', status: 'successful' });
    expect(again).toEqual({ status: 200, body: { resumed: 0, gone: 0 } });
    // One job, one VM, one settled execution: the duplicate started nothing.
    expect(stack.aap.world.jobs().filter((j) => j.vmKey === job.vmKey)).toHaveLength(1);
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);

  it('a notification later than the fallback poll is answered 200 and changes nothing', async () => {
    // Sent 200 s after the job's end: the fallback poll (about 100 s after it) sees the end long before.
    stack.aap.setFaults({
      notifications: {
        lostFraction: 0,
        delaySeconds: { min: FALLBACK_SECONDS, max: FALLBACK_SECONDS },
        duplicateFraction: 0,
      },
    });
    const created = await cluster.create('vm-late');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    const job = provisionJobOf(stack, 'vm-late');
    if (job === undefined) throw new Error('no provision job for vm-late');
    expect(waitRuns(stack, executionArn).map((run) => run.end)).toEqual(['TaskTimedOut', 'TaskTimedOut']);

    // The AAP simulator records a send as successful only for a 2xx answer.
    const [sent] = await eventually(
      async () => {
        const records = await notificationsSentFor(stack, job);
        return records.some((n) => n.status !== 'pending') ? records : undefined;
      },
      { what: 'the late notification to be delivered', timeoutMs: 15_000 },
    );
    expect(sent).toMatchObject({ status: 'successful' });
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    expect((await cluster.get('vm-late'))?.status?.phase).toBe('Running');
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);
});

describe('a job that ended before its waiter was stored', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    // Real time (scale 1), so the first fallback timeout is a real 5 s: a wait that ends sooner was not timed out.
    // Every notification is lost, so only the arming task's own read of the job can end the wait early.
    stack = await startLocalStack({
      notifications: true,
      timeScale: 1,
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 0, waiting: 0, running: 0, eventProcessing: 0 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is seen by the arming read at once, not at the fallback timeout', async () => {
    stack.aap.setFaults({ notifications: { lostFraction: 1 } });
    const created = await cluster.create('vm-instant');
    const started = Date.now();
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    await waitForStatus(cluster, 'vm-instant', isRunning, 'vm-instant to be Running', 10_000);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    // Well inside the first fallback interval (5 s).
    expect(Date.now() - started).toBeLessThan(4_000);

    const runs = waitRuns(stack, executionArn);
    // The arming task resumed its own token ({notified: false}): no notification came, no timeout either.
    expect(runs).toEqual([expect.objectContaining({ end: 'TaskSucceeded', output: { notified: false } })]);
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 30_000);
});
