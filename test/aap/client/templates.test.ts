import { AmbiguousTemplate, InvalidResponse, TemplateNotFound, Unauthorized } from '../../../lib/aap';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { API_PREFIXES, aapFixture, listOf } from '../../support/aap-fixtures';
import { caught, clientFor, scriptJobTemplateLookup, scriptWorkflowTemplateLookup, TOKEN } from './harness';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const jt = aapFixture<{ results: Record<string, unknown>[] }>('job_templates_list_by_name.json').results[0] ?? {};
const template = (overrides: Record<string, unknown>) => ({ ...jt, ...overrides });

describe('findTemplate', () => {
  it.each(API_PREFIXES)('finds a job template by exact name under %s, without asking for workflows', async (prefix) => {
    scriptJobTemplateLookup(server, prefix);
    const { client } = clientFor(server, { prefix });

    await expect(client.findTemplate('deploy-app')).resolves.toEqual({
      id: 7,
      type: 'job_template',
      name: 'deploy-app',
    });

    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe(`${prefix}/v2/job_templates/`);
    expect(request?.query.get('name')).toBe('deploy-app');
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(request?.headers.accept).toContain('application/json');
  });

  it.each(API_PREFIXES)('falls back to workflow job templates under %s, after job templates', async (prefix) => {
    scriptWorkflowTemplateLookup(server, prefix);
    const { client } = clientFor(server, { prefix });

    await expect(client.findTemplate('release-pipeline')).resolves.toEqual({
      id: 12,
      type: 'workflow_job_template',
      name: 'release-pipeline',
    });
    expect(server.requests.map((r) => r.path)).toEqual([
      `${prefix}/v2/job_templates/`,
      `${prefix}/v2/workflow_job_templates/`,
    ]);
    expect(server.requests[1]?.query.get('name')).toBe('release-pipeline');
  });

  it('prefers the job template when a workflow job template has the same name', async () => {
    scriptJobTemplateLookup(server);
    server.on('GET', '/api/v2/workflow_job_templates/', {
      status: 200,
      body: listOf([
        {
          ...aapFixture<{ results: Record<string, unknown>[] }>('workflow_job_templates_list_by_name.json').results[0],
          name: 'deploy-app',
        },
      ]),
    });
    const { client } = clientFor(server);

    await expect(client.findTemplate('deploy-app')).resolves.toMatchObject({ id: 7, type: 'job_template' });
    expect(server.requestsTo('GET', '/api/v2/workflow_job_templates/')).toHaveLength(0);
  });

  it('names the template and both endpoints it searched when nothing matches', async () => {
    server.on('GET', '/api/controller/v2/job_templates/', {
      status: 200,
      body: aapFixture('job_templates_list_empty.json'),
    });
    server.on('GET', '/api/controller/v2/workflow_job_templates/', { status: 200, body: listOf([]) });
    const { client } = clientFor(server, { prefix: '/api/controller' });

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(TemplateNotFound);
    expect(error.name).toBe('TemplateNotFound');
    expect(error.message).toContain('"deploy-app"');
    expect(error.message).toContain('GET /api/controller/v2/job_templates/?name=deploy-app');
    expect(error.message).toContain('GET /api/controller/v2/workflow_job_templates/?name=deploy-app');
  });

  it('keeps only exact (case-sensitive) name matches when the server returns near misses', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: listOf([
        template({ id: 30, name: 'deploy-app-v2' }),
        template({ id: 31, name: 'Deploy-App' }),
        template({ id: 7, name: 'deploy-app' }),
      ]),
    });
    const { client } = clientFor(server);

    await expect(client.findTemplate('deploy-app')).resolves.toMatchObject({ id: 7 });
  });

  it('treats near misses alone as not found', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: listOf([template({ id: 31, name: 'Deploy-App' })]),
    });
    server.on('GET', '/api/v2/workflow_job_templates/', { status: 200, body: listOf([]) });
    const { client } = clientFor(server);

    await expect(client.findTemplate('deploy-app')).rejects.toBeInstanceOf(TemplateNotFound);
  });

  it('refuses to guess between two templates of the same name in different organizations', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: listOf([template({ id: 7, organization: 1 }), template({ id: 19, organization: 3 })]),
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(AmbiguousTemplate);
    expect(error.name).toBe('AmbiguousTemplate');
    expect(error.message).toContain('id 7 (organization 1), id 19 (organization 3)');
    expect(error.message).toContain('"organization" option');
    expect(server.requestsTo('GET', '/api/v2/workflow_job_templates/')).toHaveLength(0);
  });

  it.each([
    [1, 'organization', '1'],
    ['4', 'organization', '4'],
    ['Default', 'organization__name', 'Default'],
    ['Ops Team', 'organization__name', 'Ops Team'],
  ])('filters by organization %p as %s=%s', async (organization, key, value) => {
    scriptJobTemplateLookup(server);
    const { client } = clientFor(server, { organization });

    await client.findTemplate('deploy-app');

    const query = server.requests[0]?.query;
    expect(query?.get('name')).toBe('deploy-app');
    expect(query?.get(key)).toBe(value);
    expect([...(query?.keys() ?? [])].sort()).toEqual(['name', key].sort());
  });

  it('still reports ambiguity inside a configured organization, with advice that fits', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: listOf([template({ id: 7 }), template({ id: 8 })]),
    });
    const { client } = clientFor(server, { organization: 'Default' });

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(AmbiguousTemplate);
    expect(error.message).toContain('unique per organization');
  });

  it('caches a resolved name per client and looks it up again after invalidateTemplate', async () => {
    scriptJobTemplateLookup(server);
    const { client } = clientFor(server);

    await client.findTemplate('deploy-app');
    await client.findTemplate('deploy-app');
    expect(server.requests).toHaveLength(1);

    client.invalidateTemplate('deploy-app');
    await client.findTemplate('deploy-app');
    expect(server.requests).toHaveLength(2);

    const other = clientFor(server).client;
    await other.findTemplate('deploy-app');
    expect(server.requests).toHaveLength(3);
  });

  it.each(API_PREFIXES)('follows next links under %s, keeping the prefix', async (prefix) => {
    server.on('GET', `${prefix}/v2/job_templates/`, (request) =>
      request.query.get('page') === '2'
        ? { status: 200, body: { count: 2, next: null, previous: null, results: [template({ id: 7 })] } }
        : {
            status: 200,
            body: {
              count: 2,
              next: `${prefix}/v2/job_templates/?name=deploy-app&page=2`,
              previous: null,
              results: [template({ id: 40, name: 'deploy-app-old' })],
            },
          },
    );
    const { client } = clientFor(server, { prefix });

    await expect(client.findTemplate('deploy-app')).resolves.toMatchObject({ id: 7 });
    expect(server.requests.map((r) => r.rawUrl)).toEqual([
      `${prefix}/v2/job_templates/?name=deploy-app`,
      `${prefix}/v2/job_templates/?name=deploy-app&page=2`,
    ]);
  });

  it('sends names with reserved characters as an encoded query parameter, never in the path', async () => {
    const name = 'deploy app & co+1/2?';
    server.on('GET', '/api/v2/job_templates/', { status: 200, body: listOf([template({ name })]) });
    const { client } = clientFor(server);

    await expect(client.findTemplate(name)).resolves.toMatchObject({ id: 7, name });
    expect(server.requests[0]?.path).toBe('/api/v2/job_templates/');
    expect(server.requests[0]?.query.get('name')).toBe(name);
  });

  it('refuses to follow a next link to another origin (it would carry the token there)', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 200,
      body: { count: 2, next: 'http://attacker.invalid/api/v2/job_templates/?page=2', previous: null, results: [] },
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error.message).toContain('another origin');
    expect(server.requests).toHaveLength(1);
  });

  it('maps 401 on lookup to Unauthorized without retrying', async () => {
    server.on('GET', '/api/v2/job_templates/', {
      status: 401,
      body: aapFixture('error_401_not_authenticated.json'),
      headers: { 'WWW-Authenticate': 'Bearer realm=api authorization_url=/api/o/authorize/' },
    });
    const { client } = clientFor(server);

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(Unauthorized);
    expect(error).toMatchObject({ name: 'Unauthorized', status: 401, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('quotes AAP on an unexpected 400 from the list endpoint', async () => {
    server.on('GET', '/api/v2/job_templates/', { status: 400, body: aapFixture('error_400_bad_filter_field.json') });
    const { client } = clientFor(server);

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error).toMatchObject({ code: 'UNEXPECTED_STATUS', status: 400 });
    expect(error.message).toContain("JobTemplate has no field named 'nme'");
    expect(server.requests).toHaveLength(1);
  });

  it.each([
    ['a body without results', { count: 0, next: null }, 'results'],
    ['an item whose id is a string', listOf([template({ id: '7' })]), 'results[0].id'],
    ['an item without a name', listOf([{ id: 7 }]), 'results[0].name'],
  ])('names the endpoint and the field for %s', async (_case, body, field) => {
    server.on('GET', '/api/v2/job_templates/', { status: 200, body });
    const { client } = clientFor(server);

    const error = await caught(() => client.findTemplate('deploy-app'));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error).toMatchObject({ name: 'InvalidResponse', code: 'INVALID_BODY' });
    expect(error.message).toContain('GET /api/v2/job_templates/?name=deploy-app');
    expect(error.message).toContain(`"${field}"`);
  });

  it('rejects an empty template name before any request', async () => {
    const { client } = clientFor(server);
    await expect(client.findTemplate('  ')).rejects.toThrow(TypeError);
    expect(server.requests).toHaveLength(0);
  });
});
