import {
  desiredConfigVersion,
  type Needs,
  type NextAction,
  needsOf,
  type ObjectMeta,
  projectNeeds,
} from '../../lib/computeinstance';
import { baseSpec, job, MINUTE, makeInstance, minutesAgo, NOW } from './fixtures';

const DELETED_AT = '2026-03-20T11:59:00Z';
const live: ObjectMeta = { name: 'vm-7fk2p', namespace: 'ns', generation: 4 };
const deleting: ObjectMeta = { ...live, deletionTimestamp: DELETED_AT };
const provisionWork = { kind: 'provision', generation: 4 } as const;
const deprovisionWork = { kind: 'deprovision', deletionTimestamp: DELETED_AT } as const;

interface Row {
  label: string;
  next: NextAction;
  metadata: ObjectMeta;
  /** start: webhook and reconciler; underway: reconciler; step: workflow tasks. */
  expected: Needs;
}

/** Each NextAction variant in the situations nextAction decides it in (and the fallbacks it never should). */
const ROWS: Row[] = [
  {
    label: 'Trigger',
    next: { action: 'Trigger', configVersion: 'abc', addFinalizer: false },
    metadata: live,
    expected: {
      start: { kind: 'provision', generation: 4, reason: 'configuration abc is not applied' },
      step: { action: 'Trigger', configVersion: 'abc' },
    },
  },
  {
    label: 'Trigger, our finalizer still to add (the workflow adds it; nothing else changes)',
    next: { action: 'Trigger', configVersion: 'abc', addFinalizer: true },
    metadata: { name: 'vm', namespace: 'ns' },
    expected: {
      start: { kind: 'provision', generation: 1, reason: 'configuration abc is not applied' },
      step: { action: 'Trigger', configVersion: 'abc' },
    },
  },
  {
    label: 'Poll, provision job',
    next: { action: 'Poll', jobType: 'provision', jobID: '4242' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'provision job 4242 is running' },
      underway: { kind: 'job', work: provisionWork, jobType: 'provision', jobID: '4242' },
      step: { action: 'Poll', jobType: 'provision' },
    },
  },
  {
    label: 'Poll, deprovision job',
    next: { action: 'Poll', jobType: 'deprovision', jobID: '9001' },
    metadata: deleting,
    expected: {
      start: { kind: 'none', reason: 'deprovision job 9001 is running' },
      underway: { kind: 'job', work: deprovisionWork, jobType: 'deprovision', jobID: '9001' },
      step: { action: 'Poll', jobType: 'deprovision' },
    },
  },
  {
    label: 'WaitForLaunch, provision',
    next: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: '2026-03-20T11:58:00Z' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'a provision launch is in flight' },
      underway: {
        kind: 'launch',
        work: provisionWork,
        jobType: 'provision',
        intentTimestamp: '2026-03-20T11:58:00Z',
      },
      step: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: '2026-03-20T11:58:00Z' },
    },
  },
  {
    label: 'WaitForLaunch, a provision launch during a deletion (the deprovision execution settles it)',
    next: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: '2026-03-20T11:30:00Z' },
    metadata: deleting,
    expected: {
      start: { kind: 'none', reason: 'a provision launch is in flight' },
      underway: {
        kind: 'launch',
        work: deprovisionWork,
        jobType: 'provision',
        intentTimestamp: '2026-03-20T11:30:00Z',
      },
      step: { action: 'WaitForLaunch', jobType: 'provision', intentTimestamp: '2026-03-20T11:30:00Z' },
    },
  },
  {
    label: 'Backoff, rounded up to whole seconds',
    next: { action: 'Backoff', jobType: 'provision', remainingMs: 61_200, configVersion: 'abc' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'the last provision job failed; retrying in 62 s' },
      step: { action: 'Backoff', waitSeconds: 62, reason: 'the last provision job failed' },
    },
  },
  {
    label: 'Backoff with no time left (never decided): the workflow still waits a second',
    next: { action: 'Backoff', jobType: 'deprovision', remainingMs: 0 },
    metadata: deleting,
    expected: {
      start: { kind: 'none', reason: 'the last deprovision job failed; retrying in 0 s' },
      step: { action: 'Backoff', waitSeconds: 1, reason: 'the last deprovision job failed' },
    },
  },
  {
    label: 'Deprovision',
    next: { action: 'Deprovision' },
    metadata: deleting,
    expected: {
      start: { kind: 'deprovision', deletionTimestamp: DELETED_AT, reason: 'being deleted' },
      step: { action: 'Deprovision' },
    },
  },
  {
    label: 'Deprovision, cancelling a provision job first (the workflow cancels it)',
    next: { action: 'Deprovision', cancelProvisionJobID: '77' },
    metadata: deleting,
    expected: {
      start: { kind: 'deprovision', deletionTimestamp: DELETED_AT, reason: 'being deleted' },
      step: { action: 'Deprovision' },
    },
  },
  {
    label: 'Deprovision without a deletion (never decided): nothing is started',
    next: { action: 'Deprovision' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'Deprovision without a deletion' },
      step: { action: 'Deprovision' },
    },
  },
  {
    label: 'RemoveFinalizer: a deprovision execution removes it',
    next: { action: 'RemoveFinalizer', reason: 'deprovision job 9001 succeeded' },
    metadata: deleting,
    expected: {
      start: { kind: 'deprovision', deletionTimestamp: DELETED_AT, reason: 'being deleted' },
      step: { action: 'RemoveFinalizer', reason: 'deprovision job 9001 succeeded' },
    },
  },
  {
    label: 'RemoveFinalizer without a deletion (never decided): nothing is started',
    next: { action: 'RemoveFinalizer', reason: 'manual' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'RemoveFinalizer without a deletion' },
      step: { action: 'RemoveFinalizer', reason: 'manual' },
    },
  },
  {
    label: 'Skip',
    next: { action: 'Skip', reason: 'configuration abc applied by provision job 1' },
    metadata: live,
    expected: {
      start: { kind: 'none', reason: 'configuration abc applied by provision job 1' },
      step: { action: 'Done', reason: 'configuration abc applied by provision job 1' },
    },
  },
  {
    label: 'Ignore',
    next: { action: 'Ignore', reason: 'management-state is unmanaged' },
    metadata: deleting,
    expected: {
      start: { kind: 'none', reason: 'management-state is unmanaged' },
      step: { action: 'Done', reason: 'management-state is unmanaged' },
    },
  },
];

/** Adding a NextAction variant fails to compile here until it has a row. */
const VARIANTS = {
  Ignore: true,
  Trigger: true,
  Poll: true,
  WaitForLaunch: true,
  Skip: true,
  Backoff: true,
  Deprovision: true,
  RemoveFinalizer: true,
} satisfies Record<NextAction['action'], true>;

describe('projectNeeds: one decision, what each consumer gets', () => {
  it.each(ROWS)('$label', ({ next, metadata, expected }) => {
    expect(projectNeeds(next, metadata)).toEqual(expected);
  });

  it('has a row for every NextAction variant', () => {
    expect(new Set(ROWS.map((row) => row.next.action))).toEqual(new Set(Object.keys(VARIANTS)));
  });
});

describe('needsOf: decides on the object as read', () => {
  it('a running job: the reconciler follows the work the instance stands at', () => {
    const instance = makeInstance({ generation: 3, jobs: [job('provision', 'Running', { jobID: '41' })] });
    expect(needsOf(instance, NOW).underway).toEqual({
      kind: 'job',
      work: { kind: 'provision', generation: 3 },
      jobType: 'provision',
      jobID: '41',
    });
  });

  it("follows the cluster's own finalizer", () => {
    const instance = makeInstance({ deleting: true, finalizers: ['example.com/ours'] });
    expect(needsOf(instance, NOW, 'example.com/ours').start.kind).toBe('deprovision');
    expect(needsOf(instance, NOW).start).toEqual({
      kind: 'none',
      reason: expect.stringMatching(/finalizer osac.openshift.io\/computeinstance is already gone/),
    });
  });

  it('reads the clock it is given: a failed job waits out its backoff, then triggers again', () => {
    const configVersion = desiredConfigVersion(baseSpec());
    const instance = makeInstance({ jobs: [job('provision', 'Failed', { configVersion, at: minutesAgo(1) })] });
    expect(needsOf(instance, NOW).step.action).toBe('Backoff');
    expect(needsOf(instance, new Date(NOW.getTime() + MINUTE)).step).toEqual({ action: 'Trigger', configVersion });
  });
});
