/**
 * The one retry policy of the project: the AAP transport, the API-server writers and the forwarder all wait with
 * the same jitter and read `Retry-After` the same way.
 */

/** A capped exponential backoff: the window before retry n is min(maxDelayMs, baseDelayMs·2^(n-1)). */
export interface Backoff {
  readonly baseDelayMs: number;
  /** No single wait exceeds this, whether it comes from the backoff or from a server's Retry-After. */
  readonly maxDelayMs: number;
}

/** A backoff with a budget of tries. */
export interface RetryPolicy extends Backoff {
  /** Total tries, the first included. */
  readonly attempts: number;
}

/**
 * "Equal jitter": uniform in [window/2, window]. Retries spread out so callers that failed together stop colliding,
 * and never bunch at zero, which would hammer a server that just said it is struggling.
 */
export function jitter(window: number, random: () => number = Math.random): number {
  return window / 2 + random() * (window / 2);
}

/** The wait before retry `attempt` (1-based: after `attempt` failures), in whole milliseconds. */
export function backoffDelayMs(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const window = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(jitter(window, random));
}

/** A server's Retry-After wins (capped at maxDelayMs); without one, the jittered backoff applies. */
export function retryDelayMs(
  backoff: Backoff,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, backoff.maxDelayMs);
  return backoffDelayMs(backoff, attempt, random);
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delta-seconds (`"3"`, fractional `"1.5"` → 1,500) or an HTTP-date (a
 * date in the past means now, 0). Absent, empty, negative or unreadable values are ignored (undefined), so the
 * caller's own backoff applies: a server that sends nonsense gets no say in how soon it is asked again.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  const value = header?.trim() ?? '';
  if (value.length === 0) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP-date always names its month; V8's Date.parse would otherwise read "-5" or "1.5" as a date.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function checkRetryPolicy(policy: RetryPolicy, what: string): RetryPolicy {
  const { attempts, baseDelayMs, maxDelayMs } = policy;
  if (!Number.isInteger(attempts) || attempts < 1) throw new RangeError(`${what}.attempts must be a whole number >= 1`);
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= baseDelayMs)) {
    throw new RangeError(`${what} needs 0 <= baseDelayMs <= maxDelayMs`);
  }
  return policy;
}
