import {
  COMPUTE_INSTANCE_FINALIZER,
  desiredConfigVersion,
  type NextAction,
  nextAction,
} from '../../lib/computeinstance';
import type { JobState } from '../../lib/domain/job-state';
import { baseSpec, type InstanceOptions, job, MINUTE, makeInstance, minutesAgo, NOW } from './fixtures';

/** The version of the default spec (A), and of the same spec with runStrategy Halted (B). */
const A = desiredConfigVersion(baseSpec());
const B = desiredConfigVersion(baseSpec({ runStrategy: 'Halted' }));
const OTHER_FINALIZER = 'osac.openshift.io/computeinstance-feedback';

const provision = (state: JobState, ago: number, configVersion = A, jobID?: string) =>
  job('provision', state, { at: minutesAgo(ago), configVersion, jobID });
/** A job written before configVersion was recorded. */
const legacyProvision = (state: JobState, ago: number, jobID?: string) =>
  job('provision', state, { at: minutesAgo(ago), jobID });
const provisionIntent = (ago: number) => provision('Pending', ago, A, '');
const deprovision = (state: JobState, ago: number, block = true, jobID?: string) =>
  job('deprovision', state, { at: minutesAgo(ago), blockDeletionOnFailure: block, jobID });

const trigger = (configVersion = A, addFinalizer = false): NextAction => ({
  action: 'Trigger',
  configVersion,
  addFinalizer,
});

interface Row {
  rule: string;
  given: InstanceOptions;
  expected: NextAction;
}

const running = provision('Running', 3, A, '1500');
const provisionLaunch = provisionIntent(1);
const deprovisionLaunch = deprovision('Pending', 1, true, '');

/** One row per rule of the action table; `rule` reads as the table's left-hand column. */
const LIVE: Row[] = [
  {
    rule: 'unmanaged',
    given: { managementState: 'unmanaged' },
    expected: { action: 'Ignore', reason: 'management-state is unmanaged' },
  },
  {
    rule: 'unmanaged, even with a failed job',
    given: { managementState: 'unmanaged', jobs: [provision('Failed', 1)] },
    expected: { action: 'Ignore', reason: 'management-state is unmanaged' },
  },
  {
    rule: 'manual',
    given: { managementState: 'manual' },
    expected: { action: 'Ignore', reason: 'management-state is manual' },
  },
  {
    rule: 'an unrecognised management-state counts as managed',
    given: { managementState: 'automatic' },
    expected: trigger(),
  },
  { rule: 'no provision job', given: {}, expected: trigger() },
  { rule: 'no provision job, empty history', given: { jobs: [] }, expected: trigger() },
  {
    rule: 'no provision job and our finalizer missing',
    given: { finalizers: [OTHER_FINALIZER] },
    expected: trigger(A, true),
  },
  {
    rule: 'latest provision job is a launch intent',
    given: { jobs: [provision('Succeeded', 90, B), provisionLaunch] },
    expected: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: provisionLaunch.timestamp },
  },
  ...(['Pending', 'Waiting', 'Running', 'Unknown'] as const).map(
    (state): Row => ({
      rule: `latest provision job ${state}`,
      given: { jobs: [provision(state, 3, A, '1500')] },
      expected: { action: 'Poll', jobType: 'provision', jobID: '1500' },
    }),
  ),
  {
    rule: 'latest provision job still running while the spec changed: poll it to the end first',
    given: { spec: { runStrategy: 'Halted' }, jobs: [running] },
    expected: { action: 'Poll', jobType: 'provision', jobID: '1500' },
  },
  {
    rule: 'latest provision job Succeeded for the desired config',
    given: { jobs: [provision('Succeeded', 30, A, '1419')] },
    expected: { action: 'Skip', reason: `configuration ${A} applied by provision job 1419` },
  },
  {
    rule: 'Succeeded, with a newer deprovision entry in the history (not deleting)',
    given: { jobs: [provision('Succeeded', 30, A, '1419'), deprovision('Failed', 10)] },
    expected: { action: 'Skip', reason: `configuration ${A} applied by provision job 1419` },
  },
  {
    rule: 'Failed for the desired config, backoff not elapsed',
    given: { jobs: [provision('Failed', 1)] },
    expected: { action: 'Backoff', jobType: 'provision', remainingMs: 1 * MINUTE, configVersion: A },
  },
  {
    rule: 'Failed for the desired config, backoff elapsed',
    given: { jobs: [provision('Failed', 2)] },
    expected: trigger(),
  },
  {
    rule: 'Failed twice 5 min apart, 6 min ago: 10 min backoff, 4 min to go',
    given: { jobs: [provision('Failed', 11), provision('Failed', 6)] },
    expected: { action: 'Backoff', jobType: 'provision', remainingMs: 4 * MINUTE, configVersion: A },
  },
  {
    rule: 'Failed twice 5 min apart, 10 min ago: backoff elapsed',
    given: { jobs: [provision('Failed', 15), provision('Failed', 10)] },
    expected: trigger(),
  },
  {
    rule: 'Canceled for the desired config, backoff not elapsed',
    given: { jobs: [provision('Canceled', 0.5)] },
    expected: { action: 'Backoff', jobType: 'provision', remainingMs: 1.5 * MINUTE, configVersion: A },
  },
  {
    rule: 'Canceled for the desired config, backoff elapsed',
    given: { jobs: [provision('Canceled', 3)] },
    expected: trigger(),
  },
  {
    rule: 'a launch that failed (no job id) backs off like a failed job',
    given: { jobs: [provision('Failed', 1, A, '')] },
    expected: { action: 'Backoff', jobType: 'provision', remainingMs: 1 * MINUTE, configVersion: A },
  },
  {
    rule: 'Failed for an older spec: trigger at once, no backoff',
    given: { spec: { runStrategy: 'Halted' }, jobs: [provision('Failed', 0.5, A)] },
    expected: trigger(B),
  },
  {
    rule: 'Succeeded for an older spec (runStrategy changed)',
    given: { spec: { runStrategy: 'Halted' }, jobs: [provision('Succeeded', 30, A)] },
    expected: trigger(B),
  },
  {
    rule: 'spec reverted A→B→A: only the latest job counts',
    given: { jobs: [provision('Succeeded', 60, A), provision('Succeeded', 30, B)] },
    expected: trigger(A),
  },
  {
    rule: 'spec reverted A→B→A while A once failed: no backoff from the old failure',
    given: { jobs: [provision('Failed', 4, A), provision('Succeeded', 1, B)] },
    expected: trigger(A),
  },
  {
    rule: 'legacy job without configVersion, Succeeded',
    given: { jobs: [legacyProvision('Succeeded', 600, '17')] },
    expected: { action: 'Skip', reason: 'provision job 17 succeeded (recorded without a config version)' },
  },
  {
    rule: 'legacy job with an empty configVersion, Succeeded',
    given: { jobs: [provision('Succeeded', 600, '', '17')] },
    expected: { action: 'Skip', reason: 'provision job 17 succeeded (recorded without a config version)' },
  },
  {
    rule: 'legacy job without configVersion, Failed: trigger at once',
    given: { jobs: [legacyProvision('Failed', 0.5)] },
    expected: trigger(),
  },
];

const DELETING: Row[] = [
  {
    rule: 'our finalizer already gone',
    given: { finalizers: [OTHER_FINALIZER], jobs: [running] },
    expected: { action: 'Ignore', reason: `being deleted and finalizer ${COMPUTE_INSTANCE_FINALIZER} is already gone` },
  },
  {
    rule: 'our finalizer already gone, manual',
    given: { finalizers: [], managementState: 'manual' },
    expected: { action: 'Ignore', reason: `being deleted and finalizer ${COMPUTE_INSTANCE_FINALIZER} is already gone` },
  },
  {
    rule: 'manual: no deprovision job',
    given: { managementState: 'manual', jobs: [provision('Succeeded', 30)] },
    expected: { action: 'RemoveFinalizer', reason: 'management-state is manual: no deprovision job is run' },
  },
  {
    rule: 'unmanaged: the unmanaged skip does not apply to deletion',
    given: { managementState: 'unmanaged' },
    expected: { action: 'Deprovision' },
  },
  { rule: 'no job at all', given: {}, expected: { action: 'Deprovision' } },
  {
    rule: 'no deprovision job, provision Succeeded',
    given: { jobs: [provision('Succeeded', 30)] },
    expected: { action: 'Deprovision' },
  },
  {
    rule: 'no deprovision job, provision Failed',
    given: { jobs: [provision('Failed', 1)] },
    expected: { action: 'Deprovision' },
  },
  {
    rule: 'no deprovision job, provision still running: cancel it first',
    given: { jobs: [running] },
    expected: { action: 'Deprovision', cancelProvisionJobID: '1500' },
  },
  {
    rule: 'no deprovision job, provision launch in flight: wait for its id',
    given: { jobs: [provisionLaunch] },
    expected: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: provisionLaunch.timestamp },
  },
  {
    rule: 'deprovision launch in flight',
    given: { jobs: [running, deprovisionLaunch] },
    expected: { action: 'WaitForLaunch', jobType: 'deprovision', intentTimestamp: deprovisionLaunch.timestamp },
  },
  ...(['Pending', 'Waiting', 'Running', 'Unknown'] as const).map(
    (state): Row => ({
      rule: `latest deprovision job ${state}`,
      given: { jobs: [provision('Canceled', 5), deprovision(state, 3, true, '1600')] },
      expected: { action: 'Poll', jobType: 'deprovision', jobID: '1600' },
    }),
  ),
  {
    rule: 'latest deprovision job Succeeded',
    given: { jobs: [deprovision('Succeeded', 3, true, '1600')] },
    expected: { action: 'RemoveFinalizer', reason: 'deprovision job 1600 succeeded' },
  },
  {
    rule: 'latest deprovision Succeeded after an earlier one failed',
    given: { jobs: [deprovision('Failed', 10, true), deprovision('Succeeded', 3, true, '1601')] },
    expected: { action: 'RemoveFinalizer', reason: 'deprovision job 1601 succeeded' },
  },
  {
    rule: 'deprovision Failed, blocking deletion, backoff not elapsed',
    given: { jobs: [deprovision('Failed', 1.5)] },
    expected: { action: 'Backoff', jobType: 'deprovision', remainingMs: 0.5 * MINUTE },
  },
  {
    rule: 'deprovision Failed twice 6 min apart, 8 min ago: 12 min backoff, 4 min to go',
    given: { jobs: [deprovision('Failed', 14), deprovision('Failed', 8)] },
    expected: { action: 'Backoff', jobType: 'deprovision', remainingMs: 4 * MINUTE },
  },
  {
    rule: 'deprovision Failed, blocking deletion, backoff elapsed',
    given: { jobs: [deprovision('Failed', 2)] },
    expected: { action: 'Deprovision' },
  },
  {
    rule: 'deprovision Canceled, blocking deletion, backoff not elapsed',
    given: { jobs: [deprovision('Canceled', 1)] },
    expected: { action: 'Backoff', jobType: 'deprovision', remainingMs: 1 * MINUTE },
  },
  {
    rule: 'deprovision Canceled, blocking deletion, backoff elapsed',
    given: { jobs: [deprovision('Canceled', 5)] },
    expected: { action: 'Deprovision' },
  },
  {
    rule: 'deprovision launch failed (no id), backoff elapsed',
    given: { jobs: [deprovision('Failed', 3, true, '')] },
    expected: { action: 'Deprovision' },
  },
  {
    rule: 'deprovision Failed, backoff elapsed, a provision job running again: cancel it first',
    given: { jobs: [deprovision('Failed', 10), running] },
    expected: { action: 'Deprovision', cancelProvisionJobID: '1500' },
  },
  {
    rule: 'deprovision Failed without blockDeletionOnFailure',
    given: { jobs: [deprovision('Failed', 1, false, '1600')] },
    expected: { action: 'RemoveFinalizer', reason: 'deprovision job 1600 ended Failed and does not block deletion' },
  },
];

describe('nextAction while the instance is live', () => {
  it.each(LIVE)('$rule', ({ given, expected }) => {
    const instance = makeInstance(given);
    expect(nextAction({ instance, now: NOW, finalizer: COMPUTE_INSTANCE_FINALIZER })).toEqual(expected);
  });
});

describe('nextAction while the instance is being deleted', () => {
  it.each(DELETING)('$rule', ({ given, expected }) => {
    const instance = makeInstance({ ...given, deleting: true });
    expect(nextAction({ instance, now: NOW, finalizer: COMPUTE_INSTANCE_FINALIZER })).toEqual(expected);
  });
});

describe('nextAction', () => {
  it('has a row for every kind of action in the table', () => {
    const kinds = new Set([...LIVE, ...DELETING].map(({ expected }) => expected.action));
    expect([...kinds].sort()).toEqual(
      ['Backoff', 'Deprovision', 'Ignore', 'Poll', 'RemoveFinalizer', 'Skip', 'Trigger', 'WaitForLaunch'].sort(),
    );
  });

  it('defaults to our finalizer', () => {
    const instance = makeInstance({ deleting: true, jobs: [deprovision('Succeeded', 1, true, '1600')] });
    expect(nextAction({ instance, now: NOW }).action).toBe('RemoveFinalizer');
  });

  it('honours another finalizer name', () => {
    const instance = makeInstance({ deleting: true, finalizers: ['example.com/vm'] });
    expect(nextAction({ instance, now: NOW, finalizer: 'example.com/vm' })).toEqual({ action: 'Deprovision' });
    expect(nextAction({ instance, now: NOW }).action).toBe('Ignore');
  });

  it('reads the clock it is given, not the system clock', () => {
    const instance = makeInstance({ jobs: [provision('Failed', 1)] });
    expect(nextAction({ instance, now: NOW }).action).toBe('Backoff');
    expect(nextAction({ instance, now: new Date(NOW.getTime() + MINUTE) }).action).toBe('Trigger');
  });
});
