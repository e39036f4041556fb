import { type AapSimulator, RUNNING_SECONDS_ANNOTATION } from '../../../local/aap-simulator';
import { planLaunch } from '../../../local/aap-simulator/launch-plan';
import { buildTemplate } from '../../../local/aap-simulator/templates';
import { computeInstanceVars, launchJob, startFastSimulator, waitFor } from './helpers';

/** Node timers may fire up to ~1 ms before their nominal delay as measured by Date.now. */
const TIMER_SLACK_MS = 2;

/** The extra_vars of a ComputeInstance launch whose object carries `annotations`. */
function annotatedVars(name: string, annotations: Record<string, unknown> | undefined) {
  const vars = computeInstanceVars('osac-computeinstance', name);
  if (annotations !== undefined) Object.assign(vars.ansible_eda.event.payload.metadata, { annotations });
  return vars;
}

describe('AAP simulator: a job running as long as its object asks', () => {
  const template = buildTemplate(
    { name: 'create', effect: 'create-vm', durations: { running: 20 } },
    1,
    0,
    'ansible_eda',
  );
  const silentTemplate = buildTemplate(
    { name: 'no-prompt', askVariablesOnLaunch: false, durations: { running: 20 } },
    2,
    0,
    'ansible_eda',
  );

  it.each([
    ['a whole number of seconds', { [RUNNING_SECONDS_ANNOTATION]: '600' }, 600],
    ['a decimal number of seconds', { [RUNNING_SECONDS_ANNOTATION]: '2.5' }, 2.5],
    ['zero: done as soon as it runs', { [RUNNING_SECONDS_ANNOTATION]: '0' }, 0],
    ['no annotations at all', undefined, 20],
    ['other annotations only', { 'osac.openshift.io/tenant': 'tenant-acme' }, 20],
    ['a negative number', { [RUNNING_SECONDS_ANNOTATION]: '-5' }, 20],
    ['words', { [RUNNING_SECONDS_ANNOTATION]: 'ten' }, 20],
    ['a number with a unit', { [RUNNING_SECONDS_ANNOTATION]: '30s' }, 20],
    ['an empty string', { [RUNNING_SECONDS_ANNOTATION]: '' }, 20],
    ['a JSON number instead of a string', { [RUNNING_SECONDS_ANNOTATION]: 30 }, 20],
    ['more than setTimeout can hold at scale 1', { [RUNNING_SECONDS_ANNOTATION]: '99999999' }, 20],
  ])('plans %s as %p s of running', (_case, annotations, expected) => {
    const plan = planLaunch(template, { extra_vars: annotatedVars('vm-1', annotations) });
    expect(plan).toMatchObject({ ok: true, runningSeconds: expected });
  });

  it('ignores the annotation when the template drops the launch variables, as it drops everything else in them', () => {
    const plan = planLaunch(silentTemplate, {
      extra_vars: annotatedVars('vm-1', { [RUNNING_SECONDS_ANNOTATION]: '1' }),
    });
    expect(plan).toMatchObject({ ok: true, runningSeconds: 20, ignoredFields: { extra_vars: expect.any(Object) } });
  });

  describe('over HTTP', () => {
    let sim: AapSimulator;

    beforeAll(async () => {
      // A long template: any job that ends quickly did so because its own annotation said so.
      sim = await startFastSimulator({
        templates: [{ name: 'create', effect: 'create-vm', durations: { pending: 0, waiting: 0, running: 100_000 } }],
      });
    });
    afterAll(() => sim.close());

    it('runs jobs of different lengths side by side from one template, each for its own duration', async () => {
      const short = await launchJob(sim, 'create', annotatedVars('vm-short', { [RUNNING_SECONDS_ANNOTATION]: '5' }));
      const longer = await launchJob(sim, 'create', annotatedVars('vm-long', { [RUNNING_SECONDS_ANNOTATION]: '20' }));
      const unannotated = await launchJob(sim, 'create', annotatedVars('vm-plain', undefined));
      const views = await waitFor(
        () => sim.world.jobs(),
        (jobs) => jobs.filter((job) => job.finishedAt !== null).length >= 2,
      );
      const byId = new Map(views.map((job) => [job.id, job]));
      const runningMs = (id: number) => {
        const job = byId.get(id);
        return (job?.finishedAt ?? Number.NaN) - (job?.startedAt ?? Number.NaN);
      };
      // At timeScale 0.01: 5 s → 50 ms and 20 s → 200 ms of running; the template's 100,000 s are far away.
      expect(byId.get(short)?.status).toBe('successful');
      expect(byId.get(longer)?.status).toBe('successful');
      expect(runningMs(short)).toBeGreaterThanOrEqual(50 - TIMER_SLACK_MS);
      expect(runningMs(longer)).toBeGreaterThanOrEqual(200 - TIMER_SLACK_MS);
      expect(byId.get(short)?.finishedAt).toBeLessThanOrEqual(byId.get(longer)?.finishedAt ?? 0);
      expect(byId.get(unannotated)).toMatchObject({ status: 'running', finishedAt: null });
    });
  });
});
