import { ComputeInstanceSpec, parseComputeInstance, TENANT_ANNOTATION } from '../../lib/computeinstance';
import {
  halted,
  onWebSubnet,
  restartRequested,
  type SpecChange,
  sampleInstance,
  sampleSpec,
  tenantAnnotations,
  withDataDisk,
  withSshKey,
} from '../../local/fixtures/sample-instance';
import { type KubeSimulator, startKubeSimulator } from '../../local/kube-simulator';

/** The one sample instance everything creates: valid in every variation, and never shared between callers. */

const NAMESPACE = 'osac-computeinstance';
const COLLECTION = `/apis/osac.openshift.io/v1alpha1/namespaces/${NAMESPACE}/computeinstances`;

const VARIATIONS: Array<[string, SpecChange, Partial<ComputeInstanceSpec>]> = [
  ['halted', halted, { runStrategy: 'Halted' }],
  [
    'on the web subnet',
    onWebSubnet,
    { networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: ['web-sg'] }] },
  ],
  ['with a data disk', withDataDisk, { additionalDisks: [{ sizeGiB: 50 }] }],
  ['with an SSH key', withSshKey, { sshKey: expect.stringMatching(/^ssh-ed25519 /) }],
  [
    'with a restart requested',
    restartRequested('2026-03-20T10:15:00Z'),
    { restartRequestedAt: '2026-03-20T10:15:00Z' },
  ],
];

describe('sampleSpec', () => {
  it('is a valid spec that always runs', () => {
    const spec = ComputeInstanceSpec.parse(sampleSpec());
    expect(spec).toMatchObject({ templateID: 'osac.templates.ocp_virt_vm', runStrategy: 'Always', cores: 2 });
    expect(spec.networkAttachments).toBeUndefined();
  });

  it.each(VARIATIONS)('%s: valid, and sets just what it names', (_name, change, expected) => {
    const spec = ComputeInstanceSpec.parse(sampleSpec(change));
    expect(spec).toEqual({ ...sampleSpec(), ...expected });
  });

  it('applies changes left to right', () => {
    expect(sampleSpec(halted, { runStrategy: 'Always' }).runStrategy).toBe('Always');
    expect(sampleSpec({ runStrategy: 'Always' }, halted).runStrategy).toBe('Halted');
    expect(sampleSpec(onWebSubnet, withDataDisk, halted)).toMatchObject({
      runStrategy: 'Halted',
      additionalDisks: [{ sizeGiB: 50 }],
      networkAttachments: [{ subnetRef: 'subnet-web' }],
    });
  });

  it('returns a fresh copy: a caller changing it touches neither the next call nor the variation', () => {
    const first = sampleSpec(onWebSubnet);
    first.image.sourceRef = 'changed';
    first.networkAttachments?.[0]?.securityGroupRefs?.push('ssh-sg');
    expect(sampleSpec(onWebSubnet).image.sourceRef).toBe('quay.io/containerdisks/fedora:latest');
    expect(onWebSubnet.networkAttachments?.[0]?.securityGroupRefs).toEqual(['web-sg']);
  });
});

describe('sampleInstance', () => {
  it('is a valid ComputeInstance with the metadata given, copied', () => {
    const metadata = { name: 'vm-1', namespace: NAMESPACE, annotations: tenantAnnotations('tenant-acme') };
    const instance = parseComputeInstance(sampleInstance(metadata, halted));
    expect(instance.metadata).toEqual({
      name: 'vm-1',
      namespace: NAMESPACE,
      annotations: { [TENANT_ANNOTATION]: 'tenant-acme' },
    });
    expect(instance.spec.runStrategy).toBe('Halted');
    instance.metadata.annotations = {};
    expect(metadata.annotations).toEqual({ [TENANT_ANNOTATION]: 'tenant-acme' });
  });

  describe("against the project's CRD", () => {
    let sim: KubeSimulator;
    beforeAll(async () => {
      sim = await startKubeSimulator({ namespaces: [NAMESPACE] });
    });
    afterAll(() => sim.close());

    const CASES: Array<[string, SpecChange]> = [
      ['plain', {}],
      ...VARIATIONS.map(([name, change]): [string, SpecChange] => [name, change]),
    ];

    it.each(CASES)('%s: the API server accepts it', async (name, change) => {
      const object = sampleInstance({ name: `vm-${name.replace(/[^a-z]+/g, '-')}`, namespace: NAMESPACE }, change);
      const response = await fetch(`${sim.url}${COLLECTION}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(object),
      });
      expect([response.status, await response.text()]).toEqual([201, expect.any(String)]);
    });
  });
});
