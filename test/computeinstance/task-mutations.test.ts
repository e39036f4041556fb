import {
  applyStatusPatch,
  COMPUTE_INSTANCE_FINALIZER,
  type ComputeInstance,
  deletingPhasePatch,
  deprovisionIntentPatch,
  desiredConfigVersion,
  isIntentRefusal,
  jobProgressPatch,
  onJobLaunched,
  onProvisionLaunchIntent,
  type ProvisioningJob,
  PURGED_MESSAGE,
  provisionIntentPatch,
} from '../../lib/computeinstance';
import { sampleInstance } from '../../local/fixtures/sample-instance';

const NOW = new Date('2026-03-20T10:00:00Z');
const OPTIONS = { now: NOW, execution: 'exec-1', finalizer: COMPUTE_INSTANCE_FINALIZER, maxHistory: 10 };

function instance(
  options: { finalizer?: boolean; deleting?: boolean; jobs?: ProvisioningJob[]; phase?: 'Running' } = {},
): ComputeInstance {
  const base = sampleInstance({
    name: 'vm',
    namespace: 'ns',
    uid: 'uid-1',
    generation: 1,
    resourceVersion: '1',
    ...(options.finalizer === false ? {} : { finalizers: [COMPUTE_INSTANCE_FINALIZER] }),
    ...(options.deleting ? { deletionTimestamp: '2026-03-20T09:59:00Z' } : {}),
  });
  return {
    ...base,
    status: { provisioningJobs: options.jobs ?? [], ...(options.phase ? { phase: options.phase } : {}) },
  };
}

const job = (state: ProvisioningJob['state'], jobID = '7', type: 'provision' | 'deprovision' = 'provision') => ({
  jobID,
  type,
  timestamp: '2026-03-20T09:00:00Z',
  state,
  message: 'x',
});

describe('provisionIntentPatch', () => {
  it.each([
    ['a new instance', {}, undefined],
    ['an instance being deleted', { deleting: true }, 'InstanceDeleting'],
    ['no finalizer of ours yet', { finalizer: false }, 'LaunchNotNeeded'],
    ['a provision job running', { jobs: [job('Running')] }, 'LaunchNotNeeded'],
  ])('%s → %s', (_label, options, refused) => {
    const result = provisionIntentPatch(instance(options), OPTIONS);
    if (refused === undefined) {
      expect(isIntentRefusal(result)).toBe(false);
      expect(result).toMatchObject({ provisioningJobs: [{ jobID: '', type: 'provision', state: 'Pending' }] });
    } else {
      expect(result).toMatchObject({ refused });
    }
  });
});

describe('deprovisionIntentPatch', () => {
  it.each([
    ['not being deleted', {}, 'LaunchNotNeeded'],
    ['deleting, a provision job running', { deleting: true, jobs: [job('Running')] }, 'ProvisionJobStillRunning'],
    [
      'deleting, a provision launch in flight',
      { deleting: true, jobs: [job('Pending', '')] },
      'ProvisionJobStillRunning',
    ],
    [
      'deleting, a deprovision running',
      { deleting: true, jobs: [job('Running', '8', 'deprovision')] },
      'LaunchNotNeeded',
    ],
    ['deleting, the provision job ended', { deleting: true, jobs: [job('Succeeded')] }, undefined],
  ])('%s → %s', (_label, options, refused) => {
    const result = deprovisionIntentPatch(instance(options), OPTIONS);
    if (refused === undefined) {
      expect(result).toMatchObject({ phase: 'Deleting', provisioningJobs: expect.any(Array) });
    } else {
      expect(result).toMatchObject({ refused });
    }
  });
});

describe('jobProgressPatch', () => {
  const launchedJob = (): ComputeInstance => {
    const fresh = instance();
    const withIntent = applyStatusPatch(
      fresh,
      onProvisionLaunchIntent(fresh, { now: NOW, configVersion: desiredConfigVersion(fresh.spec), executionName: 'e' }),
    );
    const intent = withIntent.status?.provisioningJobs?.at(-1) as ProvisioningJob;
    return applyStatusPatch(
      withIntent,
      onJobLaunched(withIntent, { intentTimestamp: intent.timestamp, jobID: '7', type: 'provision' }),
    );
  };

  it.each([
    ['running', { state: 'Running', status: 'running' } as const, 'Running'],
    ['failed', { state: 'Failed', status: 'failed', errorDetail: 'boom' } as const, 'Failed'],
    ['purged', 'purged' as const, 'Failed'],
  ])('%s → entry %s', (_label, seen, state) => {
    const patch = jobProgressPatch({ id: 7, type: 'provision' }, seen, NOW)(launchedJob());
    const entry = patch?.provisioningJobs?.find((j) => j.jobID === '7');
    expect(entry?.state).toBe(state);
    if (seen === 'purged') expect(entry?.message).toContain(PURGED_MESSAGE);
  });

  it.each([
    ['a job not on record', { id: 99, type: 'provision' as const }, 'purged' as const, launchedJob],
    ['an entry of the other type', { id: 7, type: 'deprovision' as const }, 'purged' as const, launchedJob],
    [
      'a purge of an entry already final',
      { id: 7, type: 'provision' as const },
      'purged' as const,
      () => instance({ jobs: [job('Succeeded')] }),
    ],
  ])('nothing to write for %s', (_label, ref, seen, make) => {
    expect(jobProgressPatch(ref, seen, NOW)(make())).toBeUndefined();
  });
});

describe('deletingPhasePatch', () => {
  it.each([
    ['deleting', { deleting: true }, { phase: 'Deleting' }],
    ['not deleting', { phase: 'Running' as const }, undefined],
  ])('%s', (_label, options, expected) => {
    expect(deletingPhasePatch(instance(options))).toEqual(expected);
  });

  it('nothing when it already says Deleting', () => {
    const deleting = instance({ deleting: true });
    expect(deletingPhasePatch({ ...deleting, status: { phase: 'Deleting' } })).toBeUndefined();
  });
});
