import {
  AapError,
  CredentialsIgnored,
  Forbidden,
  InvalidResponse,
  LaunchRejected,
  TemplateNotFound,
  Transient,
  Unauthorized,
  VariablesIgnored,
} from '../../../lib/aap';
import { buildLaunchBody, parseLaunchInput } from '../../../lib/aap/launch';
import { payloadUidOf } from '../../../lib/aap/launched-jobs';
import { AapFixtureServer, type ScriptedResponse } from '../../support/aap-fixture-server';
import { API_PREFIXES, aapFixture } from '../../support/aap-fixtures';
import { readAapFixture } from '../../support/fixtures';
import { caught, clientFor, scriptJobTemplateLookup, scriptWorkflowTemplateLookup } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const payload = {
  apiVersion: 'osac.openshift.io/v1alpha1',
  kind: 'ComputeInstance',
  metadata: { name: 'vm-1', namespace: 'tenant-a' },
  spec: { cores: 2, memoryGiB: 4 },
};
const LAUNCH_JT = '/api/v2/job_templates/7/launch/';

function scriptLaunch(...responses: ScriptedResponse[]): void {
  scriptJobTemplateLookup(server);
  server.on('POST', LAUNCH_JT, ...responses);
}

describe('launch', () => {
  it.each(API_PREFIXES)('POSTs both envelopes (the default) to the job template under %s', async (prefix) => {
    scriptJobTemplateLookup(server, prefix);
    server.on('POST', `${prefix}/v2/job_templates/7/launch/`, {
      status: 201,
      body: aapFixture('job_template_launch_201.json', prefix),
      headers: { Location: `${prefix}/v2/jobs/1234/` },
    });
    const { client } = clientFor(server, { prefix });

    const result = await client.launch('deploy-app', {
      payload,
      tenantStorageClasses: [{ name: 'fast', tier: 'gold' }],
    });

    expect(result).toEqual({ jobId: 1234, kind: 'job', templateId: 7 });
    const [post] = server.requestsTo('POST', `${prefix}/v2/job_templates/7/launch/`);
    expect(post?.headers['content-type']).toContain('application/json');
    const classes = [{ name: 'fast', tier: 'gold' }];
    expect(JSON.parse(post?.body ?? '')).toEqual({
      extra_vars: {
        osac_job_vars: { resource: payload, tenant_storage_classes: classes },
        ansible_eda: { event: { payload, tenant_storage_classes: classes } },
      },
    });
  });

  it('names the cluster in the top-level cloudkit_cluster variable and sends its AAP credentials', async () => {
    scriptLaunch({ status: 201, body: aapFixture('job_template_launch_201.json') });
    const { client } = clientFor(server);

    await client.launch('deploy-app', {
      payload,
      jobVars: 'ansible_eda',
      cluster: 'dev-east',
      credentials: [12, 7],
    });

    expect(JSON.parse(server.requestsTo('POST', LAUNCH_JT)[0]?.body ?? '')).toEqual({
      extra_vars: { cloudkit_cluster: 'dev-east', ansible_eda: { event: { payload } } },
      credentials: [12, 7],
    });
  });

  it('sends no credentials key when the cluster lists none', async () => {
    scriptLaunch(
      { status: 201, body: aapFixture('job_template_launch_201.json') },
      { status: 201, body: aapFixture('job_template_launch_201.json') },
    );
    const { client } = clientFor(server);

    await client.launch('deploy-app', { payload, cluster: 'dev-east' });
    await client.launch('deploy-app', { payload, cluster: 'dev-east', credentials: [] });

    for (const post of server.requestsTo('POST', LAUNCH_JT)) {
      expect(Object.keys(JSON.parse(post.body))).toEqual(['extra_vars']);
    }
  });

  it('launches a workflow job template at its own endpoint and reports a workflow_job', async () => {
    scriptWorkflowTemplateLookup(server);
    server.on('POST', '/api/v2/workflow_job_templates/12/launch/', {
      status: 201,
      body: aapFixture('workflow_job_template_launch_201.json'),
    });
    const { client } = clientFor(server);

    await expect(client.launch('release-pipeline', { payload, jobVars: 'osac_job_vars' })).resolves.toEqual({
      jobId: 1240,
      kind: 'workflow_job',
      templateId: 12,
    });
    expect(JSON.parse(server.requestsTo('POST', '/api/v2/workflow_job_templates/12/launch/')[0]?.body ?? '')).toEqual({
      extra_vars: { osac_job_vars: { resource: payload } },
    });
  });

  it('takes the job id from "id" when the "job" key is missing', async () => {
    scriptLaunch({ status: 201, body: { id: 99, ignored_fields: {} } });
    const { client } = clientFor(server);

    await expect(client.launch('deploy-app', { payload })).resolves.toMatchObject({ jobId: 99 });
  });

  it('flags the outcome unknown when a 201 carries no job id at all', async () => {
    scriptLaunch({ status: 201, body: { ignored_fields: {} } });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error).toMatchObject({ launchOutcomeUnknown: true, status: 201 });
  });

  it('reuses the cached template id for the second launch', async () => {
    scriptLaunch({ status: 201, body: aapFixture('job_template_launch_201.json') });
    const { client } = clientFor(server);

    await client.launch('deploy-app', { payload });
    await client.launch('deploy-app', { payload });

    expect(server.requestsTo('GET', '/api/v2/job_templates/')).toHaveLength(1);
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(2);
  });

  it('turns non-empty ignored_fields into VariablesIgnored that names the fix and the created job', async () => {
    scriptLaunch({ status: 201, body: aapFixture('job_template_launch_201_vars_ignored.json') });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(VariablesIgnored);
    expect(error).toMatchObject({
      name: 'VariablesIgnored',
      jobId: 1234,
      kind: 'job',
      templateId: 7,
      ignoredFields: ['extra_vars'],
      retryable: false,
    });
    expect(error.message).toContain('enable "Prompt on launch" for Variables on template "deploy-app"');
    expect(error.message).toContain('1234');
    // The ignored values echo the launch variables; only field names belong in the error.
    expect(JSON.stringify(error)).not.toContain('run-8f3a');
  });

  it('turns ignored credentials into CredentialsIgnored that names the Credentials prompt and the created job', async () => {
    scriptLaunch({
      status: 201,
      body: {
        ...aapFixture<Record<string, unknown>>('job_template_launch_201.json'),
        ignored_fields: { credentials: [12] },
      },
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload, cluster: 'dev-east', credentials: [12] }));

    expect(error).toBeInstanceOf(CredentialsIgnored);
    expect(error).toMatchObject({
      name: 'CredentialsIgnored',
      code: 'CREDENTIALS_IGNORED',
      jobId: 1234,
      kind: 'job',
      templateId: 7,
      ignoredFields: ['credentials'],
      retryable: false,
      launchOutcomeUnknown: false,
    });
    expect(error.message).toContain('enable "Prompt on launch" for Credentials on template "deploy-app"');
    expect(error.message).toContain('job 1234 exists and runs without credentials');
  });

  it('refuses credentials for a workflow job template before launching: it has no such launch field', async () => {
    scriptWorkflowTemplateLookup(server);
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('release-pipeline', { payload, credentials: [12] }));

    expect(error).toBeInstanceOf(CredentialsIgnored);
    expect(error).toMatchObject({ name: 'CredentialsIgnored', jobId: undefined, templateId: 12, retryable: false });
    expect(error.message).toContain(
      'Workflow job template "release-pipeline" (id 12) takes no launch-time credentials',
    );
    expect(server.requestsTo('POST', '/api/v2/workflow_job_templates/12/launch/')).toHaveLength(0);
  });

  it('reports variables and credentials both ignored as VariablesIgnored naming both prompts', async () => {
    scriptLaunch({
      status: 201,
      body: {
        ...aapFixture<Record<string, unknown>>('job_template_launch_201.json'),
        ignored_fields: { extra_vars: {}, credentials: [12] },
      },
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload, credentials: [12] }));

    expect(error).toBeInstanceOf(VariablesIgnored);
    expect(error.message).toContain('enable "Prompt on launch" for Variables and Credentials on template "deploy-app"');
  });

  it.each([
    ['launch_400_variables_needed_to_start.json', "variables_needed_to_start: 'app_version' value missing"],
    [
      'launch_400_resources_needed_to_start.json',
      'resources_needed_to_start: Job Template inventory is missing or undefined.',
    ],
    ['launch_400_passwords_needed_to_start.json', 'passwords_needed_to_start: ssh_password'],
    [
      'launch_400_wfjt_extra_vars_not_allowed.json',
      'extra_vars: Variables app_version, orchestrator_run_id are not allowed',
    ],
    ['launch_400_extra_vars_unparseable.json', 'extra_vars: Cannot parse as JSON'],
    ['error_400_json_parse.json', 'JSON parse error - Expecting property name'],
  ])('quotes AAP in LaunchRejected for %s, without retrying', async (fixture, quoted) => {
    scriptLaunch({ status: 400, body: readAapFixture(fixture) });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(LaunchRejected);
    expect(error).toMatchObject({ name: 'LaunchRejected', status: 400, retryable: false, launchOutcomeUnknown: false });
    expect(error.message).toContain('template "deploy-app" (id 7) with HTTP 400');
    expect(error.message).toContain(quoted);
    expect((error as LaunchRejected).messages.some((message) => message.startsWith(quoted))).toBe(true);
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
  });

  it('quotes every field of a multi-field 400', async () => {
    scriptLaunch({
      status: 400,
      body: { limit: ['Field is not configured to prompt on launch.'], __all__: ['Boom.'] },
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect((error as LaunchRejected).messages).toEqual([
      'limit: Field is not configured to prompt on launch.',
      'Boom.',
    ]);
  });

  it('reports 415 as LaunchRejected with AAP detail', async () => {
    scriptLaunch({ status: 415, body: readAapFixture('error_415_unsupported_media_type.json') });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(LaunchRejected);
    expect(error.message).toContain('Unsupported media type');
  });

  it.each(['error_404_not_found_drf314.json', 'error_404_not_found_drf315.json'])(
    'drops the cached id on a launch 404 (%s) and looks the name up again next time',
    async (fixture) => {
      scriptLaunch(
        { status: 404, body: readAapFixture(fixture) },
        { status: 201, body: aapFixture('job_template_launch_201.json') },
      );
      const { client } = clientFor(server);

      const error = await caught(() => client.launch('deploy-app', { payload }));
      expect(error).toBeInstanceOf(TemplateNotFound);
      expect(error).toMatchObject({ name: 'TemplateNotFound', status: 404, retryable: false });
      expect(error.message).toContain('POST /api/v2/job_templates/7/launch/');
      expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);

      await expect(client.launch('deploy-app', { payload })).resolves.toMatchObject({ jobId: 1234 });
      expect(server.requestsTo('GET', '/api/v2/job_templates/')).toHaveLength(2);
    },
  );

  it.each([500, 502, 503, 504])('never retries a launch on HTTP %i and flags the outcome unknown', async (status) => {
    scriptLaunch(
      { status, body: 'upstream connect error or disconnect/reset before headers', headers: { 'Retry-After': '1' } },
      { status: 201, body: aapFixture('job_template_launch_201.json') },
    );
    const { client, sleeps } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ name: 'Transient', status, retryable: true, launchOutcomeUnknown: true });
    expect(error.message).toContain('may or may not have been created');
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries a launch that timed out, and flags the outcome unknown', async () => {
    scriptLaunch({ status: 0, behaviour: 'hang' }, { status: 201, body: aapFixture('job_template_launch_201.json') });
    const { client } = clientFor(server, { timeoutMs: 150 });

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ code: 'TIMEOUT', launchOutcomeUnknown: true });
    expect(error.message).toContain('timed out after 150 ms');
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
  });

  it('never retries a launch whose connection dropped, and flags the outcome unknown', async () => {
    scriptLaunch({ status: 0, behaviour: 'drop' }, { status: 201, body: aapFixture('job_template_launch_201.json') });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ code: 'NETWORK', launchOutcomeUnknown: true });
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
  });

  it('knows a launch refused at connect time did not happen', async () => {
    const doomed = await AapFixtureServer.start();
    doomed.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: aapFixture('job_templates_list_by_name.json'),
    });
    const { client } = clientFor(doomed);
    await client.findTemplate('deploy-app');
    await doomed.close();

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ code: 'NETWORK', launchOutcomeUnknown: false });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('does not retry a throttled launch; the proxy refused it, so it did not happen', async () => {
    scriptLaunch({ status: 429, body: '', headers: { 'Retry-After': '1' } });
    const { client, sleeps } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toMatchObject({ name: 'Transient', status: 429, launchOutcomeUnknown: false });
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it.each([
    [401, 'Unauthorized', 'error_401_not_authenticated.json', Unauthorized],
    [403, 'Forbidden', 'error_403_permission_denied.json', Forbidden],
  ])('maps a launch %i to %s, which did not create a job', async (status, _name, fixture, type) => {
    scriptLaunch({ status, body: readAapFixture(fixture) });
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ status, retryable: false, launchOutcomeUnknown: false });
    expect(server.requestsTo('POST', LAUNCH_JT)).toHaveLength(1);
  });

  it.each([
    ['a 2xx HTML page', { status: 200, body: '<html>Migrations in progress</html>' }],
    ['a redirect', { status: 302, headers: { Location: '/migrations_notran/' } }],
  ])('treats %s from a launch as outcome unknown, without following or retrying', async (_case, response) => {
    scriptLaunch(response);
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ launchOutcomeUnknown: true });
    expect(server.requests.map((r) => r.path)).toEqual(['/api/v2/job_templates/', LAUNCH_JT]);
  });

  it('sends the launch on a fresh connection, never on a pooled one the server may have closed', async () => {
    scriptLaunch({ status: 201, body: aapFixture('job_template_launch_201.json') });
    server.on('GET', '/api/v2/jobs/1234/', { status: 200, body: aapFixture('job_detail_pending.json') });
    const { client } = clientFor(server);

    await client.launch('deploy-app', { payload });
    await client.getJob({ id: 1234, kind: 'job' });

    const [lookup, launch, poll] = server.requests;
    expect(poll?.remotePort).toBe(lookup?.remotePort);
    expect(launch?.remotePort).not.toBe(lookup?.remotePort);
    expect(launch?.headers.connection).toBe('close');
  });

  it.each([
    ['a payload that is not an object', { payload: ['x'] }],
    ['extraEventKeys that would replace the payload', { payload, extraEventKeys: { payload: {} } }],
    ['extraEventKeys that would replace the resource', { payload, extraEventKeys: { resource: {} } }],
    ['an envelope that does not exist', { payload, jobVars: 'osac' }],
    ['a storage class without a tier', { payload, tenantStorageClasses: [{ name: 'fast' }] }],
    ['an empty cluster id', { payload, cluster: '' }],
    ['a credential id that is not a positive integer', { payload, credentials: [1.5] }],
  ])('rejects %s before any request', async (_case, input) => {
    const { client } = clientFor(server);

    const error = await caught(() => client.launch('deploy-app', input as never));

    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(AapError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('buildLaunchBody', () => {
  // As read: fields this code has no schema for (resize's `vcpus`, anything added upstream) reach the playbooks.
  const resource = {
    ...payload,
    metadata: { ...payload.metadata, uid: 'uid-1', annotations: { 'osac.openshift.io/tenant': 'acme' } },
    spec: { vcpus: 4, memoryGiB: 8, futureField: { nested: [1, 'two'] } },
    status: { desiredConfigVersion: '0123456789abcdef', tenantReference: { name: 'acme', namespace: 'osac' } },
  };
  const classes = [{ name: 'lvms-local', tier: 'local' }];

  it.each([
    ['osac_job_vars', { jobVars: 'osac_job_vars' }, { osac_job_vars: { resource } }],
    ['ansible_eda', { jobVars: 'ansible_eda' }, { ansible_eda: { event: { payload: resource } } }],
    ['both', { jobVars: 'both' }, { osac_job_vars: { resource }, ansible_eda: { event: { payload: resource } } }],
    ['both, when not said', {}, { osac_job_vars: { resource }, ansible_eda: { event: { payload: resource } } }],
    [
      'storage classes in each envelope',
      { tenantStorageClasses: classes },
      {
        osac_job_vars: { resource, tenant_storage_classes: classes },
        ansible_eda: { event: { payload: resource, tenant_storage_classes: classes } },
      },
    ],
    [
      'no storage classes key when the list is empty',
      { jobVars: 'osac_job_vars', tenantStorageClasses: [] },
      {
        osac_job_vars: { resource },
      },
    ],
    [
      'the cluster beside the envelopes, never inside',
      { jobVars: 'osac_job_vars', cluster: 'dev-east' },
      { osac_job_vars: { resource }, cloudkit_cluster: 'dev-east' },
    ],
  ])('carries %s', (_case, options, extraVars) => {
    const body = buildLaunchBody(parseLaunchInput({ payload: resource, ...options }));

    expect(body).toEqual({ extra_vars: extraVars });
  });

  it('sends the object unchanged, the same in both envelopes', () => {
    const body = buildLaunchBody(parseLaunchInput({ payload: resource, jobVars: 'both' }));

    expect(JSON.stringify(body.extra_vars.osac_job_vars?.resource)).toBe(JSON.stringify(resource));
    expect(body.extra_vars.ansible_eda?.event.payload).toEqual(body.extra_vars.osac_job_vars?.resource);
  });

  it.each([
    ['osac_job_vars', { osac_job_vars: { resource: { metadata: { uid: 'u-1' } } } }, 'u-1'],
    ['ansible_eda', { ansible_eda: { event: { payload: { metadata: { uid: 'u-2' } } } } }, 'u-2'],
    [
      'both',
      { osac_job_vars: { resource: { metadata: { uid: 'u-3' } } }, ansible_eda: { event: { payload: {} } } },
      'u-3',
    ],
    ['neither', { other: {} }, undefined],
  ])('finds the launched uid again in %s (payloadUidOf)', (_case, extraVars, uid) => {
    expect(payloadUidOf(extraVars)).toBe(uid);
  });
});
