import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, launchJob, sortedKeys, startFastSimulator } from './helpers';

interface Envelope {
  count: number;
  next: string | null;
  previous: string | null;
  results: Array<{ id: number; name: string; status?: string; organization?: number }>;
}

const names = (reply: { json: Envelope }) => reply.json.results.map((item) => item.name);

describe('AAP simulator: template lists', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
    // Five job templates, as in the fixture scenario of job_templates_list_page2.json.
    for (const name of ['alpha', 'bravo', 'charlie']) sim.addTemplate({ name });
    sim.addTemplate({ name: 'osac-create-compute-instance', organization: { id: 2, name: 'Tenant Org' } });
    sim.addTemplate({ name: 'release-pipeline', kind: 'workflow' });
  });
  afterAll(() => sim.close());

  it('wraps results in the AWX envelope, ordered by name by default', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?organization=1');
    expect(reply.status).toBe(200);
    expect(sortedKeys(reply.json)).toEqual(sortedKeys(readAapFixture('job_templates_list_empty.json')));
    expect(reply.json).toMatchObject({ count: 5, next: null, previous: null });
    expect(names(reply)).toEqual([
      'alpha',
      'bravo',
      'charlie',
      'osac-create-compute-instance',
      'osac-delete-compute-instance',
    ]);
  });

  it('serializes each template with the field names of the AWX fixture', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?name=alpha');
    const fixture = readAapFixture<Envelope>('job_templates_list_by_name.json').results[0] as Record<string, unknown>;
    const item = reply.json.results[0] as unknown as Record<string, unknown>;
    expect(sortedKeys(item)).toEqual(sortedKeys(fixture));
    // last_job appears only once the template has run a job; the rest of `related` is the same.
    const fixtureRelated = sortedKeys(fixture.related).filter((key) => key !== 'last_job');
    expect(sortedKeys(item.related)).toEqual(fixtureRelated);
  });

  it('pages with relative, key-sorted links exactly like the fixture', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?page_size=2&page=2&order_by=name&organization=1');
    expect(reply.json.count).toBe(5);
    expect(names(reply)).toEqual(['charlie', 'osac-create-compute-instance']);
    expect(reply.json.next).toBe('/api/v2/job_templates/?order_by=name&organization=1&page=3&page_size=2');
    expect(reply.json.previous).toBe('/api/v2/job_templates/?order_by=name&organization=1&page=1&page_size=2');

    const fixture = readAapFixture<Envelope>('job_templates_list_page2.json');
    const sameQuery = await call<Envelope>(
      sim,
      '/api/v2/job_templates/?order_by=name&page=2&page_size=2&organization=1',
    );
    expect(sameQuery.json.next?.replace('organization=1&', '')).toBe(fixture.next);
    expect(sameQuery.json.previous?.replace('organization=1&', '')).toBe(fixture.previous);
  });

  it('echoes the gateway prefix in pagination links and accepts page=last', async () => {
    const reply = await call<Envelope>(sim, '/api/controller/v2/job_templates/?page_size=2&page=last&organization=1');
    expect(names(reply)).toEqual(['osac-delete-compute-instance']);
    expect(reply.json.next).toBeNull();
    expect(reply.json.previous).toBe('/api/controller/v2/job_templates/?organization=1&page=2&page_size=2');
  });

  it.each(['99', '0', '-1', 'abc'])('answers page=%s with 404 Invalid page.', async (page) => {
    const reply = await call(sim, `/api/v2/job_templates/?page=${page}`);
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual(readAapFixture('error_404_invalid_page.json'));
  });

  it('serves page 1 of an empty result', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?name=nothing-matches&page=1');
    expect(reply.json).toEqual(readAapFixture('job_templates_list_empty.json'));
  });

  it.each(['0', '-3', 'ten'])('falls back to 25 per page for page_size=%s', async (pageSize) => {
    const reply = await call<Envelope>(sim, `/api/v2/job_templates/?page_size=${pageSize}`);
    expect(reply.status).toBe(200);
    expect(reply.json.results).toHaveLength(6);
  });

  it('leaves out count and links with count_disabled', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?count_disabled=1&name=alpha');
    expect(sortedKeys(reply.json)).toEqual(['results']);
  });

  it.each([
    ['name is exact and case-sensitive', 'name=OSAC-create-compute-instance', []],
    ['name__iexact ignores case', 'name__iexact=ALPHA', ['alpha']],
    [
      'the same name exists in two organizations',
      'name=osac-create-compute-instance',
      ['osac-create-compute-instance', 'osac-create-compute-instance'],
    ],
    [
      'organization narrows by id',
      'name=osac-create-compute-instance&organization=2',
      ['osac-create-compute-instance'],
    ],
    ['organization__name narrows by name', 'organization__name=Tenant%20Org', ['osac-create-compute-instance']],
    ['or__ terms are OR-ed (the collection looks up id-or-name)', 'or__name=alpha&or__name=bravo', ['alpha', 'bravo']],
    ['not__ negates', 'organization=1&not__name__startswith=osac', ['alpha', 'bravo', 'charlie']],
    ['search looks through name and description', 'search=harl', ['charlie']],
    [
      'order_by descending',
      'organization=1&order_by=-name&page_size=2',
      ['osac-delete-compute-instance', 'osac-create-compute-instance'],
    ],
  ])('filters job templates: %s', async (_case, query, expected) => {
    const reply = await call<Envelope>(sim, `/api/v2/job_templates/?${query}`);
    expect(reply.status).toBe(200);
    expect(names(reply)).toEqual(expected);
  });

  it('filters by id', async () => {
    const all = await call<Envelope>(sim, '/api/v2/job_templates/?name=bravo');
    const id = all.json.results[0]?.id;
    const reply = await call<Envelope>(sim, `/api/v2/job_templates/?id=${id}`);
    expect(names(reply)).toEqual(['bravo']);
  });

  it.each([
    ['an unknown field', '/api/v2/job_templates/?nme=x', 400, readAapFixture('error_400_bad_filter_field.json')],
    [
      'an unknown field on workflows',
      '/api/v2/workflow_job_templates/?nme=x',
      400,
      { detail: "WorkflowJobTemplate has no field named 'nme'" },
    ],
    [
      'an unknown order_by field',
      '/api/v2/job_templates/?order_by=nme',
      400,
      { detail: "JobTemplate has no field named 'nme'" },
    ],
    [
      'a non-numeric id',
      '/api/v2/job_templates/?id=abc',
      400,
      { detail: "Field 'id' expected a number but got 'abc'." },
    ],
    [
      'an unsupported lookup',
      '/api/v2/job_templates/?name__near=x',
      400,
      { detail: "Unsupported lookup 'near' for CharField or join on the field not permitted." },
    ],
  ])('refuses %s', async (_case, path, status, body) => {
    const reply = await call(sim, path);
    expect(reply.status).toBe(status);
    expect(reply.json).toEqual(body);
  });

  it('lists workflow job templates with the fixture field names', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/workflow_job_templates/?name=release-pipeline');
    expect(reply.json.count).toBe(1);
    const fixture = readAapFixture<Envelope>('workflow_job_templates_list_by_name.json').results[0];
    expect(sortedKeys(reply.json.results[0])).toEqual(sortedKeys(fixture));
    expect(names(await call<Envelope>(sim, '/api/v2/job_templates/?name=release-pipeline'))).toEqual([]);
  });
});

describe('AAP simulator: page_size cap', () => {
  let sim: AapSimulator;
  beforeAll(async () => {
    sim = await startFastSimulator();
    for (let i = 0; i < 205; i += 1) sim.addTemplate({ name: `bulk-${String(i).padStart(3, '0')}` });
  });
  afterAll(() => sim.close());

  it('caps page_size at 200 silently and rewrites the links to the cap', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/?page_size=1000');
    expect(reply.json.count).toBe(207);
    expect(reply.json.results).toHaveLength(200);
    expect(reply.json.next).toBe('/api/v2/job_templates/?page=2&page_size=200');
    const second = await call<Envelope>(sim, '/api/v2/job_templates/?page=2&page_size=1000');
    expect(second.json.results).toHaveLength(7);
    expect(second.json.previous).toBe('/api/v2/job_templates/?page=1&page_size=200');
  });

  it('defaults to 25 per page', async () => {
    const reply = await call<Envelope>(sim, '/api/v2/job_templates/');
    expect(reply.json.results).toHaveLength(25);
    expect(reply.json.next).toBe('/api/v2/job_templates/?page=2');
  });
});

describe('AAP simulator: job lists', () => {
  let sim: AapSimulator;
  const jobIds: number[] = [];

  beforeAll(async () => {
    sim = await startFastSimulator();
    // Jobs that stay pending for the whole suite (1000 s scaled to 10 s), so their statuses are stable.
    sim.addTemplate({ name: 'slow', durations: { pending: 1000 } });
    for (let i = 0; i < 4; i += 1) jobIds.push(await launchJob(sim, 'slow'));
    // Canceling a pending job cancels it inside the POST.
    await call(sim, `/api/v2/jobs/${jobIds[1]}/cancel/`, { method: 'POST' });
    await call(sim, `/api/v2/jobs/${jobIds[3]}/cancel/`, { method: 'POST' });
  });
  afterAll(() => sim.close());

  const ids = (reply: { json: Envelope }) => reply.json.results.map((job) => job.id);

  it('polls a batch of jobs with id__in, in id order', async () => {
    const wanted = [jobIds[2], jobIds[0]].join(',');
    const reply = await call<Envelope>(sim, `/api/v2/jobs/?id__in=${wanted}`);
    expect(ids(reply)).toEqual([jobIds[0], jobIds[2]]);
  });

  it.each([
    ['status', 'status=canceled', [1, 3]],
    ['status__in', 'status__in=pending,waiting,running', [0, 2]],
    ['not__status', 'not__status=pending', [1, 3]],
    ['failed', 'failed=true', [1, 3]],
    ['order_by=-id with page_size', 'order_by=-id&page_size=3', [3, 2, 1]],
  ])('filters jobs by %s', async (_case, query, expectedIndexes) => {
    const reply = await call<Envelope>(sim, `/api/controller/v2/jobs/?${query}`);
    expect(reply.status).toBe(200);
    expect(ids(reply)).toEqual(expectedIndexes.map((index) => jobIds[index]));
  });

  it('links the next page with the incoming prefix', async () => {
    const reply = await call<Envelope>(sim, '/api/controller/v2/jobs/?page_size=3');
    expect(reply.json.next).toBe('/api/controller/v2/jobs/?page=2&page_size=3');
  });

  it('leaves the heavy detail fields out of list items', async () => {
    const reply = await call<Envelope>(sim, `/api/v2/jobs/?id=${jobIds[0]}`);
    const item = reply.json.results[0] as unknown as Record<string, unknown>;
    for (const field of ['job_args', 'job_cwd', 'job_env', 'result_traceback', 'event_processing_finished']) {
      expect(item).not.toHaveProperty(field);
    }
    expect(typeof item.extra_vars).toBe('string');
  });

  it.each([
    ['extra_vars filters', 'extra_vars__icontains=run-8f3a', 403, readAapFixture('error_403_filter_extra_vars.json')],
    ['an empty id__in', 'id__in=', 400, { detail: 'cannot provide empty value for __in' }],
    ['an unknown field', 'nme=x', 400, { detail: "Job has no field named 'nme'" }],
    ['a non-numeric elapsed', 'elapsed__gt=abc', 400, { detail: '“abc” value must be a float.' }],
  ])('refuses %s', async (_case, query, status, body) => {
    const reply = await call(sim, `/api/v2/jobs/?${query}`);
    expect(reply.status).toBe(status);
    expect(reply.json).toEqual(body);
  });

  it('lists workflow jobs separately from jobs', async () => {
    sim.addTemplate({ name: 'slow-workflow', kind: 'workflow', durations: { pending: 1000 } });
    const wfjt = await call<Envelope>(sim, '/api/v2/workflow_job_templates/?name=slow-workflow');
    const launched = await call<{ workflow_job: number }>(
      sim,
      `/api/v2/workflow_job_templates/${wfjt.json.results[0]?.id}/launch/`,
      { body: {} },
    );
    const workflowJobs = await call<Envelope>(sim, '/api/v2/workflow_jobs/?status=pending');
    expect(ids(workflowJobs)).toEqual([launched.json.workflow_job]);
    const jobs = await call<Envelope>(sim, `/api/v2/jobs/?id=${launched.json.workflow_job}`);
    expect(jobs.json.count).toBe(0);
  });
});

describe('AAP simulator: preloaded templates given again', () => {
  it('replaces the preloaded template of the same name instead of refusing it', async () => {
    const { startAapSimulator } = await import('../../../local/aap-simulator');
    const sim = await startAapSimulator({
      timeScale: 0.01,
      templates: [{ name: 'osac-create-compute-instance', effect: 'create-vm', durations: { running: 120 } }],
    });
    try {
      const reply = await call<Envelope>(sim, '/api/v2/job_templates/?name=osac-create-compute-instance');
      expect(reply.json.count).toBe(1);
      await launchJob(sim, 'osac-create-compute-instance', {});
      // The preset runs 20 s; the replacement 120 s (1.2 s here): after 0.5 s it is still running.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(sim.world.jobs().at(-1)).toMatchObject({
        templateName: 'osac-create-compute-instance',
        status: 'running',
      });
    } finally {
      await sim.close();
    }
  });
});
