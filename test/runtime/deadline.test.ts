import {
  attemptTimeoutMs,
  budgetRemainingMs,
  canRetryAfter,
  deadlineSignal,
  MIN_ATTEMPT_MS,
  reportReserveMs,
  withDeadline,
} from '../../lib/runtime/deadline';

const NOW = 1_000_000;

describe('reportReserveMs', () => {
  it.each([
    [300_000, 3_000],
    [30_000, 3_000],
    [10_000, 2_000],
    [4_000, 1_000],
    [500, 1_000],
  ])('keeps back from %i ms left: %i ms', (remaining, reserve) => {
    expect(reportReserveMs(remaining)).toBe(reserve);
  });
});

describe('outside an invocation', () => {
  it('has no budget: each call keeps its own timeout and may always retry', () => {
    expect(budgetRemainingMs(NOW)).toBeUndefined();
    expect(attemptTimeoutMs(30_000, NOW)).toBe(30_000);
    expect(canRetryAfter(60_000, NOW)).toBe(true);
    expect(deadlineSignal(NOW)).toBeUndefined();
  });
});

describe('inside an invocation budget', () => {
  const inBudget = <T>(leftMs: number, fn: () => T) => withDeadline(NOW + leftMs, fn);

  it.each([
    ['plenty left: the call keeps its own cap', 27_000, 20_000, 20_000],
    ['less left than the cap: the attempt gets what is left', 7_000, 20_000, 7_000],
    ['less than a useful attempt left: not started', MIN_ATTEMPT_MS - 1, 20_000, 0],
    ['past the deadline: not started', -5, 20_000, 0],
  ])('%s', (_label, left, cap, expected) => {
    expect(inBudget(left, () => attemptTimeoutMs(cap, NOW))).toBe(expected);
  });

  it.each([
    ['a wait that leaves a useful attempt', 10_000, 9_000, true],
    ['a wait that leaves exactly the minimum', 10_000, 10_000 - MIN_ATTEMPT_MS, true],
    ['a wait that leaves too little', 10_000, 9_900, false],
    ['a Retry-After of 30 s with 27 s left', 27_000, 30_000, false],
  ])('retry after %s: %s', (_label, left, delay, expected) => {
    expect(inBudget(left, () => canRetryAfter(delay, NOW))).toBe(expected);
  });

  it('follows the work across awaits, and ends with it', async () => {
    const seen = await withDeadline(Date.now() + 5_000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return budgetRemainingMs();
    });
    expect(seen).toBeGreaterThan(4_000);
    expect(seen).toBeLessThanOrEqual(5_000);
    expect(budgetRemainingMs()).toBeUndefined();
  });

  it('gives the AWS SDK a signal that aborts when the budget is spent', async () => {
    const signal = withDeadline(Date.now() + 20, () => deadlineSignal());
    expect(signal?.aborted).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(signal?.aborted).toBe(true);
  });
});
