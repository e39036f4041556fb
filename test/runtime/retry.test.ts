import fc from 'fast-check';
import { CONFLICT_RETRY, TRANSIENT_RETRY } from '../../lib/k8s/retry';
import { backoffDelayMs, checkRetryPolicy, jitter, parseRetryAfterMs, retryDelayMs } from '../../lib/runtime/retry';

const NOW = Date.parse('2024-11-05T14:00:00Z');
const backoff = { baseDelayMs: 500, maxDelayMs: 30_000 };

describe('parseRetryAfterMs: one rule for the AAP transport and the forwarder', () => {
  it.each<[string | null | undefined, number | undefined]>([
    // Absent or empty: no say.
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['   ', undefined],
    // Delta-seconds, whole and fractional.
    ['0', 0],
    ['3', 3000],
    [' 7 ', 7000],
    ['120', 120_000],
    ['1.5', 1500],
    ['0.25', 250],
    // HTTP-date: from now; in the past means now.
    ['Tue, 05 Nov 2024 14:00:10 GMT', 10_000],
    ['Tue, 05 Nov 2024 13:59:00 GMT', 0],
    ['Tuesday, 05-Nov-24 14:00:30 GMT', 30_000],
    ['Tue Nov  5 14:00:02 2024', 2000],
    // Negative and garbage: ignored, the caller's backoff applies.
    ['-5', undefined],
    ['-1.5', undefined],
    ['+3', undefined],
    ['1,5', undefined],
    ['.5', undefined],
    ['1e3', undefined],
    ['soon', undefined],
    ['Infinity', undefined],
    ['NaN', undefined],
    ['5 apples', undefined],
  ])('reads %p as %p ms', (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });

  it('never answers a negative or non-finite wait, whatever the header', () => {
    fc.assert(
      fc.property(fc.string(), (header) => {
        const ms = parseRetryAfterMs(header, NOW);
        if (ms !== undefined) {
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('backoffDelayMs: equal jitter, capped', () => {
  it.each([
    [1, 0, 250],
    [1, 0.999999, 500],
    [2, 0.5, 750],
    [3, 0, 1000],
    [4, 1, 4000],
    [60, 0.5, 22_500],
  ])('retry %i with random %p waits %i ms', (attempt, random, expected) => {
    expect(backoffDelayMs(backoff, attempt, () => random)).toBe(expected);
  });

  it.each([
    [1, 5, 10],
    [2, 10, 20],
    [3, 20, 40],
    [10, 125, 250],
  ])('a conflict retry %i waits between %i and %i ms', (attempt, low, high) => {
    expect(backoffDelayMs(CONFLICT_RETRY, attempt, () => 0)).toBe(low);
    expect(backoffDelayMs(CONFLICT_RETRY, attempt, () => 0.999999)).toBe(high);
  });

  it('stays between half a window and the cap, for any attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 80 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, random) => {
          const window = Math.min(backoff.baseDelayMs * 2 ** (attempt - 1), backoff.maxDelayMs);
          const delay = backoffDelayMs(backoff, attempt, () => random);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(window / 2));
          expect(delay).toBeLessThanOrEqual(backoff.maxDelayMs);
        },
      ),
    );
  });

  it('jitter spans the upper half of its window', () => {
    expect(jitter(600, () => 0)).toBe(300);
    expect(jitter(600, () => 0.5)).toBe(450);
  });
});

describe('retryDelayMs', () => {
  it.each<[number | undefined, number]>([
    [2000, 2000],
    [0, 0],
    [120_000, 30_000],
    [undefined, 375],
  ])('honours Retry-After %p ms as %i ms', (retryAfter, expected) => {
    expect(retryDelayMs(backoff, 1, retryAfter, () => 0.5)).toBe(expected);
  });
});

describe('checkRetryPolicy', () => {
  it('accepts the shipped policies', () => {
    expect(checkRetryPolicy(CONFLICT_RETRY, 'conflictRetry')).toBe(CONFLICT_RETRY);
    expect(checkRetryPolicy(TRANSIENT_RETRY, 'transientRetry')).toBe(TRANSIENT_RETRY);
  });

  it.each([
    [{ attempts: 0, baseDelayMs: 1, maxDelayMs: 2 }, 'p.attempts must be a whole number >= 1'],
    [{ attempts: 1.5, baseDelayMs: 1, maxDelayMs: 2 }, 'p.attempts must be a whole number >= 1'],
    [{ attempts: 2, baseDelayMs: 3, maxDelayMs: 2 }, 'p needs 0 <= baseDelayMs <= maxDelayMs'],
    [{ attempts: 2, baseDelayMs: -1, maxDelayMs: 2 }, 'p needs 0 <= baseDelayMs <= maxDelayMs'],
  ])('refuses %j', (policy, message) => {
    expect(() => checkRetryPolicy(policy, 'p')).toThrow(message);
  });
});
