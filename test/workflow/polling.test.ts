import {
  DEFAULT_FALLBACK_POLL_SCHEDULE,
  DEFAULT_POLL_SCHEDULE,
  DEFAULT_POLLS_PER_EXECUTION,
  nextPollDelaySeconds,
  shouldContinueAsNew,
} from '../../lib/workflow/polling';

describe('nextPollDelaySeconds', () => {
  it.each([
    [0, 5],
    [-3, 5],
    [Number.NaN, 5],
    [30, 5],
    [60, 6],
    [600, 60],
    [1800, 180],
    [3000, 300],
    [172_800, 300],
  ])('after %p s elapsed waits %p s', (elapsed, expected) => {
    expect(nextPollDelaySeconds(elapsed)).toBe(expected);
  });

  it('keeps the detection lag within 10% of the job duration or 5 s, whichever is larger', () => {
    for (const duration of [10, 60, 600, 1800, 7200]) {
      let t = 0;
      while (t < duration) t += nextPollDelaySeconds(t);
      expect(t - duration).toBeLessThanOrEqual(Math.max(5, Math.ceil(duration * DEFAULT_POLL_SCHEDULE.fraction)));
    }
  });

  it('honours a custom schedule', () => {
    expect(nextPollDelaySeconds(1000, { minSeconds: 1, maxSeconds: 20, fraction: 0.5 })).toBe(20);
    expect(nextPollDelaySeconds(1, { minSeconds: 1, maxSeconds: 20, fraction: 0.5 })).toBe(1);
  });
});

describe('the fallback schedule while notifications are on', () => {
  it.each([
    [0, 5],
    [20, 5],
    [60, 12],
    [600, 120],
    [1800, 360],
    [7200, 1440],
    [9000, 1800],
    [172_800, 1800],
  ])('after %p s elapsed waits %p s', (elapsed, expected) => {
    expect(nextPollDelaySeconds(elapsed, DEFAULT_FALLBACK_POLL_SCHEDULE)).toBe(expected);
  });

  /** Where the fallback looks fall for a job of `duration`: the lag if its notification is lost, and the looks. */
  function lostNotification(duration: number, schedule = DEFAULT_FALLBACK_POLL_SCHEDULE) {
    let t = 0;
    let looks = 0;
    while (t < duration) {
      t += nextPollDelaySeconds(t, schedule);
      looks += 1;
    }
    return { lag: t - duration, looks };
  }

  it.each([60, 600, 1800, 7200])(
    'a lost notification for a %p s job is seen within 25 %% of its length (or the 5 s floor)',
    (duration) => {
      expect(lostNotification(duration).lag).toBeLessThanOrEqual(Math.max(5, 0.25 * duration));
    },
  );

  it.each([600, 1800, 7200])('takes fewer looks than polling alone for a %p s job', (duration) => {
    expect(lostNotification(duration).looks).toBeLessThan(lostNotification(duration, DEFAULT_POLL_SCHEDULE).looks);
  });

  it('is never shorter than polling alone: a lost notification is seen no later than polling would be', () => {
    for (const elapsed of [0, 10, 60, 600, 3600, 86_400]) {
      expect(nextPollDelaySeconds(elapsed, DEFAULT_FALLBACK_POLL_SCHEDULE)).toBeGreaterThanOrEqual(
        nextPollDelaySeconds(elapsed, DEFAULT_POLL_SCHEDULE),
      );
    }
  });
});

describe('the cancel-wait behind a provision job hung for 100 hours', () => {
  const HANG_SECONDS = 100 * 3600;
  function roundsOver(seconds: number, waitAfter: (elapsed: number) => number) {
    let rounds = 0;
    for (let t = 0; t < seconds; t += waitAfter(t)) rounds += 1;
    return rounds;
  }

  it('costs about 1,200 rounds and 3 hand-overs on the poll schedule, where a fixed 5 s cost 72,000 and 180', () => {
    const fixed = roundsOver(HANG_SECONDS, () => 5);
    const growing = roundsOver(HANG_SECONDS, (elapsed) => nextPollDelaySeconds(elapsed));
    expect(fixed).toBe(72_000);
    expect(Math.floor(fixed / DEFAULT_POLLS_PER_EXECUTION)).toBe(180);
    expect(growing).toBeLessThan(1_500);
    expect(growing).toBeGreaterThan(HANG_SECONDS / DEFAULT_POLL_SCHEDULE.maxSeconds);
    expect(Math.floor(growing / DEFAULT_POLLS_PER_EXECUTION)).toBeLessThanOrEqual(3);
  });
});

describe('shouldContinueAsNew', () => {
  it.each([
    [0, 400, false],
    [399, 400, false],
    [400, 400, true],
    [3, 3, true],
  ])('%p polls with a limit of %p → %p', (polls, limit, expected) => {
    expect(shouldContinueAsNew(polls, limit)).toBe(expected);
  });
});
