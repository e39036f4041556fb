import type { AapSimulator } from '../../../local/aap-simulator';
import { call, launchJob, startFastSimulator, templateId } from './helpers';

/**
 * The job list filters a launch search relies on (`job_template`, `workflow_job_template`, `created__*`,
 * `order_by`), on jobs whose `created` is set by a clock the test moves. One job is launched with the clock set
 * back, so ordering by `created` and by `id` differ.
 */
const T0 = Date.parse('2026-03-20T10:00:00Z');
const iso = (offsetMs: number) => new Date(T0 + offsetMs).toISOString();

interface Envelope {
  count: number;
  results: Array<{ id: number; created: string; job_template?: number; workflow_job_template?: number }>;
}

describe('AAP simulator: job list filters by template and creation time', () => {
  let sim: AapSimulator;
  let clock = T0;
  /** Jobs by name: a0 (alpha, T0), b1 (bravo, T0+1s), a2 (alpha, T0+2.25s), a3 (alpha, T0+0.5s, launched last). */
  const job: Record<string, number> = {};
  /** Workflow jobs: w1 (T0+1s), w3 (T0+3s). */
  const workflowJob: Record<string, number> = {};
  let alphaId = 0;
  let bravoId = 0;
  let flowId = 0;

  async function launchWorkflowAt(offsetMs: number): Promise<number> {
    clock = T0 + offsetMs;
    const reply = await call<{ workflow_job: number }>(sim, `/api/v2/workflow_job_templates/${flowId}/launch/`, {
      body: {},
    });
    return reply.json.workflow_job;
  }

  async function launchAt(template: string, offsetMs: number): Promise<number> {
    clock = T0 + offsetMs;
    return launchJob(sim, template);
  }

  beforeAll(async () => {
    sim = await startFastSimulator({
      now: () => clock,
      templates: [
        // Pending for the whole suite: nothing moves while the lists are read.
        { name: 'alpha', durations: { pending: 1000 } },
        { name: 'bravo', durations: { pending: 1000 } },
        { name: 'flow', kind: 'workflow', durations: { pending: 1000 } },
      ],
    });
    alphaId = await templateId(sim, 'alpha');
    bravoId = await templateId(sim, 'bravo');
    flowId = await templateId(sim, 'flow', 'workflow');
    job.a0 = await launchAt('alpha', 0);
    job.b1 = await launchAt('bravo', 1000);
    job.a2 = await launchAt('alpha', 2250);
    job.a3 = await launchAt('alpha', 500);
    workflowJob.w1 = await launchWorkflowAt(1000);
    workflowJob.w3 = await launchWorkflowAt(3000);
  });
  afterAll(() => sim.close());

  const names = (ids: Record<string, number>, reply: { json: Envelope }) => {
    const byId = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
    return reply.json.results.map((item) => byId.get(item.id) ?? `unexpected ${item.id}`);
  };

  it('writes created as AWX does: UTC, microseconds, no fraction when it is zero', async () => {
    const reply = await call<Envelope>(sim, `/api/v2/jobs/?id__in=${job.a0},${job.a2}`);
    expect(reply.json.results.map((item) => item.created)).toEqual([
      '2026-03-20T10:00:00Z',
      '2026-03-20T10:00:02.250000Z',
    ]);
    const detail = await call<{ created: string }>(sim, `/api/v2/jobs/${job.a2}/`);
    expect(detail.json.created).toBe('2026-03-20T10:00:02.250000Z');
  });

  it.each([
    ['job_template (alpha)', () => `job_template=${alphaId}`, ['a0', 'a2', 'a3']],
    ['job_template (bravo)', () => `job_template=${bravoId}`, ['b1']],
    ['job_template__name', () => 'job_template__name=bravo', ['b1']],
    ['created__gte, inclusive', () => `created__gte=${iso(1000)}`, ['b1', 'a2']],
    ['created__gt, exclusive', () => `created__gt=${iso(1000)}`, ['a2']],
    ['created__lt', () => `created__lt=${iso(1000)}`, ['a0', 'a3']],
    ['job_template and created__gte together', () => `job_template=${alphaId}&created__gte=${iso(500)}`, ['a2', 'a3']],
    ['created__gte to the microsecond', () => 'created__gte=2026-03-20T10:00:02.250000Z', ['a2']],
    ['created__gte one microsecond later', () => 'created__gte=2026-03-20T10:00:02.250001Z', []],
    ['created__gte with an offset', () => 'created__gte=2026-03-20T11:00:01%2B01:00', ['b1', 'a2']],
    ['created__gte without an offset, read as UTC', () => 'created__gte=2026-03-20%2010:00:01', ['b1', 'a2']],
    ['created__gte with a date alone (its midnight)', () => 'created__gte=2026-03-20', ['a0', 'b1', 'a2', 'a3']],
    ['created__lt with a date alone', () => 'created__lt=2026-03-20', []],
    ['order_by=id', () => 'order_by=id', ['a0', 'b1', 'a2', 'a3']],
    ['order_by=-id', () => 'order_by=-id', ['a3', 'a2', 'b1', 'a0']],
    ['order_by=created', () => 'order_by=created', ['a0', 'a3', 'b1', 'a2']],
    ['order_by=-created', () => 'order_by=-created', ['a2', 'b1', 'a3', 'a0']],
  ])('filters jobs by %s', async (_case, query, expected) => {
    const reply = await call<Envelope>(sim, `/api/v2/jobs/?${query()}`);
    expect(reply.status).toBe(200);
    expect(names(job, reply)).toEqual(expected);
  });

  it.each([
    ['workflow_job_template', () => `workflow_job_template=${flowId}`, ['w1', 'w3']],
    ['workflow_job_template__name', () => 'workflow_job_template__name=flow', ['w1', 'w3']],
    ['created__gt', () => `created__gt=${iso(1000)}`, ['w3']],
    ['created__gte', () => `created__gte=${iso(1000)}`, ['w1', 'w3']],
    ['created__lt', () => `created__lt=${iso(3000)}`, ['w1']],
    ['order_by=-created', () => 'order_by=-created', ['w3', 'w1']],
    ['order_by=created', () => 'order_by=created', ['w1', 'w3']],
    ['order_by=-id', () => 'order_by=-id', ['w3', 'w1']],
    // A workflow job has a job_template only when it runs a sliced job template; the simulator has none.
    ['job_template, which only sliced jobs have', () => `job_template=${alphaId}`, []],
  ])('filters workflow jobs by %s', async (_case, query, expected) => {
    const reply = await call<Envelope>(sim, `/api/controller/v2/workflow_jobs/?${query()}`);
    expect(reply.status).toBe(200);
    expect(names(workflowJob, reply)).toEqual(expected);
  });

  it('keeps the workflow template id off the job list items and the job template id off workflow jobs', async () => {
    const jobs = await call<Envelope>(sim, `/api/v2/jobs/?id=${job.a0}`);
    const workflowJobs = await call<Envelope>(sim, `/api/v2/workflow_jobs/?id=${workflowJob.w1}`);
    expect(jobs.json.results[0]).toMatchObject({ job_template: alphaId });
    expect(jobs.json.results[0]).not.toHaveProperty('workflow_job_template');
    expect(workflowJobs.json.results[0]).toMatchObject({ workflow_job_template: flowId, job_template: null });
  });

  const invalidFormat = (value: string) =>
    `["“${value}” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."]`;
  it.each([
    ['a word', 'yesterday', invalidFormat('yesterday')],
    ['a date JavaScript would read but Django would not', 'Mar%2020%202026', invalidFormat('Mar 20 2026')],
    [
      'an offset whose + was not encoded (it arrives as a space)',
      '2026-03-20T11:00:01+01:00',
      invalidFormat('2026-03-20T11:00:01 01:00'),
    ],
    [
      'a day that does not exist',
      '2026-02-30T00:00:00Z',
      '["“2026-02-30T00:00:00Z” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an invalid date/time."]',
    ],
    [
      'a date alone that does not exist',
      '2026-02-30',
      '["“2026-02-30” value has the correct format (YYYY-MM-DD) but it is an invalid date."]',
    ],
  ])(
    'refuses %s in created__gte with the 400 Django gives (its messages as a JSON list)',
    async (_case, value, detail) => {
      const reply = await call(sim, `/api/v2/jobs/?created__gte=${value}`);
      expect(reply.status).toBe(400);
      expect(reply.json).toEqual({ detail });
    },
  );
});
