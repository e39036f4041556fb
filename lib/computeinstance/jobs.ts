import { isTerminalJobState, type JobType } from '../domain/job-state';
import type { ProvisioningJob } from './schema';
import { instantMs } from './time';

/**
 * `status.provisioningJobs`: one history for both job types, oldest first, newest last, bounded in length.
 * Every function here returns a new array and leaves its input alone.
 */

export const DEFAULT_MAX_JOB_HISTORY = 10;

/** The fields a poll or a launch may change; identity (jobID, type, timestamp) never changes through a patch. */
export type JobPatch = Partial<Pick<ProvisioningJob, 'state' | 'message' | 'blockDeletionOnFailure' | 'configVersion'>>;

export interface JobsChange {
  jobs: readonly ProvisioningJob[];
  /** false when the input already held these values; then `jobs` is the input array itself. */
  changed: boolean;
  /** The entry as it now stands in `jobs`. */
  job: ProvisioningJob;
}

/**
 * A launch intent is the entry written (with a resourceVersion precondition) BEFORE the AAP launch, so that a
 * concurrent deletion either makes the write fail and aborts the launch, or sees that a launch is in flight.
 * A launch that failed is kept as a terminal entry without an id, so backoff counts it; it is no intent anymore.
 */
export function isLaunchIntent(job: ProvisioningJob): boolean {
  return job.jobID === '' && !isTerminalJobState(job.state);
}

function latestIndex(jobs: readonly ProvisioningJob[], type: JobType): number {
  return jobs.findLastIndex((job) => job.type === type);
}

/**
 * The newest job of a type. Position decides, not the timestamp: entries are appended in order under optimistic
 * concurrency, while timestamps have one-second resolution (two jobs can tie) and come from different clocks.
 */
export function latestJob(jobs: readonly ProvisioningJob[] | undefined, type: JobType): ProvisioningJob | undefined {
  return jobs?.findLast((job) => job.type === type);
}

function assertMaxHistory(maxHistory: number): void {
  if (!Number.isInteger(maxHistory) || maxHistory < 1) {
    throw new Error(`maxHistory must be a positive integer, got ${maxHistory}`);
  }
}

/**
 * Keeps the newest `maxHistory` entries, except that the latest provision job, the latest deprovision job and
 * every unresolved launch intent always stay: the decisions read them, and dropping one would relaunch a job.
 */
export function trimJobs(
  jobs: readonly ProvisioningJob[],
  maxHistory: number = DEFAULT_MAX_JOB_HISTORY,
): readonly ProvisioningJob[] {
  assertMaxHistory(maxHistory);
  if (jobs.length <= maxHistory) return jobs;
  const kept = new Set<number>([latestIndex(jobs, 'provision'), latestIndex(jobs, 'deprovision')]);
  kept.delete(-1);
  jobs.forEach((job, index) => {
    if (isLaunchIntent(job)) kept.add(index);
  });
  let room = maxHistory - kept.size;
  for (let index = jobs.length - 1; index >= 0 && room > 0; index--) {
    if (!kept.has(index)) {
      kept.add(index);
      room--;
    }
  }
  return jobs.filter((_job, index) => kept.has(index));
}

export function appendJob(
  jobs: readonly ProvisioningJob[] | undefined,
  job: ProvisioningJob,
  maxHistory: number = DEFAULT_MAX_JOB_HISTORY,
): readonly ProvisioningJob[] {
  return trimJobs([...(jobs ?? []), job], maxHistory);
}

function patchAt(jobs: readonly ProvisioningJob[], index: number, patch: JobPatch): JobsChange {
  const current = jobs[index];
  if (current === undefined) throw new Error(`no job at index ${index}`);
  const changes = Object.entries(patch).filter(
    ([key, value]) => value !== undefined && current[key as keyof JobPatch] !== value,
  );
  if (changes.length === 0) return { jobs, changed: false, job: current };
  const job: ProvisioningJob = { ...current, ...Object.fromEntries(changes) };
  const next = [...jobs];
  next[index] = job;
  return { jobs: next, changed: true, job };
}

/** Applies a poll result to the job with that AAP id; `undefined` patch members leave the field as it is. */
export function updateJob(jobs: readonly ProvisioningJob[] | undefined, jobID: string, patch: JobPatch): JobsChange {
  if (jobID === '') {
    throw new Error('updateJob needs an AAP job id; a launch intent is updated through resolveIntent');
  }
  const list = jobs ?? [];
  const index = list.findLastIndex((job) => job.jobID === jobID);
  if (index < 0) throw new Error(`job ${jobID} is not in status.provisioningJobs`);
  return patchAt(list, index, patch);
}

function intentIndex(jobs: readonly ProvisioningJob[], intentTimestamp: string, type: JobType | undefined): number {
  const at = instantMs(intentTimestamp, 'intentTimestamp');
  const matches = jobs.flatMap((job, index) =>
    isLaunchIntent(job) && (type === undefined || job.type === type) && instantMs(job.timestamp, 'timestamp') === at
      ? [index]
      : [],
  );
  if (matches.length > 1) {
    throw new Error(`${matches.length} launch intents share timestamp ${intentTimestamp}; pass the job type`);
  }
  return matches[0] ?? -1;
}

function describeIntent(intentTimestamp: string, type: JobType | undefined): string {
  return `${type === undefined ? '' : `${type} `}launch intent of ${intentTimestamp}`;
}

/**
 * Gives the launch intent written at `intentTimestamp` the id AAP returned. Running it again after a lost write
 * is harmless: an entry with that id and timestamp already there means it was resolved.
 * An intent the stale-intent recovery abandoned meanwhile (it asked AAP before the launcher's POST landed) is
 * revived: AAP did create the job, so the entry gets its id and is followed; a Failed record would let the decision
 * relaunch it, or a deprovision run beside it.
 */
export function resolveIntent(
  jobs: readonly ProvisioningJob[] | undefined,
  intentTimestamp: string,
  jobID: string,
  type?: JobType,
): JobsChange {
  if (jobID === '') throw new Error('resolveIntent needs the AAP job id, got an empty string');
  const list = jobs ?? [];
  const at = instantMs(intentTimestamp, 'intentTimestamp');
  const resolved = list.find(
    (job) =>
      job.jobID === jobID && (type === undefined || job.type === type) && instantMs(job.timestamp, 'timestamp') === at,
  );
  if (resolved !== undefined) return { jobs: list, changed: false, job: resolved };
  let index = intentIndex(list, intentTimestamp, type);
  if (index < 0 && type !== undefined) index = abandonedIndex(list, at, type);
  if (index < 0) throw new Error(`no unresolved ${describeIntent(intentTimestamp, type)} in status.provisioningJobs`);
  const current = list[index] as ProvisioningJob;
  const job: ProvisioningJob = isLaunchIntent(current)
    ? { ...current, jobID }
    : { ...current, jobID, state: 'Pending' };
  const next = [...list];
  next[index] = job;
  return { jobs: next, changed: true, job };
}

/** The intent of that type and instant that was given up (a terminal entry without an id), or -1. */
function abandonedIndex(jobs: readonly ProvisioningJob[], at: number, type: JobType): number {
  return jobs.findLastIndex(
    (job) =>
      job.jobID === '' &&
      job.type === type &&
      isTerminalJobState(job.state) &&
      instantMs(job.timestamp, 'timestamp') === at,
  );
}

/** What abandonIntent did: `job` is the entry it turned into a Failed record, absent when there was none to turn. */
export interface IntentAbandonment {
  jobs: readonly ProvisioningJob[];
  changed: boolean;
  job?: ProvisioningJob;
}

/**
 * The launch behind an intent failed (AAP refused it or never answered): the entry becomes a terminal Failed
 * record without an id, so the decision backs off instead of waiting for a launch that will never come.
 * Only an unresolved intent is abandoned. One already settled by a concurrent writer (resolved with the job AAP
 * created, abandoned already, or trimmed after either: trimJobs keeps every unresolved intent) is left as it is and
 * nothing changes, so a second writer, or a retry after a lost write, never fails nor overwrites the first verdict.
 */
export function abandonIntent(
  jobs: readonly ProvisioningJob[] | undefined,
  intentTimestamp: string,
  type: JobType,
  message: string,
): IntentAbandonment {
  const list = jobs ?? [];
  const index = intentIndex(list, intentTimestamp, type);
  if (index < 0) return { jobs: list, changed: false };
  return patchAt(list, index, { state: 'Failed', message });
}
