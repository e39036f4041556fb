import { endedBeforeArming, WAITER_EXPIRY_MARGIN_SECONDS, waiterExpiresAt } from '../../lib/notifications/arming';

describe('waiterExpiresAt', () => {
  it.each([
    // now (ms), waitSeconds, expiresAt (s)
    [1_700_000_000_000, 5, 1_700_000_005 + WAITER_EXPIRY_MARGIN_SECONDS],
    [1_700_000_000_001, 5, 1_700_000_006 + WAITER_EXPIRY_MARGIN_SECONDS],
    [1_700_000_000_999, 1800, 1_700_001_801 + WAITER_EXPIRY_MARGIN_SECONDS],
  ])('armed at %p ms for %p s: expires at %p s (the wait, rounded up, plus the margin)', (now, wait, expected) => {
    expect(waiterExpiresAt(now, wait)).toBe(expected);
  });

  it('outlives the task it serves by at least the margin', () => {
    const now = 1_700_000_000_500;
    expect(waiterExpiresAt(now, 60) * 1000 - (now + 60_000)).toBeGreaterThanOrEqual(
      WAITER_EXPIRY_MARGIN_SECONDS * 1000,
    );
  });
});

describe('endedBeforeArming', () => {
  it.each([
    ['a running job', { terminal: false }, false],
    ['a pending job', { terminal: false }, false],
    ['a finished job', { terminal: true }, true],
    ['a purged job', 'purged' as const, true],
  ])('%s → resume now: %p', (_case, seen, expected) => {
    expect(endedBeforeArming(seen)).toBe(expected);
  });
});
