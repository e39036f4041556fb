import { AapClient, InvalidResponse, Transient, Unauthorized } from '../../../lib/aap';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { aapFixture } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor, TOKEN } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const JOB = '/api/v2/jobs/1234/';
const ok = () => ({ status: 200, body: aapFixture('job_detail_running.json') });
const getJob = (client: AapClient) => client.getJob({ id: 1234, kind: 'job' });

describe('retries of idempotent requests', () => {
  it('waits as long as a 429 Retry-After in seconds asks, then succeeds', async () => {
    server.on('GET', JOB, { status: 429, headers: { 'Retry-After': '2' } }, ok());
    const { client, sleeps } = clientFor(server);

    await expect(getJob(client)).resolves.toMatchObject({ state: 'Running' });
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it('honours a Retry-After HTTP date against the injected clock', async () => {
    const now = Date.parse('2024-11-05T14:00:00Z');
    server.on('GET', JOB, { status: 503, headers: { 'Retry-After': 'Tue, 05 Nov 2024 14:00:03 GMT' } }, ok());
    const { client, sleeps } = clientFor(server, {}, { now: () => now });

    await getJob(client);

    expect(sleeps).toEqual([3000]);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    server.on('GET', JOB, { status: 429, headers: { 'Retry-After': '3600' } }, ok());
    const { client, sleeps } = clientFor(server, { maxRetryAfterMs: 1500 });

    await getJob(client);

    expect(sleeps).toEqual([1500]);
  });

  it('backs off exponentially with jitter when no Retry-After is given', async () => {
    const unavailable = { status: 503, body: 'no healthy upstream' };
    server.on('GET', JOB, unavailable, unavailable, unavailable, ok());
    const { client, sleeps } = clientFor(server, { retryBaseDelayMs: 100 });

    await getJob(client);

    // Steps 100, 200, 400 with the harness's fixed jitter of 0.5: three quarters of each step.
    expect(sleeps).toEqual([75, 150, 300]);
    expect(server.requests).toHaveLength(4);
  });

  it.each([500, 502, 503, 504])('retries HTTP %i', async (status) => {
    server.on('GET', JOB, { status, body: readAapFixture('error_404_unknown_path.json') }, ok());
    const { client } = clientFor(server);

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with Transient carrying the status and the attempt count', async () => {
    server.on('GET', JOB, { status: 503, body: 'no healthy upstream' });
    const { client, sleeps } = clientFor(server, { maxRetries: 4 });

    const error = await caught(() => getJob(client));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ name: 'Transient', code: 'HTTP_STATUS', status: 503, attempts: 5, retryable: true });
    expect(error.message).toContain(
      'GET /api/v2/jobs/1234/ failed with HTTP 503 after 5 attempts: no healthy upstream',
    );
    expect(server.requests).toHaveLength(5);
    expect(sleeps).toHaveLength(4);
  });

  it('sends once when maxRetries is 0', async () => {
    server.on('GET', JOB, { status: 429 });
    const { client } = clientFor(server, { maxRetries: 0 });

    await expect(getJob(client)).rejects.toMatchObject({ name: 'Transient', status: 429, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    [400, 'error_400_bad_filter_field.json', 'InvalidResponse'],
    [401, 'error_401_not_authenticated.json', 'Unauthorized'],
    [403, 'error_403_permission_denied.json', 'Forbidden'],
    [404, 'error_404_not_found_drf315.json', 'JobNotFound'],
    [405, 'job_cancel_post_405.json', 'InvalidResponse'],
    [415, 'error_415_unsupported_media_type.json', 'InvalidResponse'],
  ])('does not retry HTTP %i (%s), which another try cannot fix', async (status, fixture, name) => {
    server.on('GET', JOB, { status, body: readAapFixture(fixture) }, ok());
    const { client, sleeps } = clientFor(server);

    await expect(getJob(client)).rejects.toMatchObject({ name, status, retryable: false });
    expect(server.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries a 2xx that is not JSON (the upgrade page), then succeeds', async () => {
    server.on('GET', JOB, { status: 200, body: '<html><body>Upgrading…</body></html>' }, ok());
    const { client } = clientFor(server);

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a 2xx that stays non-JSON as Transient', async () => {
    server.on('GET', JOB, { status: 200, body: '<html>Upgrading</html>' });
    const { client } = clientFor(server, { maxRetries: 1 });

    await expect(getJob(client)).rejects.toMatchObject({ name: 'Transient', code: 'NON_JSON_BODY', attempts: 2 });
  });

  it('does not follow a redirect (the token stays home) and retries the original request', async () => {
    server.on('GET', JOB, { status: 302, headers: { Location: '/migrations_notran/' } }, ok());
    const { client } = clientFor(server);

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    expect(server.requests.map((r) => r.path)).toEqual([JOB, JOB]);
  });

  it('retries a GET whose connection dropped', async () => {
    server.on('GET', JOB, { status: 0, behaviour: 'drop' }, ok());
    const { client } = clientFor(server);

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    expect(server.requests).toHaveLength(2);
  });

  it('retries a GET that timed out, giving each attempt the full timeout', async () => {
    server.on('GET', JOB, { status: 0, behaviour: 'hang' }, ok());
    const { client } = clientFor(server, { timeoutMs: 150 });

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    expect(server.requests).toHaveLength(2);
  });

  it('reports a GET that keeps timing out as Transient TIMEOUT', async () => {
    server.on('GET', JOB, { status: 0, behaviour: 'hang' });
    const { client } = clientFor(server, { timeoutMs: 100, maxRetries: 1 });

    const error = await caught(() => getJob(client));

    expect(error).toMatchObject({ name: 'Transient', code: 'TIMEOUT', attempts: 2, launchOutcomeUnknown: false });
    expect(error.message).toContain('timed out after 100 ms after 2 attempts');
  });

  it('waits for real with the default sleep', async () => {
    server.on('GET', JOB, { status: 503 }, ok());
    const client = new AapClient({ baseUrl: `${server.origin}/api`, token: TOKEN, retryBaseDelayMs: 20 });
    const started = performance.now();

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });

    // Jitter keeps at least half of the 20 ms step; a lower bound only, no timing upper bound.
    expect(performance.now() - started).toBeGreaterThanOrEqual(9);
    client.close();
  });

  it('logs each retry with the endpoint, status and wait, at warn level', async () => {
    server.on('GET', JOB, { status: 503 }, ok());
    const { client, logger } = clientFor(server);

    await getJob(client);

    expect(logger.lines.filter((line) => line.level === 'warn')).toEqual([
      {
        level: 'warn',
        message: 'AAP request failed; retrying',
        attributes: expect.objectContaining({
          endpoint: 'GET /api/v2/jobs/1234/',
          status: 503,
          retry: 1,
          delayMs: 375,
        }),
      },
    ]);
  });
});

describe('connections and authentication', () => {
  it('keeps connections alive between requests', async () => {
    server.on('GET', JOB, ok());
    const { client } = clientFor(server);

    await getJob(client);
    await getJob(client);

    const [first, second] = server.requests;
    expect(first?.remotePort).toBeDefined();
    expect(second?.remotePort).toBe(first?.remotePort);
  });

  it('asks a token provider before every request and trims what it returns', async () => {
    server.on('GET', JOB, ok());
    const tokens = ['first-token\n', 'second-token'];
    let calls = 0;
    const client = new AapClient({
      baseUrl: `${server.origin}/api`,
      token: async () => tokens[calls++] ?? 'spent',
    });

    await getJob(client);
    await getJob(client);

    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer first-token', 'Bearer second-token']);
    client.close();
  });

  it('reports a failing token provider as Transient without sending anything', async () => {
    const client = new AapClient({
      baseUrl: `${server.origin}/api`,
      token: async () => {
        throw new Error('secretsmanager throttled');
      },
    });

    const error = await caught(() => getJob(client));

    expect(error).toMatchObject({ name: 'Transient', code: 'TOKEN_UNAVAILABLE' });
    expect(error.message).toContain('token provider failed (Error)');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['an empty string', ''],
    ['a token with a space inside', 'abc def'],
    ['a non-string', 42],
  ])('reports a provider that returns %s as Unauthorized TOKEN_INVALID', async (_case, value) => {
    const client = new AapClient({ baseUrl: `${server.origin}/api`, token: async () => value as string });

    await expect(getJob(client)).rejects.toMatchObject({ name: 'Unauthorized', code: 'TOKEN_INVALID' });
    await expect(getJob(client)).rejects.toBeInstanceOf(Unauthorized);
    expect(server.requests).toHaveLength(0);
  });

  it('reaches a controller mounted under a custom path', async () => {
    server.on('GET', '/aap/api/controller/v2/jobs/1234/', ok());
    const client = new AapClient({ baseUrl: `${server.origin}/aap/api/controller/v2/`, token: TOKEN });

    await expect(getJob(client)).resolves.toMatchObject({ id: 1234 });
    client.close();
  });

  it('names an unscripted path (wrong base URL) as an unexpected 404 on a list', async () => {
    const { client } = clientFor(server, { prefix: '/api/controller' });

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error.message).toContain('GET /api/controller/v2/job_templates/?name=deploy-app answered HTTP 404');
    expect(error.message).toContain('The requested resource could not be found.');
  });
});
