import { desiredConfigVersion } from '../../lib/computeinstance';
import * as actions from '../../lib/computeinstance/actions';
import { decideIntake } from '../../lib/intake';
import { planInstance } from '../../lib/reconcile';
import { baseSpec, job, makeInstance, minutesAgo, NOW } from './fixtures';

// Every caller reaches nextAction through this module, so wrapping it here counts every evaluation.
jest.mock('../../lib/computeinstance/actions', () => {
  const actual = jest.requireActual('../../lib/computeinstance/actions');
  return { ...actual, nextAction: jest.fn(actual.nextAction) };
});
const evaluations = actions.nextAction as jest.MockedFunction<typeof actions.nextAction>;

const FINALIZER = 'osac.openshift.io/computeinstance';
const applied = desiredConfigVersion(baseSpec());

/** One instance per NextAction variant the object can lead to. */
const INSTANCES = [
  ['Trigger', makeInstance()],
  ['Skip', makeInstance({ jobs: [job('provision', 'Succeeded', { configVersion: applied })] })],
  ['Poll', makeInstance({ jobs: [job('provision', 'Running', { jobID: '41', configVersion: applied })] })],
  ['WaitForLaunch', makeInstance({ jobs: [job('provision', 'Pending', { jobID: '', at: minutesAgo(1) })] })],
  ['Backoff', makeInstance({ jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(1) })] })],
  ['Ignore', makeInstance({ managementState: 'unmanaged' })],
  ['Deprovision', makeInstance({ deleting: true })],
  ['RemoveFinalizer', makeInstance({ deleting: true, managementState: 'manual' })],
] as const;

describe('the shared decision is evaluated once per read of an instance', () => {
  beforeEach(() => evaluations.mockClear());

  it.each(INSTANCES)('planInstance, %s', (action, instance) => {
    planInstance(instance, NOW, { finalizer: FINALIZER, launchIntentTtlMs: 5 * 60_000 });
    expect(evaluations.mock.results.map((result) => result.value.action)).toEqual([action]);
  });

  it.each(INSTANCES)('decideIntake of an upsert, %s', (action, instance) => {
    decideIntake(
      { kind: 'upsert', instance, ref: { cluster: 'east', namespace: 'ns', name: 'vm', uid: 'u' } },
      NOW,
      FINALIZER,
    );
    expect(evaluations.mock.results.map((result) => result.value.action)).toEqual([action]);
  });
});
