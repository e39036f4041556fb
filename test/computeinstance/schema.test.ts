import {
  API_VERSION,
  COMPUTE_INSTANCE_FINALIZER,
  GROUP,
  InvalidComputeInstanceError,
  KIND,
  MANAGEMENT_STATE_ANNOTATION,
  parseComputeInstance,
  VERSION,
} from '../../lib/computeinstance';
import { formatIssuePath } from '../../lib/runtime/issues';
import { deletePath, getPath, sampleObject, setPath } from './fixtures';

type Mutation = (object: Record<string, unknown>) => void;

const set =
  (path: string, value: unknown): Mutation =>
  (object) =>
    setPath(object, path, value);
const remove =
  (path: string): Mutation =>
  (object) =>
    deletePath(object, path);

function mutated(...mutations: Mutation[]): Record<string, unknown> {
  const object = sampleObject();
  for (const mutate of mutations) mutate(object);
  return object;
}

function parseError(value: unknown): InvalidComputeInstanceError {
  try {
    parseComputeInstance(value);
  } catch (error) {
    if (error instanceof InvalidComputeInstanceError) return error;
    throw error;
  }
  throw new Error('expected parseComputeInstance to reject the value');
}

describe('constants', () => {
  it.each([
    ['GROUP', GROUP, 'osac.openshift.io'],
    ['VERSION', VERSION, 'v1alpha1'],
    ['KIND', KIND, 'ComputeInstance'],
    ['API_VERSION', API_VERSION, 'osac.openshift.io/v1alpha1'],
    ['COMPUTE_INSTANCE_FINALIZER', COMPUTE_INSTANCE_FINALIZER, 'osac.openshift.io/computeinstance'],
    ['MANAGEMENT_STATE_ANNOTATION', MANAGEMENT_STATE_ANNOTATION, 'osac.openshift.io/management-state'],
  ])('%s is %s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('parseComputeInstance', () => {
  it('accepts the sample object of the domain reference unchanged', () => {
    expect(parseComputeInstance(sampleObject())).toEqual(sampleObject());
  });

  it.each([
    ['top level', 'extra', { a: 1 }],
    ['metadata', 'metadata.ownerReferences', [{ kind: 'Tenant', name: 'tenant-acme' }]],
    ['spec', 'spec.blockEncryptionPassphrase', ''],
    ['spec.image', 'spec.image.pullSecret', 'registry-creds'],
    ['spec.bootDisk', 'spec.bootDisk.storageClass', 'fast'],
    ['spec.networkAttachments[0]', 'spec.networkAttachments.0.macAddress', '02:00:00:00:00:01'],
    ['status', 'status.observedNodes', 3],
    ['status.conditions[0]', 'status.conditions.0.severity', 'Info'],
    ['status.provisioningJobs[0]', 'status.provisioningJobs.0.templateName', 'osac-create-compute-instance'],
    ['status.tenantReference', 'status.tenantReference.uid', 'u1'],
  ])('keeps unknown fields at %s', (_where, path, value) => {
    const parsed = parseComputeInstance(mutated(set(path, value)));
    expect(getPath(parsed, path)).toEqual(value);
  });

  it('takes a resized instance (OSAC-4277: vcpus instead of cores) unchanged, unknown fields and all', () => {
    const resized = mutated(remove('spec.cores'), set('spec.vcpus', 6), set('spec.numaPolicy', { cells: 2 }));
    expect(parseComputeInstance(resized)).toEqual(resized);
  });

  it.each(
    (
      [
        ['cores 0', set('spec.cores', 0), 'spec.cores', />=1/],
        ['cores 129', set('spec.cores', 129), 'spec.cores', /<=128/],
        ['cores 2.5', set('spec.cores', 2.5), 'spec.cores', /int/],
        ['cores as a string', set('spec.cores', '2'), 'spec.cores', /number/],
        ['vcpus 0', set('spec.vcpus', 0), 'spec.vcpus', />=1/],
        ['memoryGiB 0', set('spec.memoryGiB', 0), 'spec.memoryGiB', />=1/],
        ['bootDisk.sizeGiB 0', set('spec.bootDisk.sizeGiB', 0), 'spec.bootDisk.sizeGiB', />=1/],
        [
          'an additional disk of 0 GiB',
          set('spec.additionalDisks.0.sizeGiB', 0),
          'spec.additionalDisks[0].sizeGiB',
          />=1/,
        ],
        ['runStrategy Foo', set('spec.runStrategy', 'Foo'), 'spec.runStrategy', /"Always"\|"Halted"/],
        ['a missing spec', remove('spec'), 'spec', /expected object/],
        ['a missing templateID', remove('spec.templateID'), 'spec.templateID', /expected string/],
        ['a templateID starting with a digit', set('spec.templateID', '9templates'), 'spec.templateID', /pattern/],
        ['a templateID with a dash', set('spec.templateID', 'osac-vm'), 'spec.templateID', /pattern/],
        ['image.sourceType docker', set('spec.image.sourceType', 'docker'), 'spec.image.sourceType', /"registry"/],
        ['an empty image.sourceRef', set('spec.image.sourceRef', ''), 'spec.image.sourceRef', />=1 characters/],
        [
          'nine network attachments',
          set(
            'spec.networkAttachments',
            Array.from({ length: 9 }, (_, i) => ({ subnetRef: `subnet-${i}` })),
          ),
          'spec.networkAttachments',
          /<=8/,
        ],
        [
          'a duplicate subnetRef',
          set('spec.networkAttachments.1', { subnetRef: 'subnet-web' }),
          'spec.networkAttachments[1].subnetRef',
          /duplicate subnetRef "subnet-web"/,
        ],
        [
          'a subnetRef of 254 characters',
          set('spec.networkAttachments.0.subnetRef', 's'.repeat(254)),
          'spec.networkAttachments[0].subnetRef',
          /at most 253 characters/,
        ],
        [
          'a restartRequestedAt that is no date',
          set('spec.restartRequestedAt', 'yesterday'),
          'spec.restartRequestedAt',
          /date-time/,
        ],
        [
          'the Feb-era apiVersion',
          set('apiVersion', 'cloudkit.openshift.io/v1alpha1'),
          'apiVersion',
          /osac\.openshift\.io\/v1alpha1/,
        ],
        ['another kind', set('kind', 'ClusterOrder'), 'kind', /ComputeInstance/],
        ['a missing metadata.name', remove('metadata.name'), 'metadata.name', /expected string/],
        ['a missing metadata.namespace', remove('metadata.namespace'), 'metadata.namespace', /expected string/],
        ['the legacy phase Ready', set('status.phase', 'Ready'), 'status.phase', /"Starting"/],
        [
          'job state Done',
          set('status.provisioningJobs.1.state', 'Done'),
          'status.provisioningJobs[1].state',
          /"Canceled"/,
        ],
        [
          'a job without timestamp',
          remove('status.provisioningJobs.0.timestamp'),
          'status.provisioningJobs[0].timestamp',
          /expected string/,
        ],
        [
          'condition status Maybe',
          set('status.conditions.0.status', 'Maybe'),
          'status.conditions[0].status',
          /"Unknown"/,
        ],
        [
          'a condition reason with a space',
          set('status.conditions.0.reason', 'As Expected'),
          'status.conditions[0].reason',
          /pattern/,
        ],
        [
          'a condition without lastTransitionTime',
          remove('status.conditions.2.lastTransitionTime'),
          'status.conditions[2].lastTransitionTime',
          /expected string/,
        ],
      ] satisfies [string, Mutation, string, RegExp][]
    ).map(([name, mutate, path, message]) => ({ name, mutate, path, message })),
  )('rejects $name, naming $path', ({ mutate, path, message }) => {
    const error = parseError(mutated(mutate));
    expect(error.issues).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(error.message).toContain(`${path}: `);
  });

  it.each([
    ['a lower-case date-time', 'spec.restartRequestedAt', '2026-12-07t10:00:00z'],
    [
      'a date-time with a nanosecond fraction and an offset',
      'spec.restartRequestedAt',
      '2026-12-07T10:00:00.123456789+05:30',
    ],
    ['a lower-case lastRestartedAt', 'status.lastRestartedAt', '2026-12-07t10:00:00z'],
    ['a lower-case job timestamp', 'status.provisioningJobs.0.timestamp', '2026-12-07t10:00:00z'],
    ['a lower-case lastTransitionTime', 'status.conditions.0.lastTransitionTime', '2026-12-07t10:00:00z'],
    [
      'a subnetRef of 253 emoji (253 characters, 506 UTF-16 units)',
      'spec.networkAttachments.0.subnetRef',
      '🙂'.repeat(253),
    ],
    ['a condition message of 32768 emoji', 'status.conditions.0.message', '🙂'.repeat(32768)],
    ['an observedGeneration beyond 2^53 (int64)', 'status.conditions.0.observedGeneration', 2 ** 60],
    ['a generation beyond 2^53 (int64)', 'metadata.generation', 2 ** 60],
  ])('accepts what the API server accepts: %s', (_case, path, value) => {
    const object = mutated(set(path, value));
    expect(getPath(parseComputeInstance(object) as unknown as Record<string, unknown>, path)).toEqual(value);
  });

  it('lists every failing path and names the resource in one message', () => {
    const error = parseError(mutated(set('spec.cores', 0), set('spec.runStrategy', 'Foo')));
    expect(error.message).toMatch(
      /^invalid ComputeInstance osac-computeinstance\/vm-7fk2p: spec\.cores: .*; spec\.runStrategy: /,
    );
    expect(error.issues.map((issue) => issue.path)).toEqual(['spec.cores', 'spec.runStrategy']);
  });

  it.each([
    ['undefined', undefined, '(unnamed)', '(root)'],
    ['a string', 'vm', '(unnamed)', '(root)'],
    ['an object with only a name', { metadata: { name: 'vm-1' } }, 'vm-1', 'apiVersion'],
  ])('rejects %s with a readable subject', (_case, value, subject, firstPath) => {
    const error = parseError(value);
    expect(error.subject).toBe(subject);
    expect(error.issues[0]?.path).toBe(firstPath);
  });
});

describe('formatIssuePath', () => {
  it.each<[PropertyKey[], string]>([
    [[], '(root)'],
    [['spec', 'cores'], 'spec.cores'],
    [['spec', 'networkAttachments', 0, 'subnetRef'], 'spec.networkAttachments[0].subnetRef'],
    [['status', 'provisioningJobs', 12], 'status.provisioningJobs[12]'],
  ])('%j → %s', (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});
