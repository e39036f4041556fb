import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, getJob, type JobBody, launchJob, startFastSimulator, waitFor, waitForJobStatus } from './helpers';

const TERMINAL = ['successful', 'failed', 'error', 'canceled'];
/** Node timers may fire up to ~1 ms before their nominal delay as measured by Date.now. */
const TIMER_SLACK_MS = 2;

describe('AAP simulator: job lifecycle', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
    sim.addTemplate({ name: 'paced', durations: { pending: 10, waiting: 10, running: 20, eventProcessing: 50 } });
    sim.addTemplate({
      name: 'ends-failed',
      outcome: 'failed',
      traceback: 'task failed',
      durations: { pending: 0, waiting: 0, running: 1 },
    });
    sim.addTemplate({ name: 'ends-error', outcome: 'error', durations: { pending: 0, waiting: 0, running: 1 } });
    sim.addTemplate({ name: 'ends-ok', durations: { pending: 0, waiting: 0, running: 1, eventProcessing: 0 } });
    sim.addTemplate({ name: 'long-running', durations: { pending: 0, waiting: 0, running: 1000 } });
    sim.addTemplate({ name: 'long-pending', durations: { pending: 1000 } });
    sim.addTemplate({ name: 'short-pending', durations: { pending: 30, waiting: 0, running: 1 } });
    sim.addTemplate({ name: 'long-waiting', durations: { pending: 0, waiting: 1000 } });
    sim.addTemplate({ name: 'long-workflow', kind: 'workflow', durations: { pending: 0, waiting: 0, running: 1000 } });
  });
  afterAll(() => sim.close());
  afterEach(() => {
    sim.setFaults({});
  });

  it('walks pending → waiting → running → successful and never ends before its scaled duration', async () => {
    const launchedAt = Date.now();
    const id = await launchJob(sim, 'paced');
    const polled: string[] = [];
    const terminal = await waitFor(
      async () => {
        const job = await getJob(sim, id);
        if (polled.at(-1) !== job.status) polled.push(job.status);
        return job;
      },
      (job) => TERMINAL.includes(job.status),
      { intervalMs: 2 },
    );
    const observedTerminalAt = Date.now();
    // The world's own record is exact; what the API showed a poller must follow the same order.
    const transitions = sim.world.jobs().find((job) => job.id === id)?.transitions ?? [];
    expect(transitions.map((t) => t.status)).toEqual(['pending', 'waiting', 'running', 'successful']);
    expect(polled[0]).toBe('pending');
    expect(polled.at(-1)).toBe('successful');
    const order = polled.map((status) => transitions.findIndex((t) => t.status === status));
    expect(order).not.toContain(-1);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // Each phase lasts its scaled duration (10, 10, 20 s at timeScale 0.01): 100, 100, 200 ms.
    const gaps = transitions.slice(1).map((t, i) => t.time - (transitions[i]?.time ?? 0));
    [100, 100, 200].forEach((minimum, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(minimum - TIMER_SLACK_MS);
    });
    expect(observedTerminalAt - launchedAt).toBeGreaterThanOrEqual(400 - TIMER_SLACK_MS);
    const started = Date.parse(terminal.started ?? '');
    const finished = Date.parse(terminal.finished ?? '');
    expect(finished - started).toBeGreaterThanOrEqual(200 - TIMER_SLACK_MS);
    // Scaled, not real time: the 20 s run takes a fraction of a second (generous bound, not a benchmark).
    expect(terminal.elapsed).toBeLessThan(5);
    expect(terminal.elapsed).toBeCloseTo((finished - started) / 1000, 3);
    expect(terminal).toMatchObject({ failed: false, job_explanation: '', result_traceback: '' });
  });

  it('reports a live elapsed while running, started set and finished null', async () => {
    const id = await launchJob(sim, 'long-running');
    const first = await waitForJobStatus(sim, id, ['running']);
    const later = await waitFor(
      () => getJob(sim, id),
      (job) => job.elapsed > first.elapsed,
    );
    expect(later).toMatchObject({ status: 'running', finished: null, failed: false });
    expect(later.started).toEqual(first.started);
  });

  it('stores job events after the terminal status: event_processing_finished and host counts lag', async () => {
    const id = await launchJob(sim, 'paced');
    const terminal = await waitForJobStatus(sim, id, TERMINAL);
    expect(terminal).toMatchObject({ event_processing_finished: false, host_status_counts: null });
    const processed = await waitFor(
      () => getJob(sim, id),
      (job) => job.event_processing_finished,
    );
    expect(processed.host_status_counts).toEqual({ ok: 1 });
  });

  it.each([
    ['ends-ok', { status: 'successful', failed: false, job_explanation: '', result_traceback: '' }],
    ['ends-failed', { status: 'failed', failed: true, job_explanation: '', result_traceback: 'task failed' }],
    [
      'ends-error',
      {
        status: 'error',
        failed: true,
        job_explanation: 'Job terminated due to error',
        result_traceback: expect.stringContaining('Traceback (most recent call last)'),
      },
    ],
  ])('ends a %s job as its template says', async (template, expected) => {
    const id = await launchJob(sim, template);
    const job = await waitForJobStatus(sim, id, TERMINAL);
    expect(job).toMatchObject(expected);
    expect(job.started).not.toBeNull();
    expect(job.finished).not.toBeNull();
  });

  it('cancels a running job asynchronously: 202 now, still running, canceled after the delay, 405 afterwards', async () => {
    sim.setFaults({ cancelDelaySeconds: 50 }); // 500 ms scaled
    const id = await launchJob(sim, 'long-running');
    await waitForJobStatus(sim, id, ['running']);
    expect((await call(sim, `/api/v2/jobs/${id}/cancel/`)).json).toEqual(
      readAapFixture('job_cancel_get_cancelable.json'),
    );

    const requestedAt = Date.now();
    const accepted = await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST', body: {} });
    expect(accepted.status).toBe(202);
    expect(accepted.text).toBe('');
    const right = await getJob(sim, id);
    expect(right.status).toBe('running');
    expect(right.canceled_on).not.toBeNull();

    const again = await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' });
    expect(again.status).toBe(202);

    const canceled = await waitForJobStatus(sim, id, TERMINAL);
    expect(Date.now() - requestedAt).toBeGreaterThanOrEqual(500 - TIMER_SLACK_MS);
    expect(canceled).toMatchObject({ status: 'canceled', failed: true, job_explanation: '' });
    expect(canceled.started).not.toBeNull();
    expect(canceled.canceled_on).toBe(right.canceled_on);

    const late = await call(sim, `/api/controller/v2/jobs/${id}/cancel/`, { method: 'POST' });
    expect(late.status).toBe(405);
    expect(late.json).toEqual(readAapFixture('job_cancel_post_405.json'));
    expect((await call(sim, `/api/v2/jobs/${id}/cancel/`)).json).toEqual(
      readAapFixture('job_cancel_get_not_cancelable.json'),
    );
  });

  it.each([
    ['pending', 'long-pending'],
    ['waiting', 'long-waiting'],
  ])('cancels a %s job inside the POST: canceled at once, never started', async (status, template) => {
    const id = await launchJob(sim, template);
    await waitForJobStatus(sim, id, [status]);
    const reply = await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' });
    expect(reply.status).toBe(202);
    const job = await getJob(sim, id);
    const fixture = readAapFixture<JobBody>('job_detail_canceled_before_start.json');
    const fields = ['status', 'failed', 'started', 'elapsed', 'job_explanation', 'event_processing_finished'] as const;
    for (const field of fields) expect(job[field]).toEqual(fixture[field]);
    expect(job.host_status_counts).toBeNull();
    expect(job.execution_node).toBe('');
    expect(job.finished).not.toBeNull();
    expect(Date.parse(job.finished ?? '')).toBeGreaterThanOrEqual(Date.parse(job.canceled_on ?? ''));
    const transitions = sim.world
      .jobs()
      .find((j) => j.id === id)
      ?.transitions.map((t) => t.status);
    expect(transitions).toEqual(status === 'waiting' ? ['pending', 'waiting', 'canceled'] : ['pending', 'canceled']);
  });

  it('keeps a canceled-before-start job from ever running later', async () => {
    const id = await launchJob(sim, 'short-pending');
    await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' });
    // A later job of the same template finishing shows the canceled one's timers had their chance to fire.
    const later = await launchJob(sim, 'short-pending');
    await waitForJobStatus(sim, later, ['successful']);
    expect((await getJob(sim, id)).status).toBe('canceled');
    expect((await getJob(sim, id)).started).toBeNull();
  });

  it('cancels a workflow job only after the cancel delay, like its node jobs', async () => {
    sim.setFaults({ cancelDelaySeconds: 10 });
    const templates = await call<{ results: Array<{ id: number }> }>(
      sim,
      '/api/v2/workflow_job_templates/?name=long-workflow',
    );
    const launched = await call<{ workflow_job: number }>(
      sim,
      `/api/v2/workflow_job_templates/${templates.json.results[0]?.id}/launch/`,
      { body: {} },
    );
    const id = launched.json.workflow_job;
    const path = `/api/v2/workflow_jobs/${id}/`;
    const seen = await waitFor(
      () => call<JobBody>(sim, path).then((reply) => reply.json),
      (job) => job.status === 'running',
    );
    expect(seen.status).toBe('running');
    expect((await call(sim, `${path}cancel/`, { method: 'POST' })).status).toBe(202);
    expect((await call<JobBody>(sim, path)).json.status).toBe('running');
    const canceled = await waitFor(
      () => call<JobBody>(sim, path).then((reply) => reply.json),
      (job) => job.status === 'canceled',
    );
    expect(canceled.failed).toBe(true);
  });
});

describe('AAP simulator: cancel as a non-superuser', () => {
  let sim: AapSimulator;
  beforeAll(async () => {
    sim = await startFastSimulator({ superuser: false });
    sim.addTemplate({ name: 'quick', durations: { pending: 0, waiting: 0, running: 1 } });
  });
  afterAll(() => sim.close());

  it('refuses a cancel of a finished job with 403 instead of 405', async () => {
    const id = await launchJob(sim, 'quick');
    await waitForJobStatus(sim, id, TERMINAL);
    const reply = await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' });
    expect(reply.status).toBe(403);
    expect(reply.json).toEqual(readAapFixture('error_403_permission_denied.json'));
  });
});
