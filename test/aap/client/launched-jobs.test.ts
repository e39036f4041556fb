import { DEFAULT_LAUNCH_SEARCH_LIMIT, InvalidResponse, TooManyCandidates } from '../../../lib/aap';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { API_PREFIXES, type ApiPrefix, aapFixture, jobDetail, listOf } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor, scriptJobTemplateLookup, scriptWorkflowTemplateLookup } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const SINCE = '2024-11-05T14:00:00Z';
const SINCE_QUERY = '2024-11-05T14:00:00.000Z';
const UID = '6f1c2b9e-0d4a-4c1e-9b7a-3e5d8f2a1c00';
/** Stands for credentials a payload may carry: it must never reach a log line or an error. */
const SECRET = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI-not-for-logs';

/** The extra_vars AAP stores for a launch of `buildLaunchBody` with a ComputeInstance of this uid. */
function launchVars(uid: string): string {
  return JSON.stringify({
    ansible_eda: {
      event: {
        payload: {
          apiVersion: 'osac.openshift.io/v1alpha1',
          kind: 'ComputeInstance',
          metadata: { name: `vm-${uid.slice(0, 4)}`, namespace: 'tenant-a', uid },
          spec: { sshKey: SECRET },
        },
      },
    },
  });
}

interface Candidate {
  id: number;
  created?: string;
  template?: number;
  extraVars?: string;
}

/** A list item as AAP's list view renders it, without extra_vars: the client must read those from the detail. */
function listed({ id, created = '2024-11-05T14:02:11.482915Z', template = 7 }: Candidate): Record<string, unknown> {
  const { result_traceback: _notInLists, extra_vars: _readFromDetail, ...item } = jobDetail({ id, created });
  return { ...item, job_template: template, unified_job_template: template };
}

/** Scripts the job list under `prefix` and every candidate's detail. */
function scriptCandidates(candidates: Candidate[], prefix: ApiPrefix = '/api'): void {
  server.on('GET', `${prefix}/v2/jobs/`, { status: 200, body: listOf(candidates.map(listed)) });
  for (const candidate of candidates) {
    server.on('GET', `${prefix}/v2/jobs/${candidate.id}/`, {
      status: 200,
      body: jobDetail(
        { id: candidate.id, created: candidate.created, extra_vars: candidate.extraVars ?? launchVars(UID) },
        'job_detail_running.json',
        prefix,
      ),
    });
  }
}

const detailsRead = () =>
  server.requests.filter((r) => /\/jobs\/\d+\/$/.test(r.path)).map((r) => Number(r.path.split('/').at(-2)));
const listRequests = (prefix: ApiPrefix = '/api', collection = 'jobs') =>
  server.requests.filter((r) => r.path === `${prefix}/v2/${collection}/`);

describe('findLaunchedJobs', () => {
  it.each(API_PREFIXES)(
    'lists the template jobs created since `since` under %s, oldest first, 200 a page, and finds none',
    async (prefix) => {
      scriptJobTemplateLookup(server, prefix);
      scriptCandidates([], prefix);
      const { client } = clientFor(server, { prefix });

      await expect(
        client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID }),
      ).resolves.toEqual([]);

      // Only documented filters: AAP answers an extra_vars filter with 403.
      expect(listRequests(prefix).map((r) => r.rawUrl)).toEqual([
        `${prefix}/v2/jobs/?job_template=7&created__gte=${SINCE_QUERY}&order_by=id&page_size=200`,
      ]);
      expect(detailsRead()).toEqual([]);
    },
  );

  it.each([
    ['the one job of the instance among jobs of other instances', ['uid-a', UID, 'uid-b'], [1302]],
    ['two launches for the instance, oldest first', [UID, 'uid-a', UID], [1301, 1303]],
    ['nothing when only other instances ran', ['uid-a', 'uid-b'], []],
  ])('finds %s, reading every candidate detail', async (_case, uids, expectedIds) => {
    scriptJobTemplateLookup(server);
    scriptCandidates(uids.map((uid, index) => ({ id: 1301 + index, extraVars: launchVars(uid) })));
    const { client } = clientFor(server);

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(jobs.map((job) => job.id)).toEqual(expectedIds);
    for (const job of jobs) {
      expect(job).toMatchObject({ kind: 'job', state: 'Running', terminal: false });
      expect(job.extraVars()).toMatchObject({ ansible_eda: { event: { payload: { metadata: { uid: UID } } } } });
    }
    expect(detailsRead()).toEqual(uids.map((_uid, index) => 1301 + index));
  });

  it.each([
    ['carry no ansible_eda event', '{"environment": "production"}'],
    ['hold a payload without metadata', '{"ansible_eda": {"event": {"payload": {"kind": "ComputeInstance"}}}}'],
    ['give the uid as a number', '{"ansible_eda": {"event": {"payload": {"metadata": {"uid": 5}}}}}'],
    ['are empty', ''],
  ])('does not count a job whose extra_vars %s', async (_case, extraVars) => {
    scriptJobTemplateLookup(server);
    scriptCandidates([{ id: 1301, extraVars }]);
    const { client } = clientFor(server);

    await expect(
      client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID }),
    ).resolves.toEqual([]);
    expect(detailsRead()).toEqual([1301]);
  });

  it.each([
    ['created a microsecond before since', { id: 1300, created: '2024-11-05T13:59:59.999999Z' }],
    ['of another template', { id: 1300, template: 8 }],
  ])('ignores a listed job %s, even one launched for the instance', async (_case, stray) => {
    scriptJobTemplateLookup(server);
    // The controller filters already; a proxy or an older API that loosened the filter must not change the answer.
    scriptCandidates([stray, { id: 1301, created: '2024-11-05T14:00:00Z' }]);
    const { client } = clientFor(server);

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(jobs.map((job) => job.id)).toEqual([1301]);
    expect(detailsRead()).toEqual([1301]);
  });

  it.each([
    ['an ISO string with an offset', '2024-11-05T15:00:00+01:00'],
    ['a Date', new Date(SINCE)],
  ])('takes since as %s and sends it as UTC', async (_case, since) => {
    scriptJobTemplateLookup(server);
    scriptCandidates([]);
    const { client } = clientFor(server);

    await client.findLaunchedJobs({ templateName: 'deploy-app', since, payloadUid: UID });

    expect(listRequests()[0]?.query.get('created__gte')).toBe(SINCE_QUERY);
  });

  it.each(API_PREFIXES)('searches the workflow jobs of a workflow job template under %s', async (prefix) => {
    scriptWorkflowTemplateLookup(server, prefix);
    const workflowJob = (id: number, uid: string) => ({
      ...aapFixture('workflow_job_running.json', prefix),
      id,
      extra_vars: launchVars(uid),
    });
    server.on('GET', `${prefix}/v2/workflow_jobs/`, {
      status: 200,
      body: listOf([1240, 1241].map((id) => ({ ...workflowJob(id, UID), extra_vars: undefined }))),
    });
    server.on('GET', `${prefix}/v2/workflow_jobs/1240/`, { status: 200, body: workflowJob(1240, 'uid-a') });
    server.on('GET', `${prefix}/v2/workflow_jobs/1241/`, { status: 200, body: workflowJob(1241, UID) });
    const { client } = clientFor(server, { prefix });

    const jobs = await client.findLaunchedJobs({
      templateName: 'release-pipeline',
      since: '2024-11-05T15:00:00Z',
      payloadUid: UID,
    });

    expect(jobs.map((job) => [job.id, job.kind, job.state])).toEqual([[1241, 'workflow_job', 'Running']]);
    expect(listRequests(prefix, 'workflow_jobs').map((r) => r.rawUrl)).toEqual([
      `${prefix}/v2/workflow_jobs/?workflow_job_template=12&created__gte=2024-11-05T15:00:00.000Z&order_by=id&page_size=200`,
    ]);
    expect(listRequests(prefix)).toEqual([]);
  });

  it.each(API_PREFIXES)('follows next pages under %s and reads the candidates of every page', async (prefix) => {
    scriptJobTemplateLookup(server, prefix);
    scriptCandidates([{ id: 1301, extraVars: launchVars('uid-a') }, { id: 1302 }], prefix);
    const nextPage = `${prefix}/v2/jobs/?created__gte=${SINCE_QUERY}&job_template=7&order_by=id&page=2&page_size=1`;
    server.on('GET', `${prefix}/v2/jobs/`, (request) => ({
      status: 200,
      body:
        request.query.get('page') === '2'
          ? { count: 2, next: null, previous: null, results: [listed({ id: 1302 })] }
          : { count: 2, next: nextPage, previous: null, results: [listed({ id: 1301 })] },
    }));
    const { client } = clientFor(server, { prefix });

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(jobs.map((job) => job.id)).toEqual([1302]);
    expect(listRequests(prefix).map((r) => r.rawUrl)).toEqual([
      `${prefix}/v2/jobs/?job_template=7&created__gte=${SINCE_QUERY}&order_by=id&page_size=200`,
      nextPage,
    ]);
    expect(detailsRead()).toEqual([1301, 1302]);
  });

  it('refuses more candidates than the default bound of 50 from the count, before reading any detail', async () => {
    scriptJobTemplateLookup(server);
    const candidates = Array.from({ length: 51 }, (_, index) => ({ id: 1301 + index }));
    scriptCandidates(candidates);

    const { client } = clientFor(server);

    const error = await caught(() =>
      client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID }),
    );

    expect(DEFAULT_LAUNCH_SEARCH_LIMIT).toBe(50);
    expect(error).toBeInstanceOf(TooManyCandidates);
    expect(error).toMatchObject({
      name: 'TooManyCandidates',
      code: 'TOO_MANY_CANDIDATES',
      retryable: false,
      templateName: 'deploy-app',
      since: SINCE_QUERY,
      limit: 50,
      found: 51,
    });
    expect(error.message).toContain('limit=50');
    expect(error.message).toContain(`GET /api/v2/jobs/?job_template=7&created__gte=${SINCE_QUERY}`);
    expect(listRequests()).toHaveLength(1);
    expect(detailsRead()).toEqual([]);
  });

  it('stops walking pages once a list without counts crosses the bound', async () => {
    scriptJobTemplateLookup(server);
    const page = (ids: number[], next: string | null) => ({
      next,
      previous: null,
      results: ids.map((id) => listed({ id })),
    });
    server.on('GET', '/api/v2/jobs/', (request) => ({
      status: 200,
      body:
        request.query.get('page') === null
          ? page([1301, 1302], '/api/v2/jobs/?page=2')
          : page([1303], '/api/v2/jobs/?page=3'),
    }));
    const { client } = clientFor(server);

    const error = await caught(() =>
      client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID, limit: 2 }),
    );

    expect(error).toMatchObject({ name: 'TooManyCandidates', limit: 2, found: 3 });
    expect(listRequests().map((r) => r.query.get('page'))).toEqual([null, '2']);
    expect(detailsRead()).toEqual([]);
  });

  it('reads every candidate when there are exactly `limit` of them', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([{ id: 1301 }, { id: 1302 }, { id: 1303 }]);
    const { client } = clientFor(server);

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID, limit: 3 });

    expect(jobs.map((job) => job.id)).toEqual([1301, 1302, 1303]);
  });

  it('skips a candidate purged between the list and its detail', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([{ id: 1301 }, { id: 1302 }]);
    server.on('GET', '/api/v2/jobs/1301/', { status: 404, body: readAapFixture('error_404_not_found_drf315.json') });
    const { client } = clientFor(server);

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(jobs.map((job) => job.id)).toEqual([1302]);
  });

  it('fails rather than skip a candidate whose extra_vars it cannot read, without quoting them', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([{ id: 1301, extraVars: `{"ansible_eda": {"event": {"payload": {"spec": "${SECRET}"` }]);
    const { client, logger } = clientFor(server);

    const error = await caught(() =>
      client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID }),
    );

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error.message).toContain('extra_vars of AAP job 1301 is not valid JSON');
    expect(JSON.stringify({ error, message: error.message, lines: logger.lines })).not.toContain(SECRET);
  });

  it('retries the list and the details like any read', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([{ id: 1301 }]);
    const list = listOf([listed({ id: 1301 })]);
    server.on('GET', '/api/v2/jobs/', { status: 503, body: 'no healthy upstream' }, { status: 200, body: list });
    server.on(
      'GET',
      '/api/v2/jobs/1301/',
      { status: 502, body: 'bad gateway' },
      { status: 200, body: jobDetail({ id: 1301, extra_vars: launchVars(UID) }) },
    );
    const { client, sleeps } = clientFor(server);

    const jobs = await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(jobs.map((job) => job.id)).toEqual([1301]);
    expect(sleeps).toHaveLength(2);
  });

  it('logs what it searched and found, never the extra_vars', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([
      { id: 1301, extraVars: launchVars('uid-a') },
      { id: 1302, extraVars: launchVars(UID) },
    ]);
    const { client, logger } = clientFor(server);

    await client.findLaunchedJobs({ templateName: 'deploy-app', since: SINCE, payloadUid: UID });

    expect(logger.lines).toContainEqual({
      level: 'info',
      message: 'AAP launched jobs searched',
      attributes: { template: 'deploy-app', since: SINCE_QUERY, candidates: 2, jobIds: [1302] },
    });
    const logged = JSON.stringify(logger.lines);
    expect(logged).not.toContain(SECRET);
    expect(logged).not.toContain('ansible_eda');
  });

  it('looks the template up once per client', async () => {
    scriptJobTemplateLookup(server);
    scriptCandidates([]);
    const { client } = clientFor(server);
    const search = { templateName: 'deploy-app', since: SINCE, payloadUid: UID };

    await client.findLaunchedJobs(search);
    await client.findLaunchedJobs(search);

    expect(server.requestsTo('GET', '/api/v2/job_templates/')).toHaveLength(1);
    expect(listRequests()).toHaveLength(2);
  });

  const valid = { templateName: 'deploy-app', since: SINCE, payloadUid: UID };
  it.each([
    ['templateName', 'empty', { ...valid, templateName: '' }],
    ['templateName', 'blank', { ...valid, templateName: '   ' }],
    ['templateName', 'missing', { ...valid, templateName: undefined }],
    ['since', 'not a datetime', { ...valid, since: 'yesterday' }],
    ['since', 'without a UTC offset', { ...valid, since: '2024-11-05T14:00:00' }],
    ['since', 'an invalid Date', { ...valid, since: new Date('not a date') }],
    ['since', 'epoch milliseconds', { ...valid, since: Date.parse(SINCE) }],
    ['payloadUid', 'empty', { ...valid, payloadUid: '' }],
    ['payloadUid', 'missing', { ...valid, payloadUid: undefined }],
    ['limit', 'zero', { ...valid, limit: 0 }],
    ['limit', 'a fraction', { ...valid, limit: 2.5 }],
    ['limit', 'a string', { ...valid, limit: '10' }],
  ])('rejects %s (%s) with a TypeError naming it, before any request', async (field, _case, input) => {
    const { client } = clientFor(server);

    const error = await caught(() => client.findLaunchedJobs(input as never));

    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toContain('Invalid findLaunchedJobs input');
    expect(error.message).toContain(`${field} must be`);
    expect(error.message).toContain(`input: ${field}: `);
    expect(server.requests).toHaveLength(0);
  });
});
