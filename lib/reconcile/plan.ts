import * as z from 'zod';
import { backoffAfterFailures, type ComputeInstance, instantMs, needsOf, type Work } from '../computeinstance';
import type { JobState, JobType } from '../domain/job-state';
import { executionName, type InstanceRef, MAX_RETRY } from '../sfn';

/**
 * The reconciler's decisions, free of I/O: what an instance needs (from the object), what a job check changes
 * (from AAP's answer), and which execution to describe or start next (from what Step Functions said so far).
 * `run.ts` feeds them the answers; everything here is table-tested.
 */

export type { Work };

/** Whether two needs call for the same execution (the same spec generation, or the same deletion). */
export function sameWork(a: Work, b: Work): boolean {
  if (a.kind === 'provision') return b.kind === 'provision' && a.generation === b.generation;
  return b.kind === 'deprovision' && a.deletionTimestamp === b.deletionTimestamp;
}

export type InstanceNeed =
  /** An execution doing `work` must be running: describe the expected names, start one when none runs. */
  | { need: 'execution'; work: Work; reason: string }
  /** A job is running according to status: only AAP can say whether it ended unrecorded. */
  | { need: 'job-check'; work: Work; jobType: JobType; jobID: number; reason: string }
  | { need: 'nothing'; reason: string };

export interface PlanOptions {
  finalizer: string;
  /** A launch intent older than this lost its launcher; an execution must settle it (settings' intent TTL). */
  launchIntentTtlMs: number;
}

/** AAP job ids are positive integers; status holds them as decimal strings. */
function aapJobId(jobID: string): number | undefined {
  const id = Number(jobID);
  return Number.isSafeInteger(id) && id > 0 && String(id) === jobID ? id : undefined;
}

/**
 * What one instance needs, from the object alone: the shared decision (`needsOf`) says what must be started; for
 * work already under way the reconciler also looks at what a dead execution would leave behind: a running job
 * nobody follows, or a launch intent nobody resolves.
 */
export function planInstance(instance: ComputeInstance, now: Date, options: PlanOptions): InstanceNeed {
  const { start, underway } = needsOf(instance, now, options.finalizer);
  if (start.kind === 'provision') {
    return { need: 'execution', work: { kind: 'provision', generation: start.generation }, reason: start.reason };
  }
  if (start.kind === 'deprovision') {
    const work: Work = { kind: 'deprovision', deletionTimestamp: start.deletionTimestamp };
    return { need: 'execution', work, reason: start.reason };
  }

  if (underway?.kind === 'job') {
    const jobID = aapJobId(underway.jobID);
    if (jobID === undefined) {
      return {
        need: 'execution',
        work: underway.work,
        reason: `${underway.jobType} job id ${JSON.stringify(underway.jobID)} cannot be looked up in AAP; an execution must follow it`,
      };
    }
    return { need: 'job-check', work: underway.work, jobType: underway.jobType, jobID, reason: start.reason };
  }
  if (underway?.kind === 'launch') {
    const ageMs = now.getTime() - instantMs(underway.intentTimestamp, 'launch intent timestamp');
    if (ageMs >= options.launchIntentTtlMs) {
      return {
        need: 'execution',
        work: underway.work,
        reason: `the ${underway.jobType} launch of ${underway.intentTimestamp} never recorded its job id; an execution must settle it`,
      };
    }
  }
  return { need: 'nothing', reason: start.reason };
}

/** What AAP says about a job a status entry still calls running; `purged`: AAP no longer returns it. */
export type JobObservation = { state: JobState; terminal: boolean } | 'purged';

/**
 * A job still active in AAP is followed by its execution, or will be picked up once it ends (a dead follower is
 * only found then, which costs nothing meanwhile). A job that ended, or vanished, while status says running means
 * nobody recorded it: an execution must, unless one is about to.
 */
export function afterJobCheck(need: Extract<InstanceNeed, { need: 'job-check' }>, job: JobObservation): InstanceNeed {
  const what = `${need.jobType} job ${need.jobID}`;
  if (job === 'purged') {
    return {
      need: 'execution',
      work: need.work,
      reason: `${what} is gone from AAP (purged) while status says running`,
    };
  }
  if (job.terminal) {
    return {
      need: 'execution',
      work: need.work,
      reason: `${what} ended ${job.state} in AAP; status still says running`,
    };
  }
  return { need: 'nothing', reason: `${what} is ${job.state} in AAP; its execution records the outcome` };
}

// ---------------------------------------------------------------------------------------------------------------
// Which execution to describe or start next

/** DescribeExecution's status, with ABSENT for ExecutionDoesNotExist. */
export const ExecutionStatus = z.enum([
  'RUNNING',
  'PENDING_REDRIVE',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'ABSENT',
]);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** A redrive is about to resume the execution: it is as alive as a running one. */
const ALIVE: ReadonlySet<ExecutionStatus> = new Set<ExecutionStatus>(['RUNNING', 'PENDING_REDRIVE']);

/** What DescribeExecution said about one name: its status and, once it ended, when. */
export interface ExecutionSeen {
  status: ExecutionStatus;
  stoppedAt?: Date;
}

/** Statuses alone (tests, callers that do not know the stop time) or what was seen. */
export type Observed = ReadonlyMap<string, ExecutionStatus | ExecutionSeen>;

function seenOf(value: ExecutionStatus | ExecutionSeen): ExecutionSeen {
  return typeof value === 'string' ? { status: value } : value;
}

export interface ProbeLimits {
  /**
   * Retries (`-r<n>`) started back to back; from this many on, the work is stalled: it is reported (metric and a
   * condition on the instance) and each further retry waits out the backoff, growing up to `maxBackoffMs`. It is
   * never given up: once the cause clears, the next retry completes the work.
   */
  stalledAfterRetries: number;
  /** The longest wait between two retries of stalled work. */
  maxBackoffMs: number;
  /** How many continue-as-new hand-overs (`-c<n>`) one execution chain is followed through. */
  maxContinuations: number;
}

/** Ended executions of the same work, for the start that follows them. */
export interface PreviousAttempt {
  name: string;
  status: ExecutionStatus;
}

export type ProbeStep =
  | { step: 'describe'; name: string }
  | { step: 'running'; name: string }
  /** `previous`: the execution of the same work that ended, when this is a retry. `stalled`: see ProbeLimits. */
  | { step: 'start'; retry: number; name: string; previous?: PreviousAttempt; stalled: boolean }
  /** Stalled work between two retries: the next one (`retry`) is due at `dueAt`. */
  | { step: 'backoff'; retry: number; previous: PreviousAttempt; dueAt: Date; stalled: true };

type ChainState =
  | { state: 'unknown'; name: string }
  | { state: 'absent' }
  | { state: 'running'; name: string }
  | { state: 'ended'; name: string; status: ExecutionStatus; stoppedAt?: Date };

/**
 * One attempt (`retry`) is a chain: the execution, then the continuations it handed over to. A continuation only
 * follows a SUCCEEDED link (the hand-over ends in Succeed), so the chain's state is that of its last link.
 */
function chainState(
  work: Work,
  ref: InstanceRef,
  retry: number,
  observed: Observed,
  maxContinuations: number,
): ChainState {
  let last: { name: string; status: ExecutionStatus; stoppedAt?: Date } | undefined;
  for (let continuation = 0; continuation <= maxContinuations; continuation++) {
    const name = executionName({ ...work, ref, retry, continuation });
    const value = observed.get(name);
    if (value === undefined) return { state: 'unknown', name };
    const seen = seenOf(value);
    if (seen.status === 'ABSENT') return last === undefined ? { state: 'absent' } : { state: 'ended', ...last };
    if (ALIVE.has(seen.status)) return { state: 'running', name };
    last = { name, status: seen.status, ...(seen.stoppedAt === undefined ? {} : { stoppedAt: seen.stoppedAt }) };
    if (seen.status !== 'SUCCEEDED') break;
  }
  return { state: 'ended', ...(last as { name: string; status: ExecutionStatus }) };
}

/**
 * The next step of finding out whether `work` has a live execution, given what was described so far. Names are
 * deterministic and retries are only ever started one after the other (each once the previous chain ended), so the
 * attempts that exist are retries 0…k: this finds k by doubling (1, 2, 4, …) then halving, a few describes however
 * many retries a long outage took, then follows chain k's continuations. A live one means nothing to do; an ended
 * one means retry k + 1 is next (now, or after the backoff once the work is stalled). The webhook and the
 * reconciler both walk this.
 */
export function nextProbe(work: Work, ref: InstanceRef, observed: Observed, limits: ProbeLimits, now: Date): ProbeStep {
  const firstLink = (retry: number) => executionName({ ...work, ref, retry });
  const chain = (retry: number) => chainState(work, ref, retry, observed, limits.maxContinuations);

  const first = chain(0);
  if (first.state === 'unknown') return { step: 'describe', name: first.name };
  if (first.state === 'running') return { step: 'running', name: first.name };
  if (first.state === 'absent') return { step: 'start', retry: 0, name: firstLink(0), stalled: false };

  // Retry 0 exists: find the highest retry that does. `lo` exists, `hi` (once known) does not.
  let lo = 0;
  let hi: number | undefined;
  for (let probe = 1; hi === undefined; probe *= 2) {
    if (probe > MAX_RETRY) {
      hi = MAX_RETRY + 1;
      break;
    }
    const value = observed.get(firstLink(probe));
    if (value === undefined) return { step: 'describe', name: firstLink(probe) };
    if (seenOf(value).status === 'ABSENT') hi = probe;
    else lo = probe;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const value = observed.get(firstLink(mid));
    if (value === undefined) return { step: 'describe', name: firstLink(mid) };
    if (seenOf(value).status === 'ABSENT') hi = mid;
    else lo = mid;
  }
  if (lo >= MAX_RETRY) {
    // A century of hourly retries: the name has no room for more.
    throw new RangeError(`${firstLink(0)}: every retry up to -r${MAX_RETRY} has ended`);
  }

  const latest = chain(lo);
  if (latest.state === 'unknown') return { step: 'describe', name: latest.name };
  if (latest.state === 'running') return { step: 'running', name: latest.name };
  if (latest.state === 'absent') throw new Error(`${firstLink(lo)} was seen and then not`);
  const ended = [latest];
  const stalled = lo + 1 >= limits.stalledAfterRetries;
  if (stalled && lo >= 1) {
    // The backoff measures the gap between the last two failures.
    const before = chain(lo - 1);
    if (before.state === 'unknown') return { step: 'describe', name: before.name };
    if (before.state === 'ended') ended.unshift(before);
  }
  return startOrWait(firstLink(lo + 1), lo + 1, ended, limits, now);
}

function startOrWait(
  name: string,
  retry: number,
  ended: ReadonlyArray<{ name: string; status: ExecutionStatus; stoppedAt?: Date }>,
  limits: ProbeLimits,
  now: Date,
): ProbeStep {
  const last = ended.at(-1);
  if (last === undefined) return { step: 'start', retry, name, stalled: false };
  const previous = { name: last.name, status: last.status };
  const stalled = retry >= limits.stalledAfterRetries;
  if (!stalled) return { step: 'start', retry, name, previous, stalled };
  // The same backoff rule as failed jobs, over the instants the last attempts ended (unknown: counts as now).
  const stops = ended.slice(-2).map((attempt) => (attempt.stoppedAt ?? now).getTime());
  const dueAt = new Date((last.stoppedAt ?? now).getTime() + backoffAfterFailures(stops, limits.maxBackoffMs));
  if (dueAt.getTime() > now.getTime()) return { step: 'backoff', retry, previous, dueAt, stalled };
  return { step: 'start', retry, name, previous, stalled };
}
