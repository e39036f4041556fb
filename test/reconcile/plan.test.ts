import { desiredConfigVersion } from '../../lib/computeinstance';
import type { JobState } from '../../lib/domain/job-state';
import {
  afterJobCheck,
  type ExecutionSeen,
  type ExecutionStatus,
  type InstanceNeed,
  nextProbe,
  type ProbeStep,
  planInstance,
  type Work,
} from '../../lib/reconcile';
import { executionName, type InstanceRef } from '../../lib/sfn';
import { baseSpec, job, makeInstance, minutesAgo, NOW } from '../computeinstance/fixtures';

const FINALIZER = 'osac.openshift.io/computeinstance';
const options = { finalizer: FINALIZER, launchIntentTtlMs: 5 * 60_000 };
const applied = desiredConfigVersion(baseSpec());
const older = desiredConfigVersion(baseSpec({ runStrategy: 'Halted' }));

describe('planInstance: what an instance needs, from the object', () => {
  it.each<[string, ReturnType<typeof makeInstance>, Partial<InstanceNeed>]>([
    [
      'a new instance',
      makeInstance({ generation: 1 }),
      { need: 'execution', work: { kind: 'provision', generation: 1 } },
    ],
    [
      'a spec change after a successful job',
      makeInstance({ generation: 4, jobs: [job('provision', 'Succeeded', { configVersion: older })] }),
      { need: 'execution', work: { kind: 'provision', generation: 4 } },
    ],
    [
      'the current spec applied',
      makeInstance({ jobs: [job('provision', 'Succeeded', { configVersion: applied })] }),
      { need: 'nothing' },
    ],
    [
      'a running provision job',
      makeInstance({ generation: 3, jobs: [job('provision', 'Running', { jobID: '4242', configVersion: applied })] }),
      { need: 'job-check', jobType: 'provision', jobID: 4242, work: { kind: 'provision', generation: 3 } },
    ],
    [
      'a pending provision job of an older spec (the new generation takes over from it)',
      makeInstance({ generation: 5, jobs: [job('provision', 'Pending', { jobID: '77', configVersion: older })] }),
      { need: 'job-check', jobID: 77, work: { kind: 'provision', generation: 5 } },
    ],
    [
      'a running job whose id AAP cannot be asked about',
      makeInstance({ jobs: [job('provision', 'Running', { jobID: '12x', configVersion: applied })] }),
      { need: 'execution', work: { kind: 'provision', generation: 1 }, reason: expect.stringMatching(/"12x"/) },
    ],
    [
      'a launch in flight',
      makeInstance({ jobs: [job('provision', 'Pending', { jobID: '', at: minutesAgo(1), configVersion: applied })] }),
      { need: 'nothing' },
    ],
    [
      'a launch intent older than its TTL (its launcher died)',
      makeInstance({ jobs: [job('provision', 'Pending', { jobID: '', at: minutesAgo(6), configVersion: applied })] }),
      {
        need: 'execution',
        work: { kind: 'provision', generation: 1 },
        reason: expect.stringMatching(/never recorded/),
      },
    ],
    [
      // The API server accepts ',' before the fraction and lower case; Date.parse read this as NaN, never "too old".
      'a launch intent older than its TTL, its timestamp spelled as only the API server accepts',
      makeInstance({
        jobs: [
          job('provision', 'Pending', {
            jobID: '',
            at: minutesAgo(6).replace('Z', ',0z').replace('T', 't'),
            configVersion: applied,
          }),
        ],
      }),
      {
        need: 'execution',
        work: { kind: 'provision', generation: 1 },
        reason: expect.stringMatching(/never recorded/),
      },
    ],
    [
      'a failed job in its backoff',
      makeInstance({ jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(1) })] }),
      { need: 'nothing', reason: expect.stringMatching(/retrying in/) },
    ],
    [
      'a failed job whose backoff elapsed',
      makeInstance({
        generation: 2,
        jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(5) })],
      }),
      { need: 'execution', work: { kind: 'provision', generation: 2 } },
    ],
    ['an unmanaged instance', makeInstance({ managementState: 'unmanaged' }), { need: 'nothing' }],
    [
      'a deletion',
      makeInstance({ deleting: true }),
      { need: 'execution', work: { kind: 'deprovision', deletionTimestamp: expect.any(String) } },
    ],
    [
      'a deletion while the provision job runs',
      makeInstance({ deleting: true, jobs: [job('provision', 'Running', { configVersion: applied })] }),
      { need: 'execution', work: { kind: 'deprovision', deletionTimestamp: expect.any(String) } },
    ],
    [
      'a deletion whose deprovision job runs',
      makeInstance({ deleting: true, jobs: [job('deprovision', 'Running', { jobID: '9001' })] }),
      {
        need: 'job-check',
        jobType: 'deprovision',
        jobID: 9001,
        work: { kind: 'deprovision', deletionTimestamp: expect.any(String) },
      },
    ],
    [
      'a deletion waiting for a provision launch whose launcher died',
      makeInstance({ deleting: true, jobs: [job('provision', 'Pending', { jobID: '', at: minutesAgo(30) })] }),
      { need: 'execution', work: { kind: 'deprovision', deletionTimestamp: expect.any(String) } },
    ],
    ['a deletion after our finalizer went', makeInstance({ deleting: true, finalizers: [] }), { need: 'nothing' }],
  ])('%s', (_label, instance, expected) => {
    expect(planInstance(instance, NOW, options)).toMatchObject(expected);
  });

  it.each([
    ['holds only the default one: not ours to deprovision', [FINALIZER], 'nothing'],
    ['holds the cluster one: deprovision', ['example.com/other'], 'execution'],
  ])('reads the cluster finalizer: a deletion that %s', (_label, finalizers, need) => {
    const instance = makeInstance({ deleting: true, finalizers });
    expect(planInstance(instance, NOW, { ...options, finalizer: 'example.com/other' }).need).toBe(need);
  });
});

describe('afterJobCheck: what AAP says about a job status calls running', () => {
  const check = {
    need: 'job-check',
    work: { kind: 'provision', generation: 2 },
    jobType: 'provision',
    jobID: 31,
    reason: 'provision job 31 is running',
  } as const;

  it.each<[string, { state: JobState; terminal: boolean } | 'purged', InstanceNeed['need'], RegExp]>([
    ['still running', { state: 'Running', terminal: false }, 'nothing', /Running in AAP/],
    ['pending', { state: 'Pending', terminal: false }, 'nothing', /Pending/],
    ['unknown to the mapping (kept being polled)', { state: 'Unknown', terminal: false }, 'nothing', /Unknown/],
    ['succeeded unrecorded', { state: 'Succeeded', terminal: true }, 'execution', /ended Succeeded/],
    ['failed unrecorded', { state: 'Failed', terminal: true }, 'execution', /ended Failed/],
    ['canceled unrecorded', { state: 'Canceled', terminal: true }, 'execution', /ended Canceled/],
    ['purged', 'purged', 'execution', /purged/],
  ])('%s', (_label, job, need, reason) => {
    const decided = afterJobCheck(check, job);
    expect(decided).toMatchObject({ need, reason: expect.stringMatching(reason) });
    if (decided.need === 'execution') expect(decided.work).toEqual(check.work);
  });
});

describe('nextProbe: which execution to describe or start', () => {
  const ref: InstanceRef = { cluster: 'east', namespace: 'osac', name: 'vm-1', uid: 'uid-1' };
  const provision: Work = { kind: 'provision', generation: 3 };
  const limits = { stalledAfterRetries: 3, maxBackoffMs: 3_600_000, maxContinuations: 5 };
  const n = (retry = 0, continuation = 0, work: Work = provision) =>
    executionName({ ...work, ref, retry, continuation });
  const seen = (entries: Array<[string, ExecutionStatus]>) => new Map(entries);

  it.each<[string, Array<[string, ExecutionStatus]>, ReturnType<typeof nextProbe>]>([
    ['nothing known yet: the first name', [], { step: 'describe', name: n() }],
    ['never started: start retry 0', [[n(), 'ABSENT']], { step: 'start', retry: 0, name: n(), stalled: false }],
    ['running', [[n(), 'RUNNING']], { step: 'running', name: n() }],
    ['about to be redriven counts as alive', [[n(), 'PENDING_REDRIVE']], { step: 'running', name: n() }],
    ['failed: look at retry 1', [[n(), 'FAILED']], { step: 'describe', name: n(1) }],
    [
      'failed and no retry yet: start retry 1',
      [
        [n(), 'FAILED'],
        [n(1), 'ABSENT'],
      ],
      { step: 'start', retry: 1, name: n(1), previous: { name: n(), status: 'FAILED' }, stalled: false },
    ],
    [
      'aborted, then timed out: start retry 2',
      [
        [n(), 'ABORTED'],
        [n(1), 'TIMED_OUT'],
        [n(2), 'ABSENT'],
      ],
      { step: 'start', retry: 2, name: n(2), previous: { name: n(1), status: 'TIMED_OUT' }, stalled: false },
    ],
    [
      'a retry that runs',
      [
        [n(), 'ABORTED'],
        [n(1), 'RUNNING'],
        [n(2), 'ABSENT'],
      ],
      { step: 'running', name: n(1) },
    ],
    ['succeeded: it may have handed over', [[n(), 'SUCCEEDED']], { step: 'describe', name: n(0, 1) }],
    [
      'its continuation runs',
      [
        [n(), 'SUCCEEDED'],
        [n(0, 1), 'RUNNING'],
      ],
      { step: 'running', name: n(0, 1) },
    ],
    [
      'succeeded without hand-over while the work is still needed: start retry 1',
      [
        [n(), 'SUCCEEDED'],
        [n(0, 1), 'ABSENT'],
        [n(1), 'ABSENT'],
      ],
      { step: 'start', retry: 1, name: n(1), previous: { name: n(), status: 'SUCCEEDED' }, stalled: false },
    ],
    [
      'a continuation that was aborted ends its chain',
      [
        [n(), 'SUCCEEDED'],
        [n(0, 1), 'SUCCEEDED'],
        [n(0, 2), 'ABORTED'],
        [n(1), 'ABSENT'],
      ],
      { step: 'start', retry: 1, name: n(1), previous: { name: n(0, 2), status: 'ABORTED' }, stalled: false },
    ],
  ])('%s', (_label, entries, expected) => {
    expect(nextProbe(provision, ref, seen(entries), limits, NOW)).toEqual(expected);
  });

  it('follows at most maxContinuations hand-overs of one chain', () => {
    const observed = seen([
      [n(), 'SUCCEEDED'],
      [n(0, 1), 'SUCCEEDED'],
    ]);
    expect(nextProbe(provision, ref, observed, { ...limits, maxContinuations: 1 }, NOW)).toEqual({
      step: 'describe',
      name: n(1),
    });
  });

  it.each<[string, Work]>([
    ['provision names carry the generation', { kind: 'provision', generation: 9 }],
    [
      'deprovision names carry the deletion instant',
      { kind: 'deprovision', deletionTimestamp: '2026-12-07T10:00:00Z' },
    ],
  ])('uses the deterministic names: %s', (_label, work) => {
    const observed = seen([[n(0, 0, work), 'ABSENT']]);
    const step = nextProbe(work, ref, observed, limits, NOW);
    expect(step).toEqual({ step: 'start', retry: 0, name: n(0, 0, work), stalled: false });
    expect(step.step === 'start' && step.name).toMatch(
      work.kind === 'provision'
        ? /^provision-osac-vm-1-[0-9a-f]{8}-g9$/
        : /^deprovision-osac-vm-1-[0-9a-f]{8}-d1796637600$/,
    );
  });
});

describe('nextProbe: work whose executions keep failing is never given up', () => {
  const ref: InstanceRef = { cluster: 'east', namespace: 'osac', name: 'vm-1', uid: 'uid-1' };
  const work: Work = { kind: 'deprovision', deletionTimestamp: '2026-12-07T10:00:00Z' };
  const limits = { stalledAfterRetries: 3, maxBackoffMs: 3_600_000, maxContinuations: 0 };
  const n = (retry: number) => executionName({ ...work, ref, retry });
  /** `count` failed attempts, the last one `lastAgoMin` minutes ago and each earlier one `gapMin` before the next. */
  const failures = (count: number, lastAgoMin: number, gapMin: number) => {
    const observed = new Map<string, ExecutionSeen>();
    for (let retry = 0; retry < count; retry++) {
      const stoppedAt = new Date(minutesAgo(lastAgoMin + (count - 1 - retry) * gapMin));
      observed.set(n(retry), { status: 'FAILED', stoppedAt });
    }
    // Every later retry is absent, however far the search looks.
    for (let retry = count; retry <= 2 * count + 2; retry++) observed.set(n(retry), { status: 'ABSENT' });
    return observed;
  };
  const due = (minutesFromNow: number) => new Date(NOW.getTime() + minutesFromNow * 60_000);

  it.each<[string, ReturnType<typeof failures>, Partial<ProbeStep>]>([
    ['two failures: retried at once, not stalled', failures(2, 1, 5), { step: 'start', retry: 2, stalled: false }],
    [
      'three failures 5 min apart, the last 1 min ago: stalled, next in 10 - 1 min',
      failures(3, 1, 5),
      { step: 'backoff', retry: 3, stalled: true, dueAt: due(9) },
    ],
    [
      'three failures 5 min apart, the last 11 min ago: stalled, retried now',
      failures(3, 11, 5),
      { step: 'start', retry: 3, stalled: true, name: n(3) },
    ],
    [
      'failures 40 min apart: the wait doubles the gap up to the 1 h cap',
      failures(5, 10, 40),
      { step: 'backoff', retry: 5, stalled: true, dueAt: due(50) },
    ],
    [
      'a deletion stuck for a week of hourly retries still gets its next one',
      failures(170, 61, 60),
      { step: 'start', retry: 170, stalled: true, name: n(170) },
    ],
    [
      'failures 1 min apart: never sooner than 2 min',
      failures(4, 1, 1),
      { step: 'backoff', retry: 4, stalled: true, dueAt: due(1) },
    ],
  ])('%s', (_label, observed, expected) => {
    const step = nextProbe(work, ref, observed, limits, NOW);
    expect(step).toMatchObject(expected);
    if (step.step !== 'describe' && step.step !== 'running') {
      expect(step.previous).toEqual({ name: n(step.retry - 1), status: 'FAILED' });
    }
  });

  it('finds the latest of a thousand retries in a few describes, not a thousand', () => {
    const observed = new Map<string, ExecutionSeen>();
    const exists = (retry: number) => retry <= 1000;
    let describes = 0;
    for (;;) {
      const step = nextProbe(work, ref, observed, limits, NOW);
      if (step.step !== 'describe') {
        expect(step).toMatchObject({ step: 'start', retry: 1001, stalled: true });
        break;
      }
      describes++;
      const retry = Number(/-r(\d+)$/.exec(step.name)?.[1] ?? 0);
      observed.set(
        step.name,
        exists(retry) ? { status: 'FAILED', stoppedAt: new Date(minutesAgo(120)) } : { status: 'ABSENT' },
      );
    }
    // Doubling to 1024 (11), halving back to 1000 (10), the last two chains: about 2 log2(1000).
    expect(describes).toBeLessThanOrEqual(25);
  });

  it('an ended attempt whose stop time is unknown counts as ended now', () => {
    const observed = new Map<string, ExecutionSeen>([
      [n(0), { status: 'FAILED' }],
      [n(1), { status: 'FAILED' }],
      [n(2), { status: 'TIMED_OUT' }],
      [n(3), { status: 'ABSENT' }],
      [n(4), { status: 'ABSENT' }],
    ]);
    expect(nextProbe(work, ref, observed, limits, NOW)).toMatchObject({ step: 'backoff', dueAt: due(2) });
  });
});
