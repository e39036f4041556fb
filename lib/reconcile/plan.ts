import * as z from 'zod';
import { type ComputeInstance, isBeingDeleted, nextAction } from '../computeinstance';
import type { JobState, JobType } from '../domain/job-state';
import { executionName, type InstanceRef } from '../sfn';
import { workflowToStart } from '../workflow/start';

/**
 * The reconciler's decisions, free of I/O: what an instance needs (from the object), what a job check changes
 * (from AAP's answer), and which execution to describe or start next (from what Step Functions said so far).
 * `run.ts` feeds them the answers; everything here is table-tested.
 */

/** The work an execution does for one instance; with the instance's ref it fixes the execution names. */
export type Work = { kind: 'provision'; generation: number } | { kind: 'deprovision'; deletionTimestamp: string };

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

/** The work whose execution carries on from where the instance stands: deprovision once deletion started. */
function currentWork(instance: ComputeInstance): Work {
  const deletionTimestamp = instance.metadata.deletionTimestamp;
  return deletionTimestamp !== undefined
    ? { kind: 'deprovision', deletionTimestamp }
    : { kind: 'provision', generation: instance.metadata.generation ?? 1 };
}

/** AAP job ids are positive integers; status holds them as decimal strings. */
function aapJobId(jobID: string): number | undefined {
  const id = Number(jobID);
  return Number.isSafeInteger(id) && id > 0 && String(id) === jobID ? id : undefined;
}

/**
 * What one instance needs, from the object alone: the shared decision (`workflowToStart`) says what must be
 * started; for work already under way (`none`) the reconciler also looks at what a dead execution would leave
 * behind: a running job nobody follows, or a launch intent nobody resolves.
 */
export function planInstance(instance: ComputeInstance, now: Date, options: PlanOptions): InstanceNeed {
  const start = workflowToStart(instance, now, options.finalizer);
  if (start.kind === 'provision') {
    return { need: 'execution', work: { kind: 'provision', generation: start.generation }, reason: start.reason };
  }
  if (start.kind === 'deprovision') {
    const work: Work = { kind: 'deprovision', deletionTimestamp: start.deletionTimestamp };
    return { need: 'execution', work, reason: start.reason };
  }

  const next = nextAction({ instance, now, finalizer: options.finalizer });
  if (next.action === 'Poll') {
    const jobID = aapJobId(next.jobID);
    if (jobID === undefined) {
      return {
        need: 'execution',
        work: currentWork(instance),
        reason: `${next.jobType} job id ${JSON.stringify(next.jobID)} cannot be looked up in AAP; an execution must follow it`,
      };
    }
    return { need: 'job-check', work: currentWork(instance), jobType: next.jobType, jobID, reason: start.reason };
  }
  if (next.action === 'WaitForLaunch') {
    const ageMs = now.getTime() - Date.parse(next.intentTimestamp);
    if (ageMs >= options.launchIntentTtlMs) {
      return {
        need: 'execution',
        work: currentWork(instance),
        reason: `the ${next.jobType} launch of ${next.intentTimestamp} never recorded its job id; an execution must settle it`,
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

export interface ProbeLimits {
  /** The highest retry number the reconciler starts (`-r<n>`); beyond it the work needs a person. */
  maxRetries: number;
  /** How many continue-as-new hand-overs (`-c<n>`) one execution chain is followed through. */
  maxContinuations: number;
}

export type ProbeStep =
  | { step: 'describe'; name: string }
  | { step: 'running'; name: string }
  /** `previous`: the execution of the same work that ended, when this is a retry. */
  | { step: 'start'; retry: number; name: string; previous?: { name: string; status: ExecutionStatus } }
  | { step: 'exhausted'; name: string; status: ExecutionStatus };

type ChainState =
  | { state: 'unknown'; name: string }
  | { state: 'absent' }
  | { state: 'running'; name: string }
  | { state: 'ended'; name: string; status: ExecutionStatus };

/**
 * One attempt (`retry`) is a chain: the execution, then the continuations it handed over to. A continuation only
 * follows a SUCCEEDED link (the hand-over ends in Succeed), so the chain's state is that of its last link.
 */
function chainState(
  work: Work,
  ref: InstanceRef,
  retry: number,
  observed: ReadonlyMap<string, ExecutionStatus>,
  maxContinuations: number,
): ChainState {
  let last: { name: string; status: ExecutionStatus } | undefined;
  for (let continuation = 0; continuation <= maxContinuations; continuation++) {
    const name = executionName({ ...work, ref, retry, continuation });
    const status = observed.get(name);
    if (status === undefined) return { state: 'unknown', name };
    if (status === 'ABSENT') return last === undefined ? { state: 'absent' } : { state: 'ended', ...last };
    if (ALIVE.has(status)) return { state: 'running', name };
    last = { name, status };
    if (status !== 'SUCCEEDED') break;
  }
  return { state: 'ended', ...(last as { name: string; status: ExecutionStatus }) };
}

/**
 * The next step of finding out whether `work` has a live execution, given the statuses described so far. Names
 * are deterministic, so this walks them in order: retry 0, 1, … (each with its continuations). The first attempt
 * never started is the one to start; a live one means nothing to do. Retries are only ever started one after the
 * other, so the first absent one is also the highest number plus one.
 */
export function nextProbe(
  work: Work,
  ref: InstanceRef,
  observed: ReadonlyMap<string, ExecutionStatus>,
  limits: ProbeLimits,
): ProbeStep {
  let previous: { name: string; status: ExecutionStatus } | undefined;
  for (let retry = 0; retry <= limits.maxRetries; retry++) {
    const chain = chainState(work, ref, retry, observed, limits.maxContinuations);
    switch (chain.state) {
      case 'unknown':
        return { step: 'describe', name: chain.name };
      case 'running':
        return { step: 'running', name: chain.name };
      case 'absent': {
        const name = executionName({ ...work, ref, retry });
        return previous === undefined ? { step: 'start', retry, name } : { step: 'start', retry, name, previous };
      }
      case 'ended':
        previous = { name: chain.name, status: chain.status };
    }
  }
  const last = previous as { name: string; status: ExecutionStatus };
  return { step: 'exhausted', name: last.name, status: last.status };
}
