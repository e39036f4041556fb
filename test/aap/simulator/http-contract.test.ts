import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, computeInstanceVars, launchJob, PREFIXES, startFastSimulator, templateId } from './helpers';

describe('AAP simulator: paths, prefixes, auth and error bodies', () => {
  let sim: AapSimulator;
  let createTemplateId: number;
  let jobId: number;

  beforeAll(async () => {
    sim = await startFastSimulator();
    createTemplateId = await templateId(sim, 'osac-create-compute-instance');
    jobId = await launchJob(sim, 'osac-create-compute-instance', computeInstanceVars('ns', 'links'));
  });
  afterAll(() => sim.close());

  it.each(PREFIXES)('serves %s and echoes that prefix in every generated link', async (prefix) => {
    const list = await call<{ results: Array<Record<string, unknown>> }>(
      sim,
      `${prefix}job_templates/?name=osac-create-compute-instance`,
    );
    expect(list.status).toBe(200);
    const template = list.json.results[0] as { url: string; related: Record<string, string> };
    expect(template.url).toBe(`${prefix}job_templates/${createTemplateId}/`);
    for (const link of Object.values(template.related).filter((value) => value !== '')) {
      expect(link.startsWith(prefix)).toBe(true);
    }

    const launch = await call<{ url: string; related: Record<string, string> }>(
      sim,
      `${prefix}job_templates/${createTemplateId}/launch/`,
      { body: { extra_vars: computeInstanceVars('ns', `prefix-${prefix.length}`) } },
    );
    expect(launch.status).toBe(201);
    expect(launch.headers.get('location')).toBe(launch.json.url);
    expect(launch.json.url.startsWith(`${prefix}jobs/`)).toBe(true);
    expect(Object.values(launch.json.related).every((link) => link.startsWith(prefix))).toBe(true);

    const detail = await call<{ url: string; related: Record<string, string> }>(sim, `${prefix}jobs/${jobId}/`);
    expect(detail.json.url).toBe(`${prefix}jobs/${jobId}/`);
    expect(detail.json.related.cancel).toBe(`${prefix}jobs/${jobId}/cancel/`);
  });

  it('answers AWX-style headers on API responses', async () => {
    const reply = await call(sim, '/api/v2/job_templates/');
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-api-product-name')).toBe('AWX');
    expect(reply.headers.get('x-api-product-version')).toMatch(/^\d+\.\d+\.\d+$/);
    expect(reply.headers.get('x-api-time')).toMatch(/^\d+\.\d{3}s$/);
  });

  it.each([
    ['no Authorization header', null, 'error_401_not_authenticated.json'],
    ['a wrong bearer token', 'not-the-token', 'error_401_not_authenticated.json'],
    ['a bearer token that only starts like the right one', 'test-token-and-more', 'error_401_not_authenticated.json'],
  ])('refuses %s with 401, the AWX body and a Bearer challenge', async (_case, token, fixture) => {
    const reply = await call(sim, '/api/controller/v2/job_templates/', { token });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual(readAapFixture(fixture));
    expect(reply.headers.get('www-authenticate')).toBe('Bearer realm=api authorization_url=/api/o/authorize/');
  });

  it('refuses Basic credentials as invalid (the simulator only knows its bearer token)', async () => {
    const reply = await call(sim, '/api/v2/jobs/', {
      token: null,
      headers: { Authorization: `Basic ${Buffer.from('admin:password').toString('base64')}` },
    });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({
      detail: 'Invalid username/password. To establish a login session, visit /api/login/.',
    });
  });

  it('answers ping without authentication, as AWX does', async () => {
    const reply = await call<{ version: string }>(sim, '/api/v2/ping/', { token: null });
    expect(reply.status).toBe(200);
    expect(typeof reply.json.version).toBe('string');
  });

  it.each([
    ['job template', '/api/v2/job_templates/999/', 'No JobTemplate matches the given query.'],
    ['job template launch', '/api/v2/job_templates/999/launch/', 'No JobTemplate matches the given query.'],
    ['workflow template', '/api/v2/workflow_job_templates/999/', 'No WorkflowJobTemplate matches the given query.'],
    ['job', '/api/v2/jobs/999999/', 'No Job matches the given query.'],
    ['job cancel', '/api/v2/jobs/999999/cancel/', 'No Job matches the given query.'],
    ['workflow job', '/api/controller/v2/workflow_jobs/999999/', 'No WorkflowJob matches the given query.'],
  ])('answers a missing %s with the DRF 3.15 404 body', async (_case, path, detail) => {
    const reply = await call(sim, path);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ detail });
  });

  it('uses the 3.15 body of the fixture for a missing job', async () => {
    expect((await call(sim, '/api/v2/jobs/1234/')).json).toEqual(readAapFixture('error_404_not_found_drf315.json'));
  });

  it('answers a job id on the workflow-jobs path with 404: the two kinds are separate resources', async () => {
    const reply = await call(sim, `/api/v2/workflow_jobs/${jobId}/`);
    expect(reply.status).toBe(404);
  });

  it.each(['/api/v2/no_such_thing/', '/api/controller/v2/jobs/abc/', '/api/v3/jobs/', '/'])(
    'answers the unknown path %s with the AWX handle_404 body',
    async (path) => {
      const reply = await call(sim, path, { token: null });
      expect(reply.status).toBe(404);
      expect(reply.json).toEqual(readAapFixture('error_404_unknown_path.json'));
    },
  );

  it.each([
    ['GET', '/api/v2/job_templates', '/api/v2/job_templates/'],
    ['GET', '/api/controller/v2/jobs?status=running', '/api/controller/v2/jobs/?status=running'],
    ['POST', '/api/v2/job_templates/1/launch', '/api/v2/job_templates/1/launch/'],
  ])('redirects %s %s without its trailing slash (301, Django APPEND_SLASH)', async (method, path, location) => {
    const reply = await call(sim, path, { method });
    expect(reply.status).toBe(301);
    expect(reply.headers.get('location')).toBe(location);
  });

  it.each([
    ['PUT', '/api/v2/job_templates/1/launch/'],
    ['DELETE', '/api/v2/jobs/1001/cancel/'],
    ['POST', '/api/v2/jobs/'],
  ])('answers %s %s with 405 and the DRF body', async (method, path) => {
    const reply = await call(sim, path, { method });
    expect(reply.status).toBe(405);
    expect(reply.json).toEqual({ detail: `Method "${method}" not allowed.` });
  });

  it('answers HEAD like GET without a body', async () => {
    const reply = await call(sim, '/api/v2/job_templates/', { method: 'HEAD' });
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('');
  });
});

describe('AAP simulator: DRF 3.14 404 bodies on request', () => {
  let sim: AapSimulator;
  beforeAll(async () => {
    sim = await startFastSimulator({ notFoundStyle: 'drf-3.14' });
  });
  afterAll(() => sim.close());

  it.each(['/api/v2/jobs/424242/', '/api/v2/job_templates/999/'])('answers %s with "Not found."', async (path) => {
    const reply = await call(sim, path);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual(readAapFixture('error_404_not_found_drf314.json'));
  });
});
