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
    [0, 2],
    [10, 2],
    [12, 3],
    [20, 4],
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

  it.each([9, 10, 11, 54, 60, 66, 540, 600, 660, 1620, 1800, 1980, 6480, 7200, 7920])(
    'a lost notification for a %p s job is seen within 25 %% of its length (the bench: every cell, ±10 %%)',
    (duration) => {
      expect(lostNotification(duration).lag).toBeLessThanOrEqual(0.25 * duration);
    },
  );

  it('keeps a lost notification within 25 % of any job length from 9 s to 2 h, the look itself not counted', () => {
    for (let duration = 9; duration <= 7200; duration += 0.5) {
      expect(lostNotification(duration).lag / duration).toBeLessThanOrEqual(0.25);
    }
  });

  it.each([600, 1800, 7200])('takes fewer looks than polling alone for a %p s job', (duration) => {
    expect(lostNotification(duration).looks).toBeLessThan(lostNotification(duration, DEFAULT_POLL_SCHEDULE).looks);
  });

  it('costs rounds: ~30 timed looks by 30 minutes, the price of the 25 % bound (the bench shows the lean option)', () => {
    expect(lostNotification(1800).looks).toBe(33);
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
