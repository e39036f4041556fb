import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startKubeSimulator } from '../../../local/kube-simulator';
import {
  compareKubeVersions,
  defaultCrdPaths,
  loadCrdFile,
  PROJECT_CRD_PATH,
  TENANT_CRD_PATH,
} from '../../../local/kube-simulator/crd';
import { UPSTREAM_CRD, UPSTREAM_TENANT_CRD } from './support';

// biome-ignore lint/suspicious/noExplicitAny: the tests break CRD manifests in arbitrary places
type Manifest = Record<string, any>;

describe('kube simulator: CRD loading', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kube-sim-crd-'));
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function upstream(): Manifest {
    return parse(readFileSync(UPSTREAM_CRD, 'utf8'));
  }

  function write(name: string, content: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  }

  it('reads the upstream ComputeInstance CRD', () => {
    const [type] = loadCrdFile(UPSTREAM_CRD);
    expect(type).toMatchObject({
      group: 'osac.openshift.io',
      plural: 'computeinstances',
      singular: 'computeinstance',
      kind: 'ComputeInstance',
      listKind: 'ComputeInstanceList',
      shortNames: ['ci'],
      namespaced: true,
      storageVersion: 'v1alpha1',
    });
    expect(type?.versions.map((v) => [v.name, v.statusSubresource, v.printerColumns.length])).toEqual([
      ['v1alpha1', true, 8],
    ]);
  });

  it('defaults to the project CRDs, inside the repository: ComputeInstance and Tenant', () => {
    expect(defaultCrdPaths()).toEqual([PROJECT_CRD_PATH, TENANT_CRD_PATH]);
    const root = path.resolve(__dirname, '..', '..', '..');
    expect([PROJECT_CRD_PATH, TENANT_CRD_PATH].map((file) => path.relative(root, file))).toEqual([
      path.join('deploy', 'crds', 'computeinstances.osac.openshift.io.yaml'),
      path.join('deploy', 'crds', 'tenants.osac.openshift.io.yaml'),
    ]);
  });

  it('serves the Tenant CRD exactly as upstream has it (the vendored copy in test/fixtures/upstream/)', () => {
    expect(parse(readFileSync(TENANT_CRD_PATH, 'utf8'))).toEqual(parse(readFileSync(UPSTREAM_TENANT_CRD, 'utf8')));
    const [tenant] = loadCrdFile(TENANT_CRD_PATH);
    expect(tenant).toMatchObject({ kind: 'Tenant', plural: 'tenants', namespaced: true, storageVersion: 'v1alpha1' });
    expect(tenant?.versions.map((v) => [v.name, v.statusSubresource, v.printerColumns.length])).toEqual([
      ['v1alpha1', true, 5],
    ]);
  });

  it('takes every CRD of a multi-document manifest and skips other kinds', () => {
    const widget = upstream();
    widget.metadata.name = 'widgets.example.com';
    widget.spec.group = 'example.com';
    widget.spec.names = { kind: 'Widget', plural: 'widgets' };
    const file = write(
      'multi.yaml',
      [
        stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } }),
        stringify(upstream()),
        stringify(widget),
      ].join('---\n'),
    );
    expect(loadCrdFile(file).map((type) => `${type.plural}.${type.group}`)).toEqual([
      'computeinstances.osac.openshift.io',
      'widgets.example.com',
    ]);
  });

  it.each<[string, (crd: Manifest) => void, string]>([
    [
      'a name that does not match plural.group',
      (crd) => (crd.metadata.name = 'wrong'),
      'metadata.name must be "computeinstances.osac.openshift.io"',
    ],
    [
      'no storage version',
      (crd) => (crd.spec.versions[0].storage = false),
      'exactly one version must have storage: true',
    ],
    [
      'a schema keyword the simulator does not enforce',
      (crd) => (crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.anyOf = [{ required: ['cores'] }]),
      'anyOf',
    ],
  ])('refuses %s', (_case, mutate, message) => {
    const crd = upstream();
    mutate(crd);
    expect(() => loadCrdFile(write('bad.yaml', stringify(crd)))).toThrow(message);
  });

  it('refuses at start a CEL rule outside the supported subset, naming the field', async () => {
    const crd = upstream();
    crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.cores['x-kubernetes-validations'] = [
      { rule: 'self.isSorted()', message: 'x' },
    ];
    const file = write('cel.yaml', stringify(crd));
    await expect(startKubeSimulator({ crdPaths: [file] })).rejects.toThrow(
      'computeinstances.osac.openshift.io/v1alpha1.spec.cores: x-kubernetes-validations rule "self.isSorted()": function "isSorted" is not supported',
    );
  });

  it('refuses a file without any CRD', () => {
    expect(() => loadCrdFile(write('none.yaml', 'apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n'))).toThrow(
      'contains no CustomResourceDefinition',
    );
  });

  it.each([
    [
      ['v1alpha1', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v2'],
      ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v1alpha1'],
    ],
  ])('orders versions by Kubernetes priority: %j', (versions, expected) => {
    expect([...versions].sort(compareKubeVersions)).toEqual(expected);
  });
});
