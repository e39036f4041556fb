import { setTimeout as delay } from 'node:timers/promises';
import { backoffDelayMs } from '../../lib/k8s/retry';

/** A capped exponential backoff with full jitter: the wait before try n+1 is uniform in [0, min(max, base·2^(n-1))]. */
export interface Backoff {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** The wait after `failures` (>= 1) failures in a row. */
export function backoffDelay(backoff: Backoff, failures: number, random: () => number = Math.random): number {
  // The forwarder never runs out of tries, so the policy's attempt budget plays no part here.
  return backoffDelayMs({ attempts: Number.POSITIVE_INFINITY, ...backoff }, failures, random);
}

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
