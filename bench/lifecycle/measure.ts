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

const POLL_WAIT_STATE = 'WaitBeforeNextPoll';

function jobPollPattern(jobId: number): RegExp {
  return new RegExp(`/v2/jobs/${jobId}/$`);
}

export interface ScheduledWait {
  waitSeconds: number;
  /** The launch intent's timestamp the schedule counts from. */
  launchedAt: string;
}

/** The waits scheduled before each poll, in order, read from the inputs of the poll Wait state. */
export function scheduledWaits(traces: readonly ExecutionTrace[]): ScheduledWait[] {
  const waits: ScheduledWait[] = [];
  for (const trace of traces) {
    for (const event of trace.history) {
      const entered = event.stateEnteredEventDetails;
      if (event.type !== 'WaitStateEntered' || entered?.name !== POLL_WAIT_STATE) continue;
      const input = JSON.parse(entered.input ?? '{}') as { poll?: { waitSeconds?: unknown; launchedAt?: unknown } };
      const { waitSeconds, launchedAt } = input.poll ?? {};
      if (typeof waitSeconds !== 'number' || typeof launchedAt !== 'string') {
        throw new Error(`${POLL_WAIT_STATE} was entered without $.poll.waitSeconds and $.poll.launchedAt`);
      }
      waits.push({ waitSeconds, launchedAt });
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
  // Poll i follows wait i; with as many waits as polls the rounds pair up one to one.
  const overheadSeconds =
    waits.length === pollTimes.length
      ? pollTimes
          .slice(1)
          .map((time, i) => (time - (pollTimes[i] as number)) / 1000 - (waits[i + 1] as ScheduledWait).waitSeconds)
      : [];
  return {
    jobId: job.id,
    requestedSeconds,
    ranSeconds: (finishedAt - job.startedAt) / 1000,
    endAfterLaunchSeconds: (finishedAt - Date.parse(launchedAt)) / 1000,
    lagSeconds: seen === undefined ? Number.NaN : (seen - finishedAt) / 1000,
    polls: pollTimes.length,
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
