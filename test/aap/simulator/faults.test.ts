import type { AapSimulator } from '../../../local/aap-simulator';
import { call, getJob, launchJob, startFastSimulator, templateId, waitFor, waitForJobStatus } from './helpers';

const TERMINAL = ['successful', 'failed', 'error', 'canceled'];

describe('AAP simulator: fault injection', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
  });
  beforeEach(() => {
    sim.reset();
    sim.addTemplate({ name: 'steady', durations: { pending: 0, waiting: 0, running: 30 } });
    sim.addTemplate({ name: 'steady-twin', durations: { pending: 0, waiting: 0, running: 30 } });
  });
  afterAll(() => sim.close());

  async function statuses(count: number, path = '/api/v2/job_templates/'): Promise<number[]> {
    const seen: number[] = [];
    for (let i = 0; i < count; i += 1) seen.push((await call(sim, path)).status);
    return seen;
  }

  it.each([
    [500, 'application/json', '{"detail":"A server error has occurred."}'],
    [502, 'text/html', expect.stringContaining('<h1>502 Bad Gateway</h1>')],
    [503, 'text/plain', 'no healthy upstream'],
    [504, 'text/plain', 'upstream request timeout'],
  ] as const)('answers %s with the body a controller or its proxy sends (errorRate 1)', async (status, type, body) => {
    sim.setFaults({ errorRate: 1, errorStatuses: [status] });
    const reply = await call(sim, '/api/v2/jobs/');
    expect(reply.status).toBe(status);
    expect(reply.headers.get('content-type')).toBe(type);
    expect(reply.text).toEqual(body);
  });

  it('fails before the controller: a launch answered 5xx starts no job', async () => {
    const id = await templateId(sim, 'steady');
    sim.setFaults({ errorRate: 1 });
    const reply = await call(sim, `/api/v2/job_templates/${id}/launch/`, { body: {} });
    expect([500, 502, 503]).toContain(reply.status);
    expect(sim.world.jobs()).toEqual([]);
  });

  it('fails a share of requests, the same ones again for the same seed', async () => {
    sim.setFaults({ errorRate: 0.5, seed: 42 });
    const first = await statuses(30);
    sim.setFaults({ errorRate: 0.5, seed: 42 });
    const second = await statuses(30);
    expect(second).toEqual(first);
    expect(first).toContain(200);
    expect(first.some((status) => status >= 500)).toBe(true);
  });

  it('answers every Nth request 429 with Retry-After (rateLimit.everyNth)', async () => {
    sim.setFaults({ rateLimit: { everyNth: 3, retryAfterSeconds: 7 } });
    expect(await statuses(6)).toEqual([200, 200, 429, 200, 200, 429]);
    sim.setFaults({ rateLimit: { everyNth: 1, retryAfterSeconds: 7 } });
    const limited = await call(sim, '/api/v2/jobs/');
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.text).toBe('local_rate_limited');
  });

  it('never applies faults to the /_sim admin endpoints', async () => {
    sim.setFaults({ errorRate: 1, dropRate: 1, rateLimit: { everyNth: 1 } });
    const reply = await call(sim, '/_sim/vms', { token: null });
    expect(reply.status).toBe(200);
  });

  it('delays API responses by latencyMs', async () => {
    sim.setFaults({ latencyMs: 150 });
    const startedAt = Date.now();
    const reply = await call(sim, '/api/v2/jobs/');
    expect(reply.status).toBe(200);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(150);
  });

  it('drops the connection without an answer (dropRate 1) and logs no status', async () => {
    sim.setFaults({ dropRate: 1 });
    await expect(call(sim, '/api/v2/jobs/')).rejects.toThrow();
    expect(sim.requestLog().at(-1)).toMatchObject({ method: 'GET', path: '/api/v2/jobs/', status: null });
  });

  it('black hole: accepts the connection, never answers, does nothing, until the client gives up', async () => {
    const id = await templateId(sim, 'steady');
    sim.setFaults({ blackHole: true });
    const startedAt = Date.now();
    const launch = fetch(`${sim.url}/api/v2/job_templates/${id}/launch/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sim.token}`, 'Content-Type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(300),
    });
    // Only the client's own timeout ends the request: no answer, no reset, and the launch never happened.
    await expect(launch).rejects.toThrow(/timeout|aborted/i);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(290);
    expect(sim.world.jobs()).toEqual([]);
    expect(sim.requestLog().at(-1)).toMatchObject({ method: 'POST', status: null });
    // Not the admin API, and not once it is cleared.
    expect((await call(sim, '/_sim/vms', { token: null })).status).toBe(200);
    sim.setFaults({});
    expect((await call(sim, '/api/v2/jobs/')).status).toBe(200);
  });

  it('loses the 201 of a launch that did happen (dropMode after-handling)', async () => {
    const id = await templateId(sim, 'steady');
    sim.setFaults({ dropRate: 1, dropMode: 'after-handling' });
    await expect(call(sim, `/api/v2/job_templates/${id}/launch/`, { body: {} })).rejects.toThrow();
    expect(sim.world.jobs().map((job) => job.templateName)).toEqual(['steady']);
  });

  it.each([
    ['templateName', (_id: number) => ({ templateName: 'steady' })],
    ['jobId', (id: number) => ({ jobId: id })],
    ['jobIds', (id: number) => ({ jobIds: [id + 100, id] })],
  ])('holds a job in running while hangJobs.%s matches it, then lets it finish', async (_case, hangJobs) => {
    const hung = await launchJob(sim, 'steady');
    sim.setFaults({ hangJobs: hangJobs(hung) });
    const twin = await launchJob(sim, 'steady-twin');
    await waitForJobStatus(sim, twin, ['successful']);
    await waitFor(
      () => sim.world.jobs().find((job) => job.id === hung),
      (job) => job?.held === true,
    );
    expect((await getJob(sim, hung)).status).toBe('running');
    sim.setFaults({});
    expect((await waitForJobStatus(sim, hung, TERMINAL)).status).toBe('successful');
  });

  it('holds a hung job in running even after a cancel, until the hang is cleared', async () => {
    sim.setFaults({ hangJobs: { templateName: 'steady' }, cancelDelaySeconds: 0 });
    const hung = await launchJob(sim, 'steady');
    await waitForJobStatus(sim, hung, ['running']);
    expect((await call(sim, `/api/v2/jobs/${hung}/cancel/`, { method: 'POST' })).status).toBe(202);
    await waitFor(
      () => sim.world.jobs().find((job) => job.id === hung),
      (job) => job?.held === true,
    );
    expect((await getJob(sim, hung)).status).toBe('running');
    sim.setFaults({});
    expect((await waitForJobStatus(sim, hung, TERMINAL)).status).toBe('canceled');
  });

  it('fails the next job of a template with the given traceback (failNext), once', async () => {
    sim.setFaults({ failNext: { templateName: 'steady', traceback: 'boom\n', explanation: 'injected' } });
    const unrelated = await launchJob(sim, 'steady-twin');
    const failing = await launchJob(sim, 'steady');
    expect(sim.faults().failNext).toBeUndefined();
    const following = await launchJob(sim, 'steady');
    const failed = await waitForJobStatus(sim, failing, TERMINAL);
    expect(failed).toMatchObject({
      status: 'failed',
      failed: true,
      result_traceback: 'boom\n',
      job_explanation: 'injected',
    });
    expect((await waitForJobStatus(sim, following, TERMINAL)).status).toBe('successful');
    expect((await waitForJobStatus(sim, unrelated, TERMINAL)).status).toBe('successful');
  });

  it('refuses invalid fault settings, naming the field', () => {
    expect(() => sim.setFaults({ errorRate: 2 })).toThrow(/errorRate/);
    expect(() => sim.setFaults({ rateLimit: { retryAfterSeconds: 1 } })).toThrow(/exactly one of everyNth or rate/);
    expect(() => sim.setFaults({ hangJobs: {} })).toThrow(/exactly one of templateName, jobId or jobIds/);
    expect(() => sim.setFaults({ errorRat: 1 } as never)).toThrow(/errorRat/);
  });
});

describe('AAP simulator: rate limit per second of the simulator clock', () => {
  let sim: AapSimulator;
  let clock = Date.parse('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    sim = await startFastSimulator({ now: () => clock });
  });
  afterAll(() => sim.close());

  it('lets `rate` requests through per second and answers the rest 429', async () => {
    sim.setFaults({ rateLimit: { rate: 2, retryAfterSeconds: 1 } });
    const seen: number[] = [];
    for (let i = 0; i < 3; i += 1) seen.push((await call(sim, '/api/v2/jobs/')).status);
    clock += 1000;
    seen.push((await call(sim, '/api/v2/jobs/')).status);
    expect(seen).toEqual([200, 200, 429, 200]);
  });
});
