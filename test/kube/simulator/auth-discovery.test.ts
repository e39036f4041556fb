import { ApisApi, VersionApi } from '@kubernetes/client-node';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { API_VERSION, COLLECTION, GROUP, NS, raw, startSim, VERSION } from './support';
import { clientsFor, failure } from './support/client-node';

const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

describe('kube simulator: authentication and discovery', () => {
  let sim: KubeSimulator;

  beforeAll(async () => {
    sim = await startSim({ token: 'test-token-auth' });
  });

  afterAll(() => sim.close());

  it.each(['/healthz', '/livez', '/readyz', '/version'])('serves %s without a token', async (path) => {
    const response = await raw(sim, 'GET', path, { token: null });
    expect(response.status).toBe(200);
  });

  it.each([
    ['GET', '/api'],
    ['GET', '/apis'],
    ['GET', '/api/v1/namespaces'],
    ['GET', COLLECTION],
    ['POST', COLLECTION],
    ['GET', '/openapi/v3'],
  ])('answers %s %s without a token with a 401 Status', async (method, path) => {
    const response = await raw(sim, method, path, { token: null, body: method === 'POST' ? {} : undefined });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('refuses to start with an empty token, the only credential', async () => {
    await expect(startSim({ token: '' })).rejects.toThrow('startKubeSimulator: token: must not be empty');
  });

  it('refuses a wrong token, in the header or in the path', async () => {
    expect((await raw(sim, 'GET', '/api', { token: 'test-token-auth-x' })).status).toBe(401);
    expect((await raw(sim, 'GET', '/_token/wrong/api', { token: null })).status).toBe(401);
  });

  it('accepts the token as a path prefix (for kubectl over plain HTTP) and keeps it out of the request log', async () => {
    const response = await raw(sim, 'GET', '/_token/test-token-auth/api/v1/namespaces', { token: null });
    expect(response.status).toBe(200);
    const logged = sim.requestLog().filter((entry) => entry.path === '/api/v1/namespaces');
    expect(logged.length).toBeGreaterThan(0);
    expect(JSON.stringify(sim.requestLog())).not.toContain('test-token-auth');
  });

  it('reports a server version through client-node', async () => {
    const version = await clientsFor(sim).kc.makeApiClient(VersionApi).getCode();
    expect(version.major).toBe('1');
    expect(version.gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('lists the CRD group in /apis (and no apiextensions.k8s.io: CRDs are loaded from files, not served)', async () => {
    const groups = await clientsFor(sim).kc.makeApiClient(ApisApi).getAPIVersions();
    const byName = Object.fromEntries(groups.groups.map((group) => [group.name, group]));
    expect(byName[GROUP]?.preferredVersion).toEqual({ groupVersion: API_VERSION, version: VERSION });
    expect(Object.keys(byName)).toEqual([GROUP]);
  });

  it('serves the legacy /api and /api/v1 documents', async () => {
    expect((await raw(sim, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const core = (await raw(sim, 'GET', '/api/v1')).body;
    expect(core.resources).toContainEqual(
      expect.objectContaining({ name: 'namespaces', namespaced: false, kind: 'Namespace', shortNames: ['ns'] }),
    );
  });

  it('describes the resource and its status subresource in /apis/<group>/<version>', async () => {
    const response = await raw(sim, 'GET', `/apis/${GROUP}/${VERSION}`);
    expect(response.body).toMatchObject({ kind: 'APIResourceList', groupVersion: API_VERSION });
    expect(response.body.resources).toEqual([
      {
        name: 'computeinstances',
        singularName: 'computeinstance',
        namespaced: true,
        kind: 'ComputeInstance',
        verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
        shortNames: ['ci'],
      },
      {
        name: 'computeinstances/status',
        singularName: '',
        namespaced: true,
        kind: 'ComputeInstance',
        verbs: ['get', 'patch', 'update'],
      },
    ]);
    expect((await raw(sim, 'GET', `/apis/${GROUP}`)).body).toMatchObject({ kind: 'APIGroup', name: GROUP });
  });

  it('answers aggregated discovery with the apidiscovery content type kubectl checks', async () => {
    const response = await raw(sim, 'GET', '/apis', { accept: `${AGGREGATED_V2},application/json` });
    expect(response.headers.get('content-type')).toBe(AGGREGATED_V2);
    expect(response.body.kind).toBe('APIGroupDiscoveryList');
    const group = response.body.items.find((item: { metadata: { name: string } }) => item.metadata.name === GROUP);
    expect(group.versions[0].resources[0]).toMatchObject({
      resource: 'computeinstances',
      responseKind: { group: GROUP, version: VERSION, kind: 'ComputeInstance' },
      scope: 'Namespaced',
      singularResource: 'computeinstance',
      shortNames: ['ci'],
      subresources: [{ subresource: 'status', verbs: ['get', 'patch', 'update'] }],
    });
    const core = await raw(sim, 'GET', '/api', { accept: AGGREGATED_V2 });
    expect(core.body.items[0].versions[0].resources.map((r: { resource: string }) => r.resource)).toEqual([
      'namespaces',
    ]);
  });

  it('falls back to the legacy group list for a plain JSON accept header', async () => {
    const response = await raw(sim, 'GET', '/apis', { accept: 'application/json' });
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body.kind).toBe('APIGroupList');
  });

  it('serves OpenAPI v3 with a PATCH operation that accepts fieldValidation and no strategic merge patch', async () => {
    const index = await raw(sim, 'GET', '/openapi/v3');
    const link = index.body.paths[`apis/${GROUP}/${VERSION}`].serverRelativeURL as string;
    const document = (await raw(sim, 'GET', link)).body;
    const item = document.paths[`/apis/${GROUP}/${VERSION}/namespaces/{namespace}/computeinstances/{name}`];
    expect(item.patch['x-kubernetes-group-version-kind']).toEqual({
      group: GROUP,
      version: VERSION,
      kind: 'ComputeInstance',
    });
    expect(item.patch.parameters.map((p: { name: string }) => p.name)).toContain('fieldValidation');
    expect(Object.keys(item.patch.requestBody.content)).not.toContain('application/strategic-merge-patch+json');
    expect((await raw(sim, 'GET', '/openapi/v2')).status).toBe(404);
  });

  it.each([
    [`/apis/${GROUP}/v9/namespaces/${NS}/computeinstances`, 404],
    [`/apis/${GROUP}/${VERSION}/namespaces/${NS}/widgets`, 404],
    [`/apis/${GROUP}/${VERSION}/namespaces/${NS}/computeinstances/x/scale`, 404],
    ['/apis/unknown.example.com', 404],
  ])('answers an unknown resource path %s with a NotFound Status', async (path, code) => {
    const response = await raw(sim, 'GET', path);
    expect(response.status).toBe(code);
    expect(response.body).toMatchObject({ kind: 'Status', reason: 'NotFound' });
  });

  it('answers a path outside the API with a plain 404', async () => {
    const response = await raw(sim, 'GET', '/metrics');
    expect(response.status).toBe(404);
    expect(response.text).toBe('404 page not found\n');
  });

  it('answers through client-node with an ApiException carrying the Status', async () => {
    const { code, status } = await failure(
      clientsFor(sim).custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        namespace: NS,
        plural: 'computeinstances',
        name: 'absent',
      }),
    );
    expect(code).toBe(404);
    expect(status.message).toBe('computeinstances.osac.openshift.io "absent" not found');
  });
});
