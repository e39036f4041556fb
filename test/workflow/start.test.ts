import { type ComputeInstance, desiredConfigVersion, needsOf } from '../../lib/computeinstance';
import { baseSpec, job, MINUTE, makeInstance, minutesAgo, NOW } from '../computeinstance/fixtures';

const applied = desiredConfigVersion(baseSpec());
const older = desiredConfigVersion(baseSpec({ runStrategy: 'Halted' }));
/** The workflow an instance needs started: the intake's and the reconciler's view of the shared decision. */
const workflowToStart = (instance: ComputeInstance, now: Date) => needsOf(instance, now).start;

describe('workflowToStart', () => {
  it.each([
    ['a new instance', makeInstance({ generation: 1 }), { kind: 'provision', generation: 1 }],
    [
      'a spec change after a successful job',
      makeInstance({ generation: 4, jobs: [job('provision', 'Succeeded', { configVersion: older })] }),
      { kind: 'provision', generation: 4 },
    ],
    [
      'the current spec already applied (our own status write coming back)',
      makeInstance({ jobs: [job('provision', 'Succeeded', { configVersion: applied })] }),
      { kind: 'none' },
    ],
    [
      'a running provision job (a MODIFIED event from our poller)',
      makeInstance({ jobs: [job('provision', 'Running', { configVersion: applied })] }),
      { kind: 'none', reason: expect.stringMatching(/running/) },
    ],
    [
      'a launch in flight',
      makeInstance({ jobs: [job('provision', 'Pending', { jobID: '', configVersion: applied })] }),
      { kind: 'none', reason: expect.stringMatching(/in flight/) },
    ],
    [
      'a failed job still in its backoff',
      makeInstance({ jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(1) })] }),
      { kind: 'none', reason: expect.stringMatching(/retrying in \d+ s/) },
    ],
    [
      'a failed job whose backoff elapsed',
      makeInstance({
        generation: 2,
        jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(5) })],
      }),
      { kind: 'provision', generation: 2 },
    ],
    ['an unmanaged instance', makeInstance({ managementState: 'unmanaged' }), { kind: 'none' }],
    [
      'a deletion',
      makeInstance({ deleting: true }),
      { kind: 'deprovision', deletionTimestamp: expect.any(String), reason: 'being deleted' },
    ],
    [
      'a deletion while the provision job runs (it is cancelled by the deprovision workflow)',
      makeInstance({ deleting: true, jobs: [job('provision', 'Running', { configVersion: applied })] }),
      { kind: 'deprovision' },
    ],
    [
      'a deletion whose deprovision job runs',
      makeInstance({ deleting: true, jobs: [job('deprovision', 'Running', { blockDeletionOnFailure: true })] }),
      { kind: 'none' },
    ],
    [
      'a deletion whose deprovision succeeded but the finalizer is still on',
      makeInstance({ deleting: true, jobs: [job('deprovision', 'Succeeded', { blockDeletionOnFailure: true })] }),
      { kind: 'deprovision' },
    ],
    ['a deletion after our finalizer went', makeInstance({ deleting: true, finalizers: [] }), { kind: 'none' }],
    [
      'a manual instance being deleted',
      makeInstance({ deleting: true, managementState: 'manual' }),
      { kind: 'deprovision' },
    ],
  ])('%s', (_label, instance, expected) => {
    expect(workflowToStart(instance, NOW)).toMatchObject(expected);
  });

  it('uses the instance generation so every spec gets its own execution', () => {
    const started = workflowToStart(makeInstance({ generation: 7 }), new Date(NOW.getTime() + MINUTE));
    expect(started).toEqual({ kind: 'provision', generation: 7, reason: expect.stringContaining(applied) });
  });
});
