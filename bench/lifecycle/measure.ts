import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { JobView, RequestLogEntry } from '../../local/aap-simulator';

/**
 * Per-job figures read from what the simulators recorded (pure: the records go in, numbers come out). The AAP
 * simulator's job record says when the job really ended and its request log when each poll arrived, both on the
 * stack's clock; the Step Functions history says which wait each poll round scheduled.
 */

/** One provision execution of the job's instance (a long job hands over to continuations). */
export interface ExecutionTrace {
  stateTransitions: number;
  history: readonly HistoryEvent[];
}

export interface JobMeasurement {
  jobId: number;
  /** What the instance's annotation asked for and how long the job then really ran (stack-clock seconds). */
  requestedSeconds: number;
  ranSeconds: number;
  /**
   * When the job ended, counted from the launch intent the poll schedule counts from (`poll.launchedAt`): where
   * the schedule alone would have seen it end.
   */
  endAfterLaunchSeconds: number;
  /** From the job's end to the first poll that arrived after it; NaN if no poll did. */
  lagSeconds: number;
  polls: number;
  /** Notification waits that ended by their timeout: fallback polls. */
  fallbackTimeouts: number;
  /** A notification resumed one of its waits. */
  notified: boolean;
  /** Summed over the execution and its continuations. */
  transitions: number;
  executions: number;
  /**
   * Per poll round after the first: the gap between two polls minus the wait the state machine scheduled between
   * them. That is the pipeline's own latency (task, state transitions, HTTP, on a scaled clock every real
   * millisecond is 1/timeScale ms); empty when polls and scheduled waits cannot be paired.
   */
  overheadSeconds: number[];
}

/** The plain Wait of polling alone (or of a notification wait that could not be armed). */
const POLL_WAIT_STATE = 'WaitBeforeNextPoll';
/** The `.waitForTaskToken` task a notification ends early; its timeout is the fallback poll. */
const CALLBACK_WAIT_STATE = 'WaitForProvisionJobToEnd';

function jobPollPattern(jobId: number): RegExp {
  return new RegExp(`/v2/jobs/${jobId}/$`);
}

export interface ScheduledWait {
  waitSeconds: number;
  /** The launch intent's timestamp the schedule counts from. */
  launchedAt: string;
  /**
   * How the wait ended: `timer` (a Wait state), `timeout` (the fallback poll of a notification wait), `notified` (a
   * notification resumed it before its timeout). Only timed ends say anything about the pipeline's latency.
   */
  ended: 'timer' | 'timeout' | 'notified';
}

function waitInput(name: string, input: string | undefined): Omit<ScheduledWait, 'ended'> {
  const parsed = JSON.parse(input ?? '{}') as { poll?: { waitSeconds?: unknown; launchedAt?: unknown } };
  const { waitSeconds, launchedAt } = parsed.poll ?? {};
  if (typeof waitSeconds !== 'number' || typeof launchedAt !== 'string') {
    throw new Error(`${name} was entered without $.poll.waitSeconds and $.poll.launchedAt`);
  }
  return { waitSeconds, launchedAt };
}

/**
 * The waits scheduled before each poll, in order: the inputs of the poll Wait state and of the notification wait
 * task, with how each ended. A notification wait that could not be armed (TaskFailed) is followed by the plain
 * Wait, which is then that round's wait.
 */
export function scheduledWaits(traces: readonly ExecutionTrace[]): ScheduledWait[] {
  const waits: ScheduledWait[] = [];
  for (const trace of traces) {
    let callback: Omit<ScheduledWait, 'ended'> | undefined;
    for (const event of trace.history) {
      const entered = event.stateEnteredEventDetails;
      if (event.type === 'WaitStateEntered' && entered?.name === POLL_WAIT_STATE) {
        waits.push({ ...waitInput(POLL_WAIT_STATE, entered.input), ended: 'timer' });
      } else if (event.type === 'TaskStateEntered' && entered?.name === CALLBACK_WAIT_STATE) {
        callback = waitInput(CALLBACK_WAIT_STATE, entered.input);
      } else if (callback !== undefined && event.type === 'TaskTimedOut') {
        waits.push({ ...callback, ended: 'timeout' });
        callback = undefined;
      } else if (callback !== undefined && event.type === 'TaskSucceeded') {
        waits.push({ ...callback, ended: 'notified' });
        callback = undefined;
      } else if (callback !== undefined && event.type === 'TaskFailed') {
        callback = undefined;
      }
    }
  }
  return waits;
}

export function measureJob(
  job: JobView,
  requestedSeconds: number,
  requestLog: readonly RequestLogEntry[],
  traces: readonly ExecutionTrace[],
): JobMeasurement {
  if (job.finishedAt === null || job.startedAt === null) {
    throw new Error(`AAP job ${job.id} has not finished: nothing to measure`);
  }
  const pattern = jobPollPattern(job.id);
  const pollTimes = requestLog
    .filter((entry) => entry.method === 'GET' && pattern.test(entry.path))
    .map((entry) => entry.time);
  const finishedAt = job.finishedAt;
  const seen = pollTimes.find((time) => time >= finishedAt);
  const waits = scheduledWaits(traces);
  const launchedAt = waits[0]?.launchedAt;
  if (launchedAt === undefined) throw new Error(`AAP job ${job.id}: its executions never waited to poll it`);
  // Poll i follows wait i; with as many waits as polls the rounds pair up one to one. A round a notification cut
  // short has no scheduled length to subtract.
  const overheadSeconds =
    waits.length === pollTimes.length
      ? pollTimes.slice(1).flatMap((time, i) => {
          const wait = waits[i + 1] as ScheduledWait;
          return wait.ended === 'notified' ? [] : [(time - (pollTimes[i] as number)) / 1000 - wait.waitSeconds];
        })
      : [];
  return {
    jobId: job.id,
    requestedSeconds,
    ranSeconds: (finishedAt - job.startedAt) / 1000,
    endAfterLaunchSeconds: (finishedAt - Date.parse(launchedAt)) / 1000,
    lagSeconds: seen === undefined ? Number.NaN : (seen - finishedAt) / 1000,
    polls: pollTimes.length,
    fallbackTimeouts: waits.filter((wait) => wait.ended === 'timeout').length,
    notified: waits.some((wait) => wait.ended === 'notified'),
    transitions: traces.reduce((sum, trace) => sum + trace.stateTransitions, 0),
    executions: traces.length,
    overheadSeconds,
  };
}

/** What the AAP request log holds besides polls: whom each call served. */
export interface AapCallBreakdown {
  polls: number;
  launches: number;
  templateLookups: number;
  other: number;
  total: number;
}

export function breakDownAapCalls(requestLog: readonly RequestLogEntry[]): AapCallBreakdown {
  const breakdown = { polls: 0, launches: 0, templateLookups: 0, other: 0, total: 0 };
  for (const entry of requestLog) {
    if (!entry.path.startsWith('/api/')) continue;
    breakdown.total += 1;
    if (entry.method === 'GET' && /\/v2\/(workflow_)?jobs\/\d+\/$/.test(entry.path)) breakdown.polls += 1;
    else if (entry.method === 'POST' && /\/v2\/(workflow_)?job_templates\/\d+\/launch\/$/.test(entry.path))
      breakdown.launches += 1;
    else if (entry.method === 'GET' && /\/v2\/(workflow_)?job_templates\/$/.test(entry.path))
      breakdown.templateLookups += 1;
    else breakdown.other += 1;
  }
  return breakdown;
}
