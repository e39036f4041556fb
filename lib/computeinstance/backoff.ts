import type { JobType } from '../domain/job-state';
import type { ProvisioningJob } from './schema';
import { instantMs } from './time';

/**
 * How long to wait before retrying a failed job: 2 min after one failure, then twice the gap between the two most
 * recent failures (so roughly 2, 4, 8, 16 min), never more than 30 min. Only Failed jobs measure the gap; a
 * Canceled one (someone stopped it) says nothing about how fast the job fails, yet it still waits the computed time.
 */

export const MIN_BACKOFF_MS = 2 * 60_000;
export const MAX_BACKOFF_MS = 30 * 60_000;

/**
 * The one backoff rule, for anything that fails repeatedly: 2 min after one failure, then twice the gap between
 * the two most recent failures, at most `maxMs`. Failed jobs use it with 30 min; the reconciler's retries of
 * failed executions with an hour. `failuresMs`: the failure instants, oldest first (only the last two count).
 */
export function backoffAfterFailures(failuresMs: readonly number[], maxMs: number = MAX_BACKOFF_MS): number {
  const newer = failuresMs.at(-1);
  const older = failuresMs.at(-2);
  if (newer === undefined || older === undefined) return Math.min(maxMs, MIN_BACKOFF_MS);
  // Clocks of different writers may disagree; the size of the gap is what measures the failure rate.
  const gapMs = Math.abs(newer - older);
  return Math.min(maxMs, Math.max(MIN_BACKOFF_MS, 2 * gapMs));
}

function backoffFromFailures(failed: readonly ProvisioningJob[]): number {
  return backoffAfterFailures(failed.slice(-2).map((job) => instantMs(job.timestamp, 'timestamp')));
}

function failedJobs(jobs: readonly ProvisioningJob[] | undefined, type: JobType): ProvisioningJob[] {
  return (jobs ?? []).filter((job) => job.type === type && job.state === 'Failed');
}

/** Backoff for re-provisioning `configVersion`: failures of an older spec say nothing about the current one. */
export function provisionBackoff(jobs: readonly ProvisioningJob[] | undefined, configVersion: string): number {
  return backoffFromFailures(failedJobs(jobs, 'provision').filter((job) => job.configVersion === configVersion));
}

export function deprovisionBackoff(jobs: readonly ProvisioningJob[] | undefined): number {
  return backoffFromFailures(failedJobs(jobs, 'deprovision'));
}

/** Milliseconds still to wait, counted from when the latest job was launched; 0 once the backoff has elapsed. */
export function remainingBackoffMs(latestJob: ProvisioningJob, backoffMs: number, now: Date): number {
  return Math.max(0, instantMs(latestJob.timestamp, 'timestamp') + backoffMs - now.getTime());
}
