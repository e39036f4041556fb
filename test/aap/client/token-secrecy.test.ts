import { inspect } from 'node:util';
import { AapClient, AapError } from '../../../lib/aap';
import { AapFixtureServer, type RecordedRequest, type ScriptedResponse } from '../../support/aap-fixture-server';
import { aapFixture, jobDetail, listOf } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor, scriptJobTemplateLookup, TOKEN } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const payload = { metadata: { name: 'vm-1' } };
/** A proxy that reflects the request headers into its error page. */
const echoHeaders =
  (status: number) =>
  (request: RecordedRequest): ScriptedResponse => ({
    status,
    body: `upstream said no to ${JSON.stringify(request.headers)}`,
  });
const echoHeadersAsJson =
  (status: number) =>
  (request: RecordedRequest): ScriptedResponse => ({
    status,
    body: {
      detail: `rejected Authorization: ${request.headers.authorization}`,
      extra_vars: [request.headers.authorization],
    },
  });

type Scenario = [string, (client: AapClient) => Promise<unknown>, () => void, Partial<{ timeoutMs: number }>?];

const getJob = (client: AapClient) => client.getJob({ id: 1234, kind: 'job' });
const launch = (client: AapClient) => client.launch('deploy-app', { payload });

const SCENARIOS: Scenario[] = [
  [
    '401 on a GET',
    getJob,
    () =>
      server.on('GET', '/api/v2/jobs/1234/', { status: 401, body: readAapFixture('error_401_not_authenticated.json') }),
  ],
  [
    '403 on a GET',
    getJob,
    () =>
      server.on('GET', '/api/v2/jobs/1234/', { status: 403, body: readAapFixture('error_403_permission_denied.json') }),
  ],
  [
    '404 on a job',
    getJob,
    () =>
      server.on('GET', '/api/v2/jobs/1234/', { status: 404, body: readAapFixture('error_404_not_found_drf315.json') }),
  ],
  [
    '503 until retries run out',
    getJob,
    () => server.on('GET', '/api/v2/jobs/1234/', { status: 503, body: 'no healthy upstream' }),
  ],
  ['a proxy echoing headers in a 502 page', getJob, () => server.on('GET', '/api/v2/jobs/1234/', echoHeaders(502))],
  [
    'a proxy echoing headers in a 400 JSON body',
    getJob,
    () => server.on('GET', '/api/v2/jobs/1234/', echoHeadersAsJson(400)),
  ],
  ['a dropped connection', getJob, () => server.on('GET', '/api/v2/jobs/1234/', { status: 0, behaviour: 'drop' })],
  [
    'a timeout',
    getJob,
    () => server.on('GET', '/api/v2/jobs/1234/', { status: 0, behaviour: 'hang' }),
    { timeoutMs: 80 },
  ],
  [
    'a body that breaks the schema',
    getJob,
    () => server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: jobDetail({ status: 3 }) }),
  ],
  [
    'a non-JSON 2xx',
    getJob,
    () => server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: `<html>${TOKEN}</html>` }),
  ],
  [
    'a next link to another origin',
    (client) => client.findTemplate('x'),
    () =>
      server.on('GET', '/api/v2/job_templates/', {
        status: 200,
        body: listOf([], 'http://elsewhere.invalid/api/v2/x/'),
      }),
  ],
  [
    'a launch 500',
    launch,
    () => {
      scriptJobTemplateLookup(server);
      server.on('POST', '/api/v2/job_templates/7/launch/', {
        status: 500,
        body: readAapFixture('error_404_unknown_path.json'),
      });
    },
  ],
  [
    'a launch 400 echoing the token',
    launch,
    () => {
      scriptJobTemplateLookup(server);
      server.on('POST', '/api/v2/job_templates/7/launch/', echoHeadersAsJson(400));
    },
  ],
  [
    'a launch timeout',
    launch,
    () => {
      scriptJobTemplateLookup(server);
      server.on('POST', '/api/v2/job_templates/7/launch/', { status: 0, behaviour: 'hang' });
    },
    { timeoutMs: 80 },
  ],
  [
    'ignored variables',
    launch,
    () => {
      scriptJobTemplateLookup(server);
      server.on('POST', '/api/v2/job_templates/7/launch/', {
        status: 201,
        body: aapFixture('job_template_launch_201_vars_ignored.json'),
      });
    },
  ],
  [
    'a cancel 403 on a running job',
    (client) => client.cancelJob({ id: 1234, kind: 'job' }),
    () => {
      server.on('POST', '/api/v2/jobs/1234/cancel/', echoHeaders(403));
      server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture('job_detail_running.json') });
    },
  ],
];

describe('the token never leaves the client', () => {
  it.each(SCENARIOS)('not through the error or the logs after %s', async (_case, act, script, options = {}) => {
    script();
    const { client, logger } = clientFor(server, { maxRetries: 1, ...options });

    const error = await caught(() => act(client));

    expect(error).toBeInstanceOf(AapError);
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => r.headers.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect('cause' in error).toBe(false);
    const renderings = [
      JSON.stringify(error),
      String(error),
      error.message,
      error.stack ?? '',
      inspect(error, { depth: 10, showHidden: true }),
      JSON.stringify(logger.lines),
      inspect(logger.lines, { depth: 10 }),
    ];
    for (const rendering of renderings) {
      expect(rendering).not.toContain(TOKEN);
      // No raw transport error hides inside either: it would carry the request headers.
      expect(rendering).not.toMatch(/Bearer (?!\[REDACTED\])|AxiosError|ClientRequest|IncomingMessage/);
    }
  });

  it('says where it blanked an echoed token', async () => {
    server.on('GET', '/api/v2/jobs/1234/', echoHeadersAsJson(400));
    const { client } = clientFor(server);

    const error = await caught(() => getJob(client));

    expect(error.message).toContain('rejected Authorization: Bearer [REDACTED]');
  });

  it('keeps the token out of option validation errors', () => {
    let error: unknown;
    try {
      new AapClient({ baseUrl: 'ftp://aap.example.com/api', token: `${TOKEN} with a space` });
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(TypeError);
    expect(inspect(error, { depth: 10 })).not.toContain(TOKEN);
    expect((error as Error).message).toContain('token');
    expect((error as Error).message).toContain('baseUrl');
  });

  it('serialises an error with its name, code and fields for Step Functions, without a stack', async () => {
    server.on('GET', '/api/v2/jobs/1234/', { status: 503 });
    const { client } = clientFor(server, { maxRetries: 0 });

    const error = await caught(() => getJob(client));

    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'Transient',
      message: 'GET /api/v2/jobs/1234/ failed with HTTP 503',
      code: 'HTTP_STATUS',
      status: 503,
      retryable: true,
      launchOutcomeUnknown: false,
      attempts: 1,
    });
  });
});
