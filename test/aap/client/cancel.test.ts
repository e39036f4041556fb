import { Forbidden, JobNotFound, Transient } from '../../../lib/aap';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { API_PREFIXES, aapFixture } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const KINDS = [
  ['job', 'jobs'],
  ['workflow_job', 'workflow_jobs'],
] as const;

describe('cancelJob', () => {
  describe.each(API_PREFIXES)('under %s', (prefix) => {
    it.each(
      KINDS.flatMap(([kind, collection]) => [
        [kind, collection, 202, undefined, 'accepted'],
        [kind, collection, 405, readAapFixture('job_cancel_post_405.json'), 'not-cancelable'],
        [kind, collection, 404, readAapFixture('error_404_not_found_drf315.json'), 'gone'],
      ]),
    )('a %s cancel POST to /%s/ answered %i means %s', async (kind, collection, status, body, outcome) => {
      const path = `${prefix}/v2/${collection}/1234/cancel/`;
      server.on('POST', path, { status, body });
      const { client } = clientFor(server, { prefix });

      await expect(client.cancelJob({ id: 1234, kind })).resolves.toBe(outcome);
      const posts = server.requestsTo('POST', path);
      expect(posts).toHaveLength(1);
      expect(JSON.parse(posts[0]?.body ?? '')).toEqual({});
    });
  });

  it.each([
    ['job_detail_canceled.json', 'not-cancelable'],
    ['job_detail_successful.json', 'not-cancelable'],
    ['job_detail_failed.json', 'not-cancelable'],
  ])('reads the job after a 403 (non-superuser): %s means %s', async (fixture, outcome) => {
    server.on('POST', '/api/v2/jobs/1234/cancel/', {
      status: 403,
      body: readAapFixture('error_403_permission_denied.json'),
    });
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture(fixture) });
    const { client } = clientFor(server);

    await expect(client.cancelJob({ id: 1234, kind: 'job' })).resolves.toBe(outcome);
    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /api/v2/jobs/1234/cancel/',
      'GET /api/v2/jobs/1234/',
    ]);
  });

  it.each(['job_detail_running.json', 'job_detail_pending.json'])(
    'raises Forbidden after a 403 when the job is still active (%s): a real permission problem',
    async (fixture) => {
      server.on('POST', '/api/v2/jobs/1234/cancel/', {
        status: 403,
        body: readAapFixture('error_403_permission_denied.json'),
      });
      server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture(fixture) });
      const { client } = clientFor(server);

      const error = await caught(() => client.cancelJob({ id: 1234, kind: 'job' }));

      expect(error).toBeInstanceOf(Forbidden);
      expect(error).toMatchObject({ name: 'Forbidden', status: 403, retryable: false });
      expect(error.message).toContain('POST /api/v2/jobs/1234/cancel/');
      expect(error.message).toContain('You do not have permission to perform this action.');
    },
  );

  it('reports gone when the job vanished between the 403 and the read', async () => {
    server.on('POST', '/api/v2/jobs/1234/cancel/', {
      status: 403,
      body: readAapFixture('error_403_permission_denied.json'),
    });
    server.on('GET', '/api/v2/jobs/1234/', { status: 404, body: readAapFixture('error_404_not_found_drf314.json') });
    const { client } = clientFor(server);

    await expect(client.cancelJob({ id: 1234, kind: 'job' })).resolves.toBe('gone');
  });

  it('retries a cancel POST on 503, since cancelling twice is harmless', async () => {
    server.on(
      'POST',
      '/api/v2/workflow_jobs/1240/cancel/',
      { status: 503, body: 'no healthy upstream' },
      { status: 202 },
    );
    const { client, sleeps } = clientFor(server);

    await expect(client.cancelJob({ id: 1240, kind: 'workflow_job' })).resolves.toBe('accepted');
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('gives up with Transient once the retries are spent', async () => {
    server.on('POST', '/api/v2/jobs/1234/cancel/', { status: 502, body: '<html>Bad Gateway</html>' });
    const { client } = clientFor(server, { maxRetries: 2 });

    const error = await caught(() => client.cancelJob({ id: 1234, kind: 'job' }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ status: 502, attempts: 3, launchOutcomeUnknown: false });
    expect(server.requests).toHaveLength(3);
  });
});

describe('canCancel', () => {
  it.each([
    ['job_cancel_get_cancelable.json', true],
    ['job_cancel_get_not_cancelable.json', false],
  ])('reads %s as %p', async (fixture, expected) => {
    server.on('GET', '/api/controller/v2/jobs/1234/cancel/', { status: 200, body: readAapFixture(fixture) });
    const { client } = clientFor(server, { prefix: '/api/controller' });

    await expect(client.canCancel({ id: 1234, kind: 'job' })).resolves.toBe(expected);
  });

  it('asks the workflow_jobs endpoint for a workflow job', async () => {
    server.on('GET', '/api/v2/workflow_jobs/1240/cancel/', { status: 200, body: { can_cancel: true } });
    const { client } = clientFor(server);

    await expect(client.canCancel({ id: 1240, kind: 'workflow_job' })).resolves.toBe(true);
  });

  it('reports a purged job as JobNotFound', async () => {
    server.on('GET', '/api/v2/jobs/9/cancel/', {
      status: 404,
      body: readAapFixture('error_404_not_found_drf314.json'),
    });
    const { client } = clientFor(server);

    await expect(client.canCancel({ id: 9, kind: 'job' })).rejects.toBeInstanceOf(JobNotFound);
  });

  it('names the missing can_cancel field', async () => {
    server.on('GET', '/api/v2/jobs/9/cancel/', { status: 200, body: {} });
    const { client } = clientFor(server);

    await expect(client.canCancel({ id: 9, kind: 'job' })).rejects.toThrow('"can_cancel"');
  });
});
