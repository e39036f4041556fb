import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, getJob, sortedKeys, startFastSimulator, templateId, waitForJobStatus } from './helpers';

type Json = Record<string, unknown>;

const fixtureRequest = readAapFixture<{ extra_vars: Json }>('job_template_launch_request.json');

describe('AAP simulator: launching', () => {
  let sim: AapSimulator;
  let deployApp: number;
  let noPrompt: number;
  let pipeline: number;
  let strictPipeline: number;
  let withCredentials: number;

  beforeAll(async () => {
    sim = await startFastSimulator();
    // The fixture scenario's templates: deploy-app carries YAML extra_vars of its own.
    const templateVars = '---\nenvironment: production\n';
    deployApp = sim.addTemplate({ name: 'deploy-app', extraVars: templateVars, durations: { pending: 1000 } }).id;
    noPrompt = sim.addTemplate({ name: 'no-prompt', extraVars: templateVars, askVariablesOnLaunch: false }).id;
    pipeline = sim.addTemplate({ name: 'release-pipeline', kind: 'workflow', durations: { pending: 1000 } }).id;
    strictPipeline = sim.addTemplate({ name: 'strict-pipeline', kind: 'workflow', askVariablesOnLaunch: false }).id;
    withCredentials = sim.addTemplate({ name: 'per-cluster', askCredentialOnLaunch: true }).id;
  });
  afterAll(() => sim.close());

  const launchPath = (id: number) => `/api/v2/job_templates/${id}/launch/`;

  it('answers 201 with the job serializer fields of the fixture, pending, and a Location header', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp), { body: fixtureRequest });
    const fixture = readAapFixture<Json>('job_template_launch_201.json');
    expect(reply.status).toBe(201);
    expect(sortedKeys(reply.json)).toEqual(sortedKeys(fixture));
    expect(sortedKeys(reply.json.related)).toEqual(sortedKeys(fixture.related));
    expect(sortedKeys(reply.json.summary_fields)).toEqual(sortedKeys(fixture.summary_fields));
    expect(Object.keys(reply.json).slice(0, 2)).toEqual(['job', 'ignored_fields']);
    expect(reply.json).toMatchObject({
      job: reply.json.id,
      ignored_fields: {},
      type: 'job',
      status: 'pending',
      failed: false,
      started: null,
      finished: null,
      elapsed: 0,
      launch_type: 'manual',
      name: 'deploy-app',
    });
    expect(reply.headers.get('location')).toBe(`/api/v2/jobs/${reply.json.id}/`);
  });

  it('merges the template variables under the launch ones and stores them as a Python json.dumps string', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp), { body: fixtureRequest });
    const fixture = readAapFixture<Json>('job_template_launch_201.json');
    expect(reply.json.extra_vars).toBe(fixture.extra_vars);
    const detail = await getJob(sim, reply.json.id as number);
    expect(detail.extra_vars).toBe(fixture.extra_vars);
  });

  it.each([
    ['an object', { app_version: '1.4.2' }],
    ['a JSON string', '{"app_version": "1.4.2"}'],
    ['a YAML string', 'app_version: 1.4.2\n'],
  ])('accepts extra_vars as %s', async (_case, extraVars) => {
    const reply = await call<Json>(sim, launchPath(deployApp), { body: { extra_vars: extraVars } });
    expect(reply.status).toBe(201);
    expect(reply.json.extra_vars).toBe('{"environment": "production", "app_version": "1.4.2"}');
  });

  it('escapes non-ASCII text the way Python json.dumps does', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp), { body: { extra_vars: { owner: 'Zoë' } } });
    expect(reply.json.extra_vars).toBe('{"environment": "production", "owner": "Zo\\u00eb"}');
  });

  it('accepts a launch with no body at all', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp), { method: 'POST' });
    expect(reply.status).toBe(201);
    expect(reply.json.extra_vars).toBe('{"environment": "production"}');
  });

  it('IGNORES variables on a job template that does not prompt for them (201 + ignored_fields)', async () => {
    const reply = await call<Json>(sim, launchPath(noPrompt), { body: { ...fixtureRequest, limit: 'web' } });
    const fixture = readAapFixture<Json>('job_template_launch_201_vars_ignored.json');
    expect(reply.status).toBe(201);
    expect(reply.json.ignored_fields).toEqual({ ...(fixture.ignored_fields as Json), limit: 'web' });
    expect(reply.json.extra_vars).toBe(fixture.extra_vars);
  });

  it('runs the job with launch-time credentials when the template prompts for them, and shows them', async () => {
    const template = await call<Json>(sim, `/api/v2/job_templates/${withCredentials}/`);
    expect(template.json.ask_credential_on_launch).toBe(true);
    expect((await call<Json>(sim, launchPath(withCredentials))).json.ask_credential_on_launch).toBe(true);

    const reply = await call<Json>(sim, launchPath(withCredentials), {
      body: { extra_vars: {}, credentials: [12, 7] },
    });
    expect(reply.status).toBe(201);
    expect(reply.json.ignored_fields).toEqual({});
    const job = sim.world.jobs().find((j) => j.id === reply.json.id);
    expect(job?.credentials).toEqual([12, 7]);
    const detail = await getJob(sim, reply.json.id as number);
    expect((detail.summary_fields as { credentials: Array<{ id: number }> }).credentials.map((c) => c.id)).toEqual([
      12, 7,
    ]);
  });

  it('IGNORES credentials on a job template that does not prompt for them, as AWX does (201 + ignored_fields)', async () => {
    expect((await call<Json>(sim, launchPath(deployApp))).json.ask_credential_on_launch).toBe(false);
    const reply = await call<Json>(sim, launchPath(deployApp), { body: { credentials: [12] } });
    expect(reply.status).toBe(201);
    expect(reply.json.ignored_fields).toEqual({ credentials: [12] });
    expect(sim.world.jobs().find((j) => j.id === reply.json.id)?.credentials).toEqual([]);
  });

  it.each([
    ['not a list', 12, 'Expected a list of items but got type "int".'],
    ['a name instead of an id', ['kubeconfig'], 'Incorrect type. Expected pk value, received str.'],
    ['an id that cannot exist', [0], 'Invalid pk "0" - object does not exist.'],
  ])('refuses credentials that are %s (400, no job)', async (_case, credentials, message) => {
    const before = sim.world.jobs().length;
    const reply = await call(sim, launchPath(withCredentials), { body: { credentials } });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ credentials: [message] });
    expect(sim.world.jobs()).toHaveLength(before);
  });

  it('drops credentials unread on a workflow template, which has no such launch field', async () => {
    const reply = await call<Json>(sim, `/api/v2/workflow_job_templates/${pipeline}/launch/`, {
      body: { credentials: [12] },
    });
    expect(reply.status).toBe(201);
    expect(reply.json.ignored_fields).toEqual({});
  });

  it('does not count submitted values equal to the template own as ignored', async () => {
    const reply = await call<Json>(sim, launchPath(noPrompt), { body: { extra_vars: { environment: 'production' } } });
    expect(reply.json.ignored_fields).toEqual({});
  });

  it('REJECTS variables on a workflow template that does not prompt for them (400, fixture body)', async () => {
    const reply = await call(sim, `/api/v2/workflow_job_templates/${strictPipeline}/launch/`, { body: fixtureRequest });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(readAapFixture('launch_400_wfjt_extra_vars_not_allowed.json'));
    expect(sim.world.jobs().filter((job) => job.templateId === strictPipeline)).toHaveLength(0);
  });

  it('rejects other unprompted fields on a workflow template, field by field', async () => {
    const reply = await call(sim, `/api/v2/workflow_job_templates/${strictPipeline}/launch/`, {
      body: { limit: 'web' },
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ limit: ['Field is not configured to prompt on launch.'] });
  });

  it('launches a workflow job with the fixture shape and a workflow_jobs Location', async () => {
    const reply = await call<Json>(sim, `/api/controller/v2/workflow_job_templates/${pipeline}/launch/`, {
      body: { extra_vars: { app_version: '1.4.2', orchestrator_run_id: 'run-9b21' } },
    });
    const fixture = readAapFixture<Json>('workflow_job_template_launch_201.json');
    expect(reply.status).toBe(201);
    expect(sortedKeys(reply.json)).toEqual(sortedKeys(fixture));
    expect(sortedKeys(reply.json.related)).toEqual(sortedKeys(fixture.related));
    expect(reply.json.extra_vars).toBe(fixture.extra_vars);
    expect(reply.headers.get('location')).toBe(`/api/controller/v2/workflow_jobs/${reply.json.workflow_job}/`);
    const detail = await call<Json>(sim, `/api/v2/workflow_jobs/${reply.json.id}/`);
    expect(sortedKeys(detail.json)).toEqual(sortedKeys(readAapFixture('workflow_job_running.json')));
  });

  it.each([
    ['text/plain', 'text/plain', '{"extra_vars": {}}', 415, readAapFixture('error_415_unsupported_media_type.json')],
    ['malformed JSON', 'application/json', "{'extra_vars': {}}", 400, readAapFixture('error_400_json_parse.json')],
    [
      'a trailing comma',
      'application/json',
      '{"extra_vars": {},}',
      400,
      {
        detail:
          'JSON parse error - Expecting property name enclosed in double quotes: line 1 column 19 (char 18)\nPossible cause: trailing comma.',
      },
    ],
    ['a JSON array', 'application/json', '[1, 2]', 400, { detail: 'JSON parse error - not a JSON object' }],
    [
      'an unparseable extra_vars string',
      'application/json',
      JSON.stringify({ extra_vars: '{"unbalanced brackets":' }),
      400,
      { extra_vars: [expect.stringMatching(/^Cannot parse as JSON \(error: .*\) or YAML \(error: .*\)\.$/s)] },
    ],
    [
      'extra_vars that are a list',
      'application/json',
      JSON.stringify({ extra_vars: '[1, 2]' }),
      400,
      {
        extra_vars: [
          'Cannot parse as JSON (error: Input type `list` is not a dictionary) or YAML (error: Input type `list` is not a dictionary).',
        ],
      },
    ],
  ])('refuses a launch body with %s', async (_case, contentType, rawBody, status, body) => {
    const before = sim.world.jobs().length;
    const reply = await call(sim, launchPath(deployApp), { rawBody, contentType });
    expect(reply.status).toBe(status);
    expect(reply.json).toEqual(body);
    expect(sim.world.jobs()).toHaveLength(before);
  });

  it('answers the launch pre-flight GET with the fixture fields', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp));
    const fixture = readAapFixture<Json>('job_template_launch_get.json');
    expect(reply.status).toBe(200);
    expect(sortedKeys(reply.json)).toEqual(sortedKeys(fixture));
    expect(sortedKeys(reply.json.defaults)).toEqual(sortedKeys(fixture.defaults));
    expect(reply.json).toMatchObject({ ask_variables_on_launch: true, job_template_data: { id: deployApp } });
  });

  it('preloads the two OSAC templates: prompting for variables, simultaneous runs allowed, organization Default', async () => {
    for (const name of ['osac-create-compute-instance', 'osac-delete-compute-instance']) {
      const id = await templateId(sim, name);
      const detail = await call<Json>(sim, `/api/v2/job_templates/${id}/`);
      expect(detail.json).toMatchObject({
        name,
        ask_variables_on_launch: true,
        allow_simultaneous: true,
        organization: 1,
        summary_fields: { organization: { id: 1, name: 'Default' } },
      });
    }
  });

  it('reports the job detail with the fixture fields while pending and once running', async () => {
    const reply = await call<Json>(sim, launchPath(deployApp), { body: fixtureRequest });
    const pending = await getJob(sim, reply.json.id as number);
    const pendingFixture = readAapFixture<Json>('job_detail_pending.json');
    expect(sortedKeys(pending)).toEqual(sortedKeys(pendingFixture));
    expect(sortedKeys(pending.related)).toEqual(sortedKeys(pendingFixture.related));

    const quick = sim.addTemplate({ name: 'quick-detail', durations: { pending: 0, waiting: 0, running: 1000 } });
    const launched = await call<Json>(sim, launchPath(quick.id), { body: {} });
    const running = await waitForJobStatus(sim, launched.json.id as number, ['running']);
    const runningFixture = readAapFixture<Json>('job_detail_running.json');
    expect(sortedKeys(running)).toEqual(sortedKeys(runningFixture));
    expect(sortedKeys(running.related)).toEqual(sortedKeys(runningFixture.related));
    expect(sortedKeys(running.summary_fields)).toEqual(sortedKeys(runningFixture.summary_fields));
  });
});
