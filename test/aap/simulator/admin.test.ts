import type { AapSimulator, JobView, RequestLogEntry } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, computeInstanceVars, launchJob, startFastSimulator, templateId, waitForJobStatus } from './helpers';

const admin = (sim: AapSimulator, path: string, options: Parameters<typeof call>[2] = {}) =>
  call(sim, path, { token: null, ...options });

describe('AAP simulator: admin endpoints', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
  });
  beforeEach(() => sim.reset());
  afterAll(() => sim.close());

  it('adds a template over HTTP and refuses an invalid or duplicate one with a message naming the problem', async () => {
    const created = await admin(sim, '/_sim/templates', { body: { name: 'extra', kind: 'workflow' } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'extra', kind: 'workflow', organization: { id: 1, name: 'Default' } });
    expect(await templateId(sim, 'extra', 'workflow')).toBe((created.json as { id: number }).id);

    const invalid = await admin(sim, '/_sim/templates', { body: { name: 'bad', durations: { running: -1 } } });
    expect(invalid.status).toBe(400);
    expect((invalid.json as { detail: string }).detail).toMatch(/durations\.running/);

    const duplicate = await admin(sim, '/_sim/templates', { body: { name: 'extra', kind: 'workflow' } });
    expect(duplicate.status).toBe(400);
    expect((duplicate.json as { detail: string }).detail).toMatch(/already exists/);

    const notJson = await admin(sim, '/_sim/templates', { rawBody: '{nope', contentType: 'application/json' });
    expect(notJson.status).toBe(400);
  });

  it('sets, shows and validates faults over HTTP', async () => {
    const set = await admin(sim, '/_sim/faults', { method: 'PUT', body: { latencyMs: 5, cancelDelaySeconds: 3 } });
    expect(set.status).toBe(200);
    expect((await admin(sim, '/_sim/faults')).json).toEqual({ latencyMs: 5, cancelDelaySeconds: 3 });
    expect(sim.faults()).toEqual({ latencyMs: 5, cancelDelaySeconds: 3 });

    const invalid = await admin(sim, '/_sim/faults', { method: 'PUT', body: { dropRate: 'often' } });
    expect(invalid.status).toBe(400);
    expect((invalid.json as { detail: string }).detail).toMatch(/dropRate/);
    expect(sim.faults()).toEqual({ latencyMs: 5, cancelDelaySeconds: 3 });
  });

  it('logs API requests (not admin ones) for benchmarks, and clears the log', async () => {
    await call(sim, '/api/v2/job_templates/?name=osac-create-compute-instance');
    await call(sim, '/api/controller/v2/jobs/');
    await admin(sim, '/_sim/vms');
    const { json } = await admin(sim, '/_sim/requests');
    const log = json as RequestLogEntry[];
    expect(log.map(({ method, path, query, status }) => ({ method, path, query, status }))).toEqual([
      { method: 'GET', path: '/api/v2/job_templates/', query: '?name=osac-create-compute-instance', status: 200 },
      { method: 'GET', path: '/api/controller/v2/jobs/', query: '', status: 200 },
    ]);
    expect(log.every((entry) => typeof entry.time === 'number')).toBe(true);
    expect(sim.requestLog()).toEqual(log);

    expect((await admin(sim, '/_sim/requests', { method: 'DELETE' })).status).toBe(204);
    expect(sim.requestLog()).toEqual([]);
    await call(sim, '/api/v2/jobs/');
    sim.clearRequestLog();
    expect(sim.requestLog()).toEqual([]);
  });

  it('purges a job: every path under it answers 404, lists leave it out, the world still knows it', async () => {
    const id = await launchJob(sim, 'osac-create-compute-instance', computeInstanceVars('ns', 'purged'));
    await waitForJobStatus(sim, id, ['successful']);
    expect((await admin(sim, `/_sim/jobs/${id}/purge`, { method: 'POST' })).status).toBe(204);
    for (const path of [`/api/v2/jobs/${id}/`, `/api/v2/jobs/${id}/cancel/`]) {
      const reply = await call(sim, path);
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual(readAapFixture('error_404_not_found_drf315.json'));
    }
    expect((await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' })).status).toBe(404);
    expect((await call<{ count: number }>(sim, `/api/v2/jobs/?id=${id}`)).json.count).toBe(0);
    expect(sim.world.jobs().find((job) => job.id === id)?.purged).toBe(true);
    expect((await admin(sim, `/_sim/jobs/${id}/purge`, { method: 'POST' })).status).toBe(404);
  });

  it('resets to the initial state: default templates, no jobs, VMs, faults or log', async () => {
    sim.addTemplate({ name: 'temporary' });
    const id = await launchJob(sim, 'osac-create-compute-instance', computeInstanceVars('ns', 'reset-me'));
    await waitForJobStatus(sim, id, ['successful']);
    sim.setFaults({ latencyMs: 1 });
    expect(sim.world.vms()).toHaveLength(1);

    expect((await admin(sim, '/_sim/reset', { method: 'POST' })).status).toBe(204);
    expect(sim.world.vms()).toEqual([]);
    expect(sim.world.jobs()).toEqual([]);
    expect(sim.world.violations()).toEqual([]);
    expect(sim.faults()).toEqual({});
    expect((await call(sim, `/api/v2/jobs/${id}/`)).status).toBe(404);
    expect((await call<{ count: number }>(sim, '/api/v2/job_templates/?name=temporary')).json.count).toBe(0);
    expect(await templateId(sim, 'osac-create-compute-instance')).toBe(1);
    // Job ids keep counting after a reset, so an id from before can never name a new job.
    expect(await launchJob(sim, 'osac-delete-compute-instance')).toBeGreaterThan(id);
  });

  it('lists the simulator view of jobs', async () => {
    const id = await launchJob(sim, 'osac-create-compute-instance', computeInstanceVars('ns', 'listed', 'uid-9'));
    const { json } = await admin(sim, '/_sim/jobs');
    expect(json as JobView[]).toEqual([
      expect.objectContaining({
        id,
        type: 'job',
        templateName: 'osac-create-compute-instance',
        effect: 'create-vm',
        vmKey: 'ns/listed',
        uid: 'uid-9',
        purged: false,
      }),
    ]);
  });

  it.each([
    ['GET', '/_sim/nothing'],
    ['POST', '/_sim/vms'],
  ])('answers %s %s with 404 naming the request', async (method, path) => {
    const reply = await admin(sim, path, { method });
    expect(reply.status).toBe(404);
    expect((reply.json as { detail: string }).detail).toContain(`${method} ${path}`);
  });
});
