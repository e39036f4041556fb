import { InvalidResponse, JOBS_BATCH_SIZE, JobNotFound } from '../../../lib/aap';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { API_PREFIXES, aapFixture, jobDetail, listOf } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const FIXTURE_STATES = [
  ['job_detail_pending.json', 'pending', 'Pending', false, false, null],
  ['job_detail_running.json', 'running', 'Running', false, false, '2024-11-05T14:02:14.901237Z'],
  ['job_detail_successful.json', 'successful', 'Succeeded', true, false, '2024-11-05T14:02:14.901237Z'],
  ['job_detail_failed.json', 'failed', 'Failed', true, true, '2024-11-05T14:02:14.901237Z'],
  ['job_detail_error.json', 'error', 'Failed', true, true, '2024-11-05T14:02:14.901237Z'],
  ['job_detail_canceled.json', 'canceled', 'Canceled', true, true, '2024-11-05T14:02:14.901237Z'],
  ['job_detail_canceled_before_start.json', 'canceled', 'Canceled', true, true, null],
] as const;

describe('getJob', () => {
  describe.each(API_PREFIXES)('under %s', (prefix) => {
    it.each(FIXTURE_STATES)(
      'reads %s as %s → %s (terminal %p)',
      async (fixture, status, state, terminal, failed, started) => {
        const body = aapFixture<Record<string, unknown>>(fixture, prefix);
        server.on('GET', `${prefix}/v2/jobs/1234/`, { status: 200, body });
        const { client } = clientFor(server, { prefix });

        const job = await client.getJob({ id: 1234, kind: 'job' });

        expect(job).toMatchObject({
          id: 1234,
          kind: 'job',
          name: 'deploy-app',
          status,
          state,
          terminal,
          failed,
          started,
          finished: body.finished,
          elapsed: body.elapsed,
        });
        expect(server.requests.map((r) => r.path)).toEqual([`${prefix}/v2/jobs/1234/`]);
      },
    );
  });

  it.each([
    ['new', 'Pending', false],
    ['waiting', 'Waiting', false],
    ['never updated', 'Unknown', false],
    ['Successful', 'Unknown', false],
  ])('maps status %p to %s (terminal %p)', async (status, state, terminal) => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ status }) });
    const { client } = clientFor(server);

    await expect(client.getJob({ id: 1234, kind: 'job' })).resolves.toMatchObject({ status, state, terminal });
  });

  it('reads a workflow job from workflow_jobs', async () => {
    server.on('GET', '/api/controller/v2/workflow_jobs/1240/', {
      status: 200,
      body: aapFixture('workflow_job_running.json', '/api/controller'),
    });
    const { client } = clientFor(server, { prefix: '/api/controller' });

    await expect(client.getJob({ id: 1240, kind: 'workflow_job' })).resolves.toMatchObject({
      id: 1240,
      kind: 'workflow_job',
      name: 'release-pipeline',
      state: 'Running',
      terminal: false,
    });
  });

  it('joins job_explanation and the end of result_traceback into errorDetail for an error', async () => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture('job_detail_error.json') });
    const { client } = clientFor(server);

    const job = await client.getJob({ id: 1234, kind: 'job' });

    expect(job.errorDetail?.startsWith('Job terminated due to error\nTraceback (most recent call last):')).toBe(true);
    expect(job.errorDetail?.endsWith('RuntimeError: Pod Failed: ImagePullBackOff')).toBe(true);
  });

  it('bounds errorDetail to 2000 characters, keeping the exception at the end of a long traceback', async () => {
    const traceback = `Traceback (most recent call last):\n${'  File "x.py", line 1, in f\n'.repeat(400)}ValueError: the real reason`;
    server.on('GET', '/api/v2/jobs/1234/', {
      status: 200,
      body: jobDetail({
        status: 'failed',
        job_explanation: 'Job terminated due to error',
        result_traceback: traceback,
      }),
    });
    const { client } = clientFor(server);

    const { errorDetail } = await client.getJob({ id: 1234, kind: 'job' });

    expect(errorDetail?.length).toBeLessThanOrEqual(2000);
    expect(errorDetail).toMatch(/^Job terminated due to error\n\[…truncated…\]\n/);
    expect(errorDetail?.endsWith('ValueError: the real reason')).toBe(true);
  });

  it.each([
    ['a successful job', 'job_detail_successful.json', { job_explanation: 'leftover note' }],
    [
      'a pending job waiting on another',
      'job_detail_pending.json',
      { job_explanation: 'waiting for job-1233 to finish' },
    ],
    ['a failed job with nothing to say', 'job_detail_failed.json', {}],
  ])('has no errorDetail for %s', async (_case, fixture, overrides) => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail(overrides, fixture) });
    const { client } = clientFor(server);

    const job = await client.getJob({ id: 1234, kind: 'job' });

    expect(job.errorDetail).toBeUndefined();
    expect('errorDetail' in job).toBe(false);
  });

  it.each(['error_404_not_found_drf314.json', 'error_404_not_found_drf315.json'])(
    'reports a purged job (%s) as JobNotFound',
    async (fixture) => {
      server.on('GET', '/api/v2/workflow_jobs/77/', { status: 404, body: readAapFixture(fixture) });
      const { client } = clientFor(server);

      const error = await caught(() => client.getJob({ id: 77, kind: 'workflow_job' }));

      expect(error).toBeInstanceOf(JobNotFound);
      expect(error).toMatchObject({
        name: 'JobNotFound',
        jobId: 77,
        kind: 'workflow_job',
        status: 404,
        retryable: false,
      });
      expect(error.message).toContain('GET /api/v2/workflow_jobs/77/');
      expect(server.requests).toHaveLength(1);
    },
  );

  it.each([
    ['status', { status: undefined }],
    ['failed', { failed: 'no' }],
    ['started', { started: 5 }],
    ['extra_vars', { extra_vars: 42 }],
  ])('names the field %s when the detail does not fit the contract', async (field, overrides) => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail(overrides) });
    const { client } = clientFor(server);

    const error = await caught(() => client.getJob({ id: 1234, kind: 'job' }));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error.message).toContain('GET /api/v2/jobs/1234/');
    expect(error.message).toContain(`"${field}"`);
  });

  it('rejects a detail that describes another job', async () => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ id: 1235 }) });
    const { client } = clientFor(server);

    await expect(client.getJob({ id: 1234, kind: 'job' })).rejects.toThrow('job 1235, not 1234');
  });

  it('tolerates fields it does not know', async () => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ brand_new_field: { nested: [1, 2] } }) });
    const { client } = clientFor(server);

    await expect(client.getJob({ id: 1234, kind: 'job' })).resolves.toMatchObject({ state: 'Running' });
  });

  it.each([[{ id: 0, kind: 'job' }], [{ id: 1.5, kind: 'job' }], [{ id: 3, kind: 'project_update' }]])(
    'rejects the job reference %p before any request',
    async (ref) => {
      const { client } = clientFor(server);

      await expect(client.getJob(ref as never)).rejects.toThrow(TypeError);
      expect(server.requests).toHaveLength(0);
    },
  );
});

describe('extraVars', () => {
  it('parses the JSON string of the job detail only when asked', async () => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture('job_detail_successful.json') });
    const { client } = clientFor(server);

    const job = await client.getJob({ id: 1234, kind: 'job' });

    expect(job.extraVars()).toEqual({
      environment: 'production',
      app_version: '1.4.2',
      orchestrator_run_id: 'run-8f3a',
    });
  });

  it.each([
    ['an empty string', '', {}],
    ['whitespace', '  \n', {}],
    ['an absent field', undefined, {}],
    ['an object (tolerated)', { a: 1 }, { a: 1 }],
    [
      'nested JSON',
      '{"ansible_eda": {"event": {"payload": {"x": [1]}}}}',
      { ansible_eda: { event: { payload: { x: [1] } } } },
    ],
  ])('reads %s', async (_case, extraVars, expected) => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ extra_vars: extraVars }) });
    const { client } = clientFor(server);

    const job = await client.getJob({ id: 1234, kind: 'job' });

    expect(job.extraVars()).toEqual(expected);
  });

  it.each([
    ['YAML', '---\nenvironment: production\n', 'not valid JSON'],
    ['truncated JSON', '{"password": "hunter2", ', 'not valid JSON'],
    ['a JSON array', '["a"]', 'JSON an array, not an object'],
    ['JSON null', 'null', 'JSON null, not an object'],
    ['a JSON number', '5', 'JSON a number, not an object'],
  ])('refuses %s with an error naming the job but not quoting the text', async (_case, extraVars, problem) => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ extra_vars: extraVars }) });
    const { client } = clientFor(server);
    const job = await client.getJob({ id: 1234, kind: 'job' });

    let error: unknown;
    try {
      job.extraVars();
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(InvalidResponse);
    expect((error as Error).message).toContain('extra_vars of AAP job 1234');
    expect((error as Error).message).toContain(problem);
    expect((error as Error).message).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('production');
  });
});

describe('getJobs', () => {
  const listed = (id: number, status = 'running') => {
    const { result_traceback: _omittedInLists, ...item } = jobDetail({ id, status });
    return item;
  };

  it('asks for 450 ids in three id__in requests of at most 200, and maps what comes back', async () => {
    server.on('GET', '/api/v2/jobs/', (request) => {
      const ids = (request.query.get('id__in') ?? '').split(',').map(Number);
      // Every fifth job has been purged: AAP simply leaves it out.
      return { status: 200, body: listOf(ids.filter((id) => id % 5 !== 0).map((id) => listed(id))) };
    });
    const ids = Array.from({ length: 450 }, (_, index) => index + 1);
    const { client } = clientFor(server);

    const jobs = await client.getJobs(ids);

    expect(JOBS_BATCH_SIZE).toBe(200);
    expect(server.requests).toHaveLength(3);
    const batches = server.requests.map((r) => (r.query.get('id__in') ?? '').split(',').map(Number));
    expect(batches.map((batch) => batch.length)).toEqual([200, 200, 50]);
    expect(batches.flat()).toEqual(ids);
    expect(server.requests.every((r) => r.query.get('page_size') === '200')).toBe(true);
    expect(server.requests[0]?.rawUrl).toMatch(/^\/api\/v2\/jobs\/\?id__in=1,2,3,/);
    expect(jobs.size).toBe(360);
    expect(jobs.has(5)).toBe(false);
    expect(jobs.get(7)).toMatchObject({ id: 7, kind: 'job', state: 'Running' });
  });

  it('makes no request for no ids, and one for repeated ids', async () => {
    server.on('GET', '/api/v2/jobs/', { status: 200, body: listOf([listed(3)]) });
    const { client } = clientFor(server);

    await expect(client.getJobs([])).resolves.toEqual(new Map());
    expect(server.requests).toHaveLength(0);

    const jobs = await client.getJobs([3, 3, 3]);
    expect([...jobs.keys()]).toEqual([3]);
    expect(server.requests[0]?.query.get('id__in')).toBe('3');
  });

  it.each(API_PREFIXES)('follows next pages under %s when the server caps the page size', async (prefix) => {
    server.on('GET', `${prefix}/v2/jobs/`, (request) =>
      request.query.get('page') === '2'
        ? { status: 200, body: listOf([listed(2, 'successful')]) }
        : { status: 200, body: listOf([listed(1)], `${prefix}/v2/jobs/?id__in=1,2&page=2&page_size=1`) },
    );
    const { client } = clientFor(server, { prefix });

    const jobs = await client.getJobs([1, 2]);

    expect([...jobs.values()].map((job) => [job.id, job.state])).toEqual([
      [1, 'Running'],
      [2, 'Succeeded'],
    ]);
    expect(server.requests.map((r) => r.rawUrl)).toEqual([
      `${prefix}/v2/jobs/?id__in=1,2&page_size=200`,
      `${prefix}/v2/jobs/?id__in=1,2&page=2&page_size=1`,
    ]);
  });

  it('ignores jobs it did not ask for', async () => {
    server.on('GET', '/api/v2/jobs/', { status: 200, body: listOf([listed(1), listed(99)]) });
    const { client } = clientFor(server);

    await expect(client.getJobs([1])).resolves.toEqual(new Map([[1, expect.objectContaining({ id: 1 })]]));
  });

  it('builds errorDetail from job_explanation alone, as lists carry no traceback', async () => {
    server.on('GET', '/api/v2/jobs/', {
      status: 200,
      body: listOf([
        { ...listed(4, 'failed'), job_explanation: 'Previous Task Failed: {"job_type": "project_update"}' },
      ]),
    });
    const { client } = clientFor(server);

    const jobs = await client.getJobs([4]);

    expect(jobs.get(4)?.errorDetail).toBe('Previous Task Failed: {"job_type": "project_update"}');
  });

  it('rejects invalid ids before any request', async () => {
    const { client } = clientFor(server);

    await expect(client.getJobs([1, -2])).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });
});
