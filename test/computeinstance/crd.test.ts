import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { z } from 'zod';
import { GROUP, KIND, LIST_KIND, PLURAL, SINGULAR, VERSION } from '../../lib/computeinstance';
import {
  CONDITION_REASON_PATTERN,
  CONDITION_TYPE_PATTERN,
  ComputeInstance,
  ComputeInstanceSpec,
  ComputeInstanceStatus,
  Condition,
  ConditionStatus,
  DiskSpec,
  GpuSpec,
  ImageSourceType,
  ImageSpec,
  MAX_CONDITION_MESSAGE_LENGTH,
  MAX_CORES,
  MAX_GPU_COUNT,
  MAX_NETWORK_ATTACHMENTS,
  MAX_STORAGE_TIER_LENGTH,
  NetworkAttachment,
  Phase,
  ProvisioningJob,
  RunStrategy,
  STORAGE_TIER_PATTERN,
  TEMPLATE_ID_PATTERN,
  TenantReference,
  VirtualMachineReference,
} from '../../lib/computeinstance/schema';
import { JobState, JobType } from '../../lib/domain/job-state';
import { UPSTREAM_CRD } from '../support/fixtures';
import { crdFacts, firstDifference } from './crd-facts';
import { deletePath, getPath, setPath } from './fixtures';

const OURS = path.resolve(__dirname, '..', '..', 'deploy', 'crds', 'computeinstances.osac.openshift.io.yaml');

function load(file: string): Record<string, unknown> {
  return parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

const upstream = load(UPSTREAM_CRD);
const ours = load(OURS);
const SCHEMA = 'spec.versions.0.schema.openAPIV3Schema';

/** The openAPIV3Schema node at a dotted path of property names (`spec.cores`, `status.provisioningJobs[]`). */
function schemaAt(crd: unknown, propertyPath: string): Record<string, unknown> {
  let node = getPath(crd, SCHEMA) as Record<string, unknown>;
  for (const segment of propertyPath.split('.')) {
    const name = segment.replace(/\[\]$/, '');
    node = (node.properties as Record<string, Record<string, unknown>>)[name] as Record<string, unknown>;
    if (node === undefined) throw new Error(`no property ${propertyPath} in the CRD`);
    if (segment.endsWith('[]')) node = node.items as Record<string, unknown>;
  }
  return node;
}

describe('deploy/crds/computeinstances.osac.openshift.io.yaml', () => {
  it('matches the upstream CRD in names, scope, versions, printer columns and every schema rule', () => {
    expect(firstDifference(upstream, ours)).toBeUndefined();
  });

  it('compares every property of spec and status', () => {
    const paths = crdFacts(ours).map(([at]) => at);
    // Spot checks that the walk reaches the leaves, so an empty comparison cannot pass.
    expect(paths).toEqual(
      expect.arrayContaining([
        'spec.versions[v1alpha1].schema.spec.networkAttachments[].securityGroupRefs[]',
        'spec.versions[v1alpha1].schema.spec.userDataSecretRef.name',
        'spec.versions[v1alpha1].schema.status.provisioningJobs[].configVersion',
        'spec.versions[v1alpha1].schema.status.conditions[].observedGeneration',
        'spec.versions[v1alpha1].schema.spec.additionalDisks[].storageTier',
        'spec.versions[v1alpha1].schema.spec.gpu.pciDeviceSelector',
        'spec.versions[v1alpha1].schema.status.provisioningJobs[].target',
      ]),
    );
    expect(paths.filter((at) => at.includes('.schema.'))).toHaveLength(63);
  });

  it.each<[string, (crd: Record<string, unknown>) => void, string]>([
    [
      'a lower cores maximum',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.cores.maximum`, 127),
      'schema.spec.cores: maximum',
    ],
    [
      'a runStrategy enum without Halted',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.runStrategy.enum`, ['Always']),
      'schema.spec.runStrategy: enum',
    ],
    [
      'cores no longer required',
      (crd) =>
        setPath(crd, `${SCHEMA}.properties.spec.required`, [
          'bootDisk',
          'image',
          'memoryGiB',
          'runStrategy',
          'templateID',
        ]),
      'schema.spec: required',
    ],
    [
      'another immutability message',
      (crd) =>
        setPath(crd, `${SCHEMA}.properties.spec.properties.image.x-kubernetes-validations`, [
          { rule: 'self == oldSelf', message: 'image cannot change' },
        ]),
      'schema.spec.image: x-kubernetes-validations',
    ],
    [
      'a missing job field',
      (crd) =>
        deletePath(crd, `${SCHEMA}.properties.status.properties.provisioningJobs.items.properties.configVersion`),
      'schema.status.provisioningJobs[].configVersion: missing from our CRD',
    ],
    [
      'an extra status field',
      (crd) => setPath(crd, `${SCHEMA}.properties.status.properties.observedGeneration`, { type: 'integer' }),
      'schema.status.observedGeneration: in our CRD but not upstream',
    ],
    [
      'a looser templateID pattern',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.templateID.pattern`, '^.*$'),
      'schema.spec.templateID: pattern',
    ],
    [
      'memoryGiB as a string',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.memoryGiB.type`, 'string'),
      'schema.spec.memoryGiB: type',
    ],
    [
      'networkAttachments as an atomic list',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.networkAttachments.x-kubernetes-list-type`, 'atomic'),
      'schema.spec.networkAttachments: x-kubernetes-list-type',
    ],
    [
      'no gpu immutability rule on spec',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.x-kubernetes-validations`, undefined),
      'schema.spec: x-kubernetes-validations',
    ],
    [
      'a looser storageTier',
      (crd) => setPath(crd, `${SCHEMA}.properties.spec.properties.bootDisk.properties.storageTier.maxLength`, 64),
      'schema.spec.bootDisk.storageTier: maxLength',
    ],
    ['cluster scope', (crd) => setPath(crd, 'spec.scope', 'Cluster'), 'spec.scope: scope'],
    ['no status subresource', (crd) => setPath(crd, 'spec.versions.0.subresources', undefined), 'subresources'],
    ['another short name', (crd) => setPath(crd, 'spec.names.shortNames', ['cis']), 'spec.names: shortNames'],
    [
      'ExternalIP shown by default',
      (crd) => setPath(crd, 'spec.versions.0.additionalPrinterColumns.7.priority', undefined),
      'additionalPrinterColumns',
    ],
  ])('the comparison names %s', (_case, mutate, expected) => {
    const changed = structuredClone(ours);
    mutate(changed);
    expect(firstDifference(upstream, changed)).toContain(expected);
  });
});

describe('the zod schema agrees with the CRD', () => {
  it.each<[string, string, string]>([
    ['group', 'spec.group', GROUP],
    ['version', 'spec.versions.0.name', VERSION],
    ['kind', 'spec.names.kind', KIND],
    ['list kind', 'spec.names.listKind', LIST_KIND],
    ['plural', 'spec.names.plural', PLURAL],
    ['singular', 'spec.names.singular', SINGULAR],
  ])('%s', (_name, crdPath, expected) => {
    expect(getPath(ours, crdPath)).toBe(expected);
  });

  it.each<[string, readonly string[]]>([
    ['spec.runStrategy', RunStrategy.options],
    ['spec.image.sourceType', ImageSourceType.options],
    ['status.phase', Phase.options],
    ['status.conditions[].status', ConditionStatus.options],
    ['status.provisioningJobs[].state', JobState.options],
    ['status.provisioningJobs[].type', JobType.options],
  ])('enum of %s', (propertyPath, options) => {
    expect([...options]).toEqual(schemaAt(ours, propertyPath).enum);
  });

  it.each<[string, z.ZodObject]>([
    ['', ComputeInstance],
    ['spec', ComputeInstanceSpec],
    ['spec.image', ImageSpec],
    ['spec.bootDisk', DiskSpec],
    ['spec.additionalDisks[]', DiskSpec],
    ['spec.gpu', GpuSpec],
    ['spec.networkAttachments[]', NetworkAttachment],
    ['status', ComputeInstanceStatus],
    ['status.conditions[]', Condition],
    ['status.provisioningJobs[]', ProvisioningJob],
    ['status.tenantReference', TenantReference],
    ['status.virtualMachineReference', VirtualMachineReference],
  ])('required fields of %s', (propertyPath, schema) => {
    const node =
      propertyPath === '' ? (getPath(ours, SCHEMA) as Record<string, unknown>) : schemaAt(ours, propertyPath);
    const requiredInZod = Object.entries(schema.shape)
      .filter(([, field]) => !field.safeParse(undefined).success)
      .map(([name]) => name)
      // apiVersion, kind and metadata are the API server's to require; the CRD only requires spec.
      .filter((name) => propertyPath !== '' || name === 'spec')
      .sort();
    // Resize (OSAC-4277) renames spec.cores to vcpus: the schema takes an instance of either CRD generation.
    const renamedByResize = propertyPath === 'spec' ? ['cores'] : [];
    const requiredInCrd = ((node.required as string[] | undefined) ?? []).filter((n) => !renamedByResize.includes(n));
    expect(requiredInZod).toEqual(requiredInCrd.sort());
  });

  it.each<[string, string, unknown]>([
    ['spec.templateID', 'pattern', TEMPLATE_ID_PATTERN.source],
    ['spec.cores', 'maximum', MAX_CORES],
    ['spec.gpu.count', 'maximum', MAX_GPU_COUNT],
    ['spec.bootDisk.storageTier', 'pattern', STORAGE_TIER_PATTERN.source],
    ['spec.additionalDisks[].storageTier', 'maxLength', MAX_STORAGE_TIER_LENGTH],
    ['spec.networkAttachments', 'maxItems', MAX_NETWORK_ATTACHMENTS],
    ['status.conditions[].type', 'pattern', CONDITION_TYPE_PATTERN.source.replaceAll('\\/', '/')],
    ['status.conditions[].reason', 'pattern', CONDITION_REASON_PATTERN.source],
    ['status.conditions[].message', 'maxLength', MAX_CONDITION_MESSAGE_LENGTH],
  ])('%s %s', (propertyPath, keyword, expected) => {
    expect(schemaAt(ours, propertyPath)[keyword]).toEqual(expected);
  });
});
