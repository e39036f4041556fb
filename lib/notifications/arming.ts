import type { AapJob } from '../aap/job';

/**
 * How long a waiter outlives the wait it serves. Step Functions times the task out after `waitSeconds` (counted
 * from before the arming function even runs), so a token is useless past that; the margin only absorbs clock skew
 * between Lambda and Step Functions, and lets a notification racing the timeout still find the waiter (it then
 * gets `gone` from SendTaskSuccess, which is harmless). TTL deletion is lazy anyway: expiry is also checked on read.
 */
export const WAITER_EXPIRY_MARGIN_SECONDS = 60;

/** The waiter's `expiresAt` (s since the epoch, the table's TTL attribute) for a wait of `waitSeconds` from `nowMs`. */
export function waiterExpiresAt(nowMs: number, waitSeconds: number): number {
  return Math.ceil(nowMs / 1000) + waitSeconds + WAITER_EXPIRY_MARGIN_SECONDS;
}

/**
 * After arming, one read of the job: one that already ended (or that AAP no longer knows) sent its notification
 * before the token was stored, or never will (a job canceled before it ran sends none), so the wait ends now rather
 * than at the fallback timeout. The poll that follows reads the job again and records what happened.
 */
export function endedBeforeArming(seen: Pick<AapJob, 'terminal'> | 'purged'): boolean {
  return seen === 'purged' || seen.terminal;
}
