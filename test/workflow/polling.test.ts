import { DEFAULT_POLL_SCHEDULE, nextPollDelaySeconds, shouldContinueAsNew } from '../../lib/workflow/polling';

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
