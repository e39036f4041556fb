import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The time budget of one Lambda invocation, shared by every outbound call it makes (AAP, the API server, AWS).
 * A call's timeout × attempts + backoff must end before the function's own timeout, with room left to report the
 * outcome: otherwise Lambda kills the invocation mid-call and the state machine sees a timeout instead of the
 * Transient it knows how to retry. So each attempt's timeout is capped by what is left of the budget, and no retry
 * starts that could not finish inside it.
 *
 * Outside an invocation (tests, scripts) there is no budget: calls use their own timeouts and attempts.
 */

/** Kept back from the function's timeout for writing the outcome, logging and flushing metrics. */
export const REPORT_RESERVE_MS = 3_000;
/** Short invocations keep back less, but never under this. */
export const MIN_REPORT_RESERVE_MS = 1_000;
/** An attempt with less time than this left cannot do anything useful: it is not started. */
export const MIN_ATTEMPT_MS = 250;

const budget = new AsyncLocalStorage<{ deadlineMs: number }>();

/** How much of an invocation with `remainingMs` left is kept for reporting: 3 s, or a fifth of short ones (≥ 1 s). */
export function reportReserveMs(remainingMs: number): number {
  return Math.max(MIN_REPORT_RESERVE_MS, Math.min(REPORT_RESERVE_MS, Math.floor(remainingMs / 5)));
}

/** Runs `fn` with outbound calls bounded by the epoch-millisecond `deadlineMs`. */
export function withDeadline<T>(deadlineMs: number, fn: () => T): T {
  return budget.run({ deadlineMs }, fn);
}

/** Milliseconds left before the current invocation's deadline (negative once past); undefined outside one. */
export function budgetRemainingMs(now: number = Date.now()): number | undefined {
  const current = budget.getStore();
  return current === undefined ? undefined : current.deadlineMs - now;
}

/** One attempt's timeout: its own cap, or what is left of the budget if that is less (0: do not start). */
export function attemptTimeoutMs(capMs: number, now: number = Date.now()): number {
  const left = budgetRemainingMs(now);
  if (left === undefined) return capMs;
  return left < MIN_ATTEMPT_MS ? 0 : Math.min(capMs, left);
}

/** Whether waiting `delayMs` before another attempt still leaves that attempt time to be useful. */
export function canRetryAfter(delayMs: number, now: number = Date.now()): boolean {
  const left = budgetRemainingMs(now);
  return left === undefined || left - delayMs >= MIN_ATTEMPT_MS;
}

/** For the AWS SDK's `send(command, { abortSignal })`: fires when the budget is spent; undefined outside one. */
export function deadlineSignal(now: number = Date.now()): AbortSignal | undefined {
  const left = budgetRemainingMs(now);
  return left === undefined ? undefined : AbortSignal.timeout(Math.max(0, left));
}

/**
 * Runs `fn` inside the budget of the Lambda invocation `context` belongs to, less the report reserve; outside Lambda
 * (no `getRemainingTimeInMillis`) without one. Every handler enters its budget this one way.
 */
export function withinInvocation<T>(context: { getRemainingTimeInMillis?: () => number } | undefined, fn: () => T): T {
  const remainingMs =
    typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  if (remainingMs === undefined) return fn();
  return withDeadline(Date.now() + remainingMs - reportReserveMs(remainingMs), fn);
}
