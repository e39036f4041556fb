import {
  allowedLagSeconds,
  clockGroups,
  LEAN_FALLBACK_POLL_SCHEDULE,
  minimumPollsWithinLagTarget,
  planJobs,
  STRATEGIES,
  schedulePolls,
  scheduleTradeOff,
  transitionsFor,
} from '../../bench/lifecycle';
import {
  DEFAULT_FALLBACK_POLL_SCHEDULE,
  DEFAULT_POLL_SCHEDULE,
  nextPollDelaySeconds,
  type PollSchedule,
} from '../../lib/workflow/polling';

const fixedEvery = (seconds: number) => ({ minSeconds: seconds, maxSeconds: seconds, fraction: 0.1 });
const MODEL = { fixed: 5, perPoll: 3 };

describe('the poll schedule on its own', () => {
  it.each([
    ['a 10 s job, fixed 30 s', 10, fixedEvery(30), { polls: 1, lagSeconds: 20 }],
    ['a 60 s job, fixed 30 s', 60, fixedEvery(30), { polls: 2, lagSeconds: 0 }],
    ['a 61 s job, fixed 30 s', 61, fixedEvery(30), { polls: 3, lagSeconds: 29 }],
    ['a job done at once, adaptive', 0, DEFAULT_POLL_SCHEDULE, { polls: 1, lagSeconds: 5 }],
    ['a 10 s job, adaptive', 10, DEFAULT_POLL_SCHEDULE, { polls: 2, lagSeconds: 0 }],
    ['a 12 s job, adaptive', 12, DEFAULT_POLL_SCHEDULE, { polls: 3, lagSeconds: 3 }],
    ['a 2.5 s job, fixed 2 s', 2.5, fixedEvery(2), { polls: 2, lagSeconds: 1.5 }],
  ])('sees %s end after the expected polls', (_case, seconds, schedule, expected) => {
    expect(schedulePolls(seconds, schedule)).toEqual(expected);
  });

  it('polls exactly where the poll task would: each wait is nextPollDelaySeconds of the time since launch', () => {
    const times: number[] = [];
    let t = nextPollDelaySeconds(0);
    while (t < 3600) {
      times.push(t);
      t += nextPollDelaySeconds(t);
    }
    expect(schedulePolls(3600, DEFAULT_POLL_SCHEDULE).polls).toBe(times.length + 1);
  });

  it('refuses a negative duration', () => {
    expect(() => schedulePolls(-1, DEFAULT_POLL_SCHEDULE)).toThrow('job duration must be ≥ 0 s, got -1');
  });

  it.each([
    [10, 5],
    [59, 5],
    [60, 6],
    [1800, 180],
  ])('allows a %d s job %d s of lag', (seconds, allowed) => {
    expect(allowedLagSeconds(seconds)).toBe(allowed);
  });

  it.each([
    [0, 0],
    [5, 1],
    [10, 2],
    [60, 12],
  ])('needs at least %#: %d s → %d polls for the lag target', (seconds, polls) => {
    expect(minimumPollsWithinLagTarget(seconds)).toBe(polls);
  });

  it('places the fewest polls so that a job of any length is seen within its allowed lag', () => {
    // The schedule minimumPollsWithinLagTarget counts: each poll as late as the lag target allows.
    const polls: number[] = [];
    for (let t = 0; t < 7200; ) {
      t += allowedLagSeconds(t + 1e-9);
      polls.push(t);
    }
    for (let seconds = 0.5; seconds <= 7200; seconds += 0.5) {
      const seenAt = polls.find((t) => t >= seconds) as number;
      expect(seenAt - seconds).toBeLessThanOrEqual(allowedLagSeconds(seconds) + 1e-9);
      expect(minimumPollsWithinLagTarget(seconds)).toBe(polls.indexOf(seenAt) + 1);
    }
  });

  it('finds the shipped schedule overshooting by its whole-second rounding: 7 s after the poll at 61 s', () => {
    // Polls at 5, 10, … 55, then 61 (55 + ⌈5.5⌉), 68 (61 + ⌈6.1⌉): a job ending just after 55 s waits ~6 s, one
    // ending just after 61 s waits 7 s (11.5 % of 61 s).
    const [shipped] = scheduleTradeOff(DEFAULT_POLL_SCHEDULE, [DEFAULT_POLL_SCHEDULE.fraction], MODEL);
    expect(shipped?.worstLagUnderAMinute).toBe(6);
    expect(shipped?.worstLagShare).toBeCloseTo(7 / 61, 10);
    const brute = Array.from({ length: 7200 * 4 - 240 + 1 }, (_, i) => 60 + i / 4).map(
      (seconds) => schedulePolls(seconds, DEFAULT_POLL_SCHEDULE).lagSeconds / seconds,
    );
    expect(Math.max(...brute)).toBeLessThanOrEqual(shipped?.worstLagShare as number);
  });

  it('shows that no fraction gives a 30-minute job both ≤ 40 transitions and a lag within 10 %', () => {
    const options = scheduleTradeOff(DEFAULT_POLL_SCHEDULE, [0.1, 0.2, 0.5, 1], MODEL);
    for (const option of options) {
      expect(option.transitions30min <= 40 && option.worstLagShare <= 0.1).toBe(false);
    }
    // More of the job between polls: fewer polls, more lag.
    const polls = options.map((o) => o.polls30min);
    const lag = options.map((o) => o.worstLagShare);
    expect(polls).toEqual([...polls].sort((a, b) => b - a));
    expect(lag).toEqual([...lag].sort((a, b) => a - b));
    expect(transitionsFor(minimumPollsWithinLagTarget(1800), MODEL)).toBeGreaterThan(40);
  });

  it('counts transitions as fixed + per poll', () => {
    expect(transitionsFor(47, MODEL)).toBe(146);
  });
});

describe('the lifecycle benchmark plan', () => {
  it('spreads each duration over ±10 %, longest first, with a name per job', () => {
    expect(planJobs([10, 600], 3)).toEqual([
      { cellSeconds: 600, requestedSeconds: 560, name: 'vm-600s-0' },
      { cellSeconds: 600, requestedSeconds: 600, name: 'vm-600s-1' },
      { cellSeconds: 600, requestedSeconds: 640, name: 'vm-600s-2' },
      { cellSeconds: 10, requestedSeconds: 9.333, name: 'vm-10s-0' },
      { cellSeconds: 10, requestedSeconds: 10, name: 'vm-10s-1' },
      { cellSeconds: 10, requestedSeconds: 10.667, name: 'vm-10s-2' },
    ]);
  });

  it('runs short cells on their slower clocks and the rest on the strategy’s own', () => {
    const slowerClocks = [
      { upToSeconds: 600, timeScale: 0.1 },
      { upToSeconds: 60, timeScale: 1 },
    ];
    expect(clockGroups({ timeScale: 0.02, slowerClocks }, [10, 60, 600, 1800, 7200])).toEqual([
      { timeScale: 1, durations: [10, 60] },
      { timeScale: 0.1, durations: [600] },
      { timeScale: 0.02, durations: [1800, 7200] },
    ]);
    expect(clockGroups({ timeScale: 0.02, slowerClocks }, [600])).toEqual([{ timeScale: 0.1, durations: [600] }]);
    expect(clockGroups({ timeScale: 0.02 }, [10, 7200])).toEqual([{ timeScale: 0.02, durations: [10, 7200] }]);
  });

  it.each([0, 1.5])('refuses %p jobs per duration', (n) => {
    expect(() => planJobs([10], n)).toThrow(`jobs per duration must be ≥ 1, got ${n}`);
  });

  it('runs notifications (shipped and lean fallback, with and without losses), the shipped polling schedule, the 30 s baseline it replaces, and a 2 s poll, each configured as it says', () => {
    const fallbackEnv = (s: PollSchedule) => ({
      FALLBACK_POLL_MIN_SECONDS: String(s.minSeconds),
      FALLBACK_POLL_MAX_SECONDS: String(s.maxSeconds),
      FALLBACK_POLL_FRACTION: String(s.fraction),
    });
    expect(STRATEGIES.map((s) => [s.key, s.env, s.baseline, s.notifications])).toEqual([
      ['notifications', fallbackEnv(DEFAULT_FALLBACK_POLL_SCHEDULE), false, { lostFraction: 0 }],
      ['notifications-lost', fallbackEnv(DEFAULT_FALLBACK_POLL_SCHEDULE), false, { lostFraction: 0.3 }],
      ['lean-notifications', fallbackEnv(LEAN_FALLBACK_POLL_SCHEDULE), false, { lostFraction: 0 }],
      ['lean-notifications-lost', fallbackEnv(LEAN_FALLBACK_POLL_SCHEDULE), false, { lostFraction: 0.3 }],
      ['adaptive', {}, false, undefined],
      ['fixed-30s', { POLL_MIN_SECONDS: '30', POLL_MAX_SECONDS: '30' }, true, undefined],
      ['fixed-2s', { POLL_MIN_SECONDS: '2', POLL_MAX_SECONDS: '2' }, false, undefined],
    ]);
    expect(STRATEGIES.find((s) => s.key === 'adaptive')?.schedule).toEqual(DEFAULT_POLL_SCHEDULE);
    // Notification strategies are measured at every length: the schedule model knows nothing of notifications.
    for (const s of STRATEGIES.filter((s) => s.notifications)) {
      expect(s.longestMeasuredSeconds).toEqual({ full: 7200, quick: 600 });
    }
  });
});
