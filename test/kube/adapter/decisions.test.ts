import type { ComputeInstance } from '../../../lib/computeinstance';
import { toStoreError } from '../../../lib/k8s/api-errors';
import { planAddFinalizer, planRemoveFinalizer } from '../../../lib/k8s/finalizer-patch';
import { changedStatusFields, parseStatusPatch, statusMergePatch } from '../../../lib/k8s/status-patch';
import { sampleInstance } from '../../../local/fixtures/sample-instance';

/** The pure halves of the store: what to write, decided from the object as read. No I/O here. */

const OURS = 'osac.openshift.io/computeinstance';
const FEEDBACK = 'osac.openshift.io/computeinstance-feedback';
const AAP = 'osac.openshift.io/computeinstance-aap';

function instance(metadata: Partial<ComputeInstance['metadata']> = {}, status?: ComputeInstance['status']) {
  const object: ComputeInstance = sampleInstance({
    name: 'vm-1',
    namespace: 'osac-computeinstance',
    uid: 'uid-1',
    resourceVersion: '42',
    ...metadata,
  });
  return status ? { ...object, status } : object;
}

const job = (jobID: string) => ({
  jobID,
  type: 'provision' as const,
  timestamp: '2026-03-20T09:58:02Z',
  state: 'Pending' as const,
  message: 'Provisioning job triggered',
});

describe('planAddFinalizer', () => {
  it.each([
    [
      'no finalizer list: add the list, pinned by resourceVersion',
      instance(),
      {
        action: 'patch',
        operations: [
          { op: 'test', path: '/metadata/uid', value: 'uid-1' },
          { op: 'test', path: '/metadata/resourceVersion', value: '42' },
          { op: 'add', path: '/metadata/finalizers', value: [OURS] },
        ],
      },
    ],
    [
      'other finalizers: test the list as read, append',
      instance({ finalizers: [FEEDBACK] }),
      {
        action: 'patch',
        operations: [
          { op: 'test', path: '/metadata/uid', value: 'uid-1' },
          { op: 'test', path: '/metadata/finalizers', value: [FEEDBACK] },
          { op: 'add', path: '/metadata/finalizers/-', value: OURS },
        ],
      },
    ],
    ['already present: nothing to write', instance({ finalizers: [FEEDBACK, OURS] }), { action: 'none' }],
    [
      'already present on a deleting object: still nothing to write',
      instance({ finalizers: [OURS], deletionTimestamp: '2026-03-20T10:00:00Z' }),
      { action: 'none' },
    ],
    [
      'absent on a deleting object: refused',
      instance({ finalizers: [FEEDBACK], deletionTimestamp: '2026-03-20T10:00:00Z' }),
      { action: 'deleting' },
    ],
  ])('%s', (_label, current, expected) => {
    expect(planAddFinalizer(current, OURS)).toEqual(expected);
  });
});

it('planAddFinalizer refuses to build an unconditional patch', () => {
  expect(() => planAddFinalizer(instance({ resourceVersion: undefined }), OURS)).toThrow(
    'osac-computeinstance/vm-1: has no resourceVersion to write against',
  );
});

describe('planRemoveFinalizer', () => {
  it.each([
    [
      'ours among others: test and remove that one index only',
      instance({ finalizers: [FEEDBACK, OURS, AAP] }),
      {
        action: 'patch',
        operations: [
          { op: 'test', path: '/metadata/uid', value: 'uid-1' },
          { op: 'test', path: '/metadata/finalizers/1', value: OURS },
          { op: 'remove', path: '/metadata/finalizers/1' },
        ],
      },
    ],
    [
      'listed twice: both removed, highest index first',
      instance({ finalizers: [OURS, FEEDBACK, OURS] }),
      {
        action: 'patch',
        operations: [
          { op: 'test', path: '/metadata/uid', value: 'uid-1' },
          { op: 'test', path: '/metadata/finalizers/2', value: OURS },
          { op: 'remove', path: '/metadata/finalizers/2' },
          { op: 'test', path: '/metadata/finalizers/0', value: OURS },
          { op: 'remove', path: '/metadata/finalizers/0' },
        ],
      },
    ],
    ['absent: nothing to write', instance({ finalizers: [FEEDBACK] }), { action: 'none' }],
    ['no list at all: nothing to write', instance(), { action: 'none' }],
  ])('%s', (_label, current, expected) => {
    expect(planRemoveFinalizer(current, OURS)).toEqual(expected);
  });

  it('never sends anything but finalizer entries and guards (no spec, no whole list)', () => {
    const plan = planRemoveFinalizer(instance({ finalizers: [FEEDBACK, OURS] }), OURS);
    if (plan.action !== 'patch') throw new Error(`expected a patch, got ${plan.action}`);
    for (const operation of plan.operations) {
      expect(operation.path).toMatch(/^\/metadata\/(uid|finalizers\/\d+)$/);
    }
  });
});

describe('status patches', () => {
  const current = instance({}, { phase: 'Starting', provisioningJobs: [job('1')], desiredConfigVersion: 'abc' });

  it.each([
    ['an identical value', { phase: 'Starting' as const }, undefined],
    ['the same jobs with keys in another order', { provisioningJobs: [{ ...job('1') }].map(reorder) }, undefined],
    ['a new phase', { phase: 'Running' as const }, { phase: 'Running' }],
    [
      'one changed field among unchanged ones',
      { phase: 'Starting' as const, desiredConfigVersion: 'def' },
      { desiredConfigVersion: 'def' },
    ],
    [
      'an appended job (the whole array is sent)',
      { provisioningJobs: [job('1'), job('2')] },
      { provisioningJobs: [job('1'), job('2')] },
    ],
    ['a field that is not set yet', { conditions: [] }, { conditions: [] }],
  ])('changedStatusFields: %s', (_label, patch, expected) => {
    expect(changedStatusFields(current, patch)).toEqual(expected);
  });

  it('the merge patch carries the resourceVersion it was computed from, and nothing outside status', () => {
    expect(statusMergePatch(current, { phase: 'Running' })).toEqual({
      metadata: { resourceVersion: '42' },
      status: { phase: 'Running' },
    });
  });

  it('refuses to build an unconditional patch', () => {
    expect(() => statusMergePatch(instance({ resourceVersion: undefined }), { phase: 'Running' })).toThrow(
      'osac-computeinstance/vm-1: has no resourceVersion to write against',
    );
  });

  it.each([
    ['a field we do not own', { ipAddress: '10.0.0.1' }, 'status: Unrecognized key: "ipAddress"'],
    ['a phase outside the enum', { phase: 'Ready' }, 'status.phase: Invalid option'],
    [
      'a job without an id',
      { provisioningJobs: [{ ...job('1'), jobID: undefined }] },
      'status.provisioningJobs[0].jobID',
    ],
  ])('parseStatusPatch refuses %s, naming the path', (_label, patch, expected) => {
    expect(() => parseStatusPatch(patch, 'updateStatus ns/vm-1')).toThrow(expected);
    expect(() => parseStatusPatch(patch, 'updateStatus ns/vm-1')).toThrow(expect.objectContaining({ name: 'Invalid' }));
  });
});

function reorder<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).reverse()) as T;
}

describe('toStoreError', () => {
  const TOKEN = 'bearer-XYZ-DO-NOT-LOG';
  const context = { what: 'updateStatus ns/vm-1 on cluster dev', secrets: [TOKEN] };
  const apiException = (code: number, body: unknown) =>
    Object.assign(new Error(`HTTP-Code: ${code}`), { code, body: JSON.stringify(body), headers: {} });

  it.each([
    [404, 'InstanceGone', { reason: 'NotFound', message: 'computeinstances "vm-1" not found' }],
    [409, 'Conflict', { reason: 'Conflict', message: 'the object has been modified' }],
    [410, 'Conflict', { reason: 'Expired', message: 'continue token too old' }],
    [401, 'Forbidden', { reason: 'Unauthorized', message: 'Unauthorized' }],
    [403, 'Forbidden', { reason: 'Forbidden', message: 'cannot patch resource' }],
    [422, 'Invalid', { reason: 'Invalid', message: 'spec: Required value' }],
    [400, 'Invalid', { reason: 'BadRequest', message: 'bad patch' }],
    [429, 'Transient', { reason: 'TooManyRequests', message: 'slow down' }],
    [500, 'Transient', { reason: 'InternalError', message: 'etcd timeout' }],
    [503, 'Transient', { reason: 'ServiceUnavailable', message: 'try later' }],
  ])('HTTP %i → %s', (code, name, body) => {
    const error = toStoreError(apiException(code, body), context);
    expect(error.name).toBe(name);
    expect(error.statusCode).toBe(code);
    expect(error.reason).toBe(body.reason);
    expect(error.message).toBe(`updateStatus ns/vm-1 on cluster dev: HTTP ${code}: ${body.message}`);
  });

  it.each([
    ['refused connection', Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } })],
    ['timeout', Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' })],
  ])('a %s is Transient', (_label, thrown) => {
    expect(toStoreError(thrown, context).name).toBe('Transient');
  });

  it('never repeats the token, even when the server or the library echoes it', () => {
    const echoed = apiException(401, { message: `invalid bearer token ${TOKEN}` });
    const leakyNetwork = Object.assign(new Error(`request with Authorization: Bearer ${TOKEN} failed`), {
      name: 'FetchError',
    });
    for (const error of [toStoreError(echoed, context), toStoreError(leakyNetwork, context)]) {
      expect(`${error.message} ${String(error)} ${JSON.stringify(error)}`).not.toContain(TOKEN);
      expect(error.cause).toBeUndefined();
    }
  });
});
