import fc from 'fast-check';
import {
  computeRetryDelayMs,
  isRetryableNetworkCode,
  isTransientResponse,
  parseRetryAfterMs,
  requestCertainlyNotSent,
} from '../../../lib/aap/retry-policy';

const NOW = Date.parse('2024-11-05T14:00:00Z');
const policy = { baseDelayMs: 500, maxRetryAfterMs: 30_000 };

describe('parseRetryAfterMs', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['0', 0],
    ['3', 3000],
    [' 7 ', 7000],
    ['1.5', 1500],
    ['Tue, 05 Nov 2024 14:00:10 GMT', 10_000],
    ['Tue, 05 Nov 2024 13:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('reads %p as %p ms', (header, expected) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(expected);
  });
});

describe('computeRetryDelayMs', () => {
  it.each([
    [1, 0, 250],
    [1, 0.999999, 500],
    [2, 0.5, 750],
    [3, 0, 1000],
    [4, 1, 4000],
  ])('retry %i with jitter %p waits %i ms', (attempt, jitter, expected) => {
    expect(computeRetryDelayMs(attempt, undefined, policy, () => jitter)).toBe(expected);
  });

  it.each([
    [2000, 2000],
    [0, 0],
    [120_000, 30_000],
  ])('honours Retry-After %i ms as %i ms', (retryAfter, expected) => {
    expect(computeRetryDelayMs(1, retryAfter, policy, () => 0.5)).toBe(expected);
  });

  it('stays between half a step and the cap, for any attempt and jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, jitter) => {
          const step = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxRetryAfterMs);
          const delay = computeRetryDelayMs(attempt, undefined, policy, () => jitter);
          expect(delay).toBeGreaterThanOrEqual(Math.floor(step / 2));
          expect(delay).toBeLessThanOrEqual(policy.maxRetryAfterMs);
        },
      ),
    );
  });
});

describe('isTransientResponse', () => {
  it.each([
    [200, true, false],
    [202, true, false],
    [200, false, true],
    [302, true, true],
    [400, true, false],
    [401, true, false],
    [403, true, false],
    [404, true, false],
    [405, true, false],
    [415, true, false],
    [429, true, true],
    [500, true, true],
    [503, false, true],
    [504, true, true],
  ])('HTTP %i (JSON body %p) is transient: %p', (status, json, expected) => {
    expect(isTransientResponse(status, json)).toBe(expected);
  });
});

describe('network failures', () => {
  it.each([
    ['ECONNRESET', true, false],
    ['ECONNREFUSED', true, true],
    ['ETIMEDOUT', true, false],
    ['ECONNABORTED', true, false],
    ['EAI_AGAIN', true, true],
    ['ENOTFOUND', false, true],
    ['CERT_HAS_EXPIRED', false, false],
    ['ERR_CANCELED', false, false],
    [undefined, false, false],
  ])('%p: retryable %p, certainly not sent %p', (code, retryable, notSent) => {
    expect(isRetryableNetworkCode(code)).toBe(retryable);
    expect(requestCertainlyNotSent(code)).toBe(notSent);
  });
});
