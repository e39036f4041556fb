/**
 * Bounded retries with full-jitter exponential backoff: writers that collided wait a random share of a growing
 * window, so they stop colliding instead of retrying in lockstep.
 */

export interface RetryPolicy {
  /** Total tries, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** Optimistic-concurrency retries (409, failed `test`): re-reading is cheap, so retry soon and often. */
export const CONFLICT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 10, maxDelayMs: 250 };

/** 5xx, 429 and network failures: the server or the path to it needs a moment. */
export const TRANSIENT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

/** The wait before try `attempt + 1`, after `attempt` (1-based) failed: uniform in [0, min(max, base·2^(n-1))]. */
export function backoffDelayMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const window = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * window);
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
