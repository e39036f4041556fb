import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { type ComputeInstance, Phase } from '../../lib/computeinstance';
import { JobState, JobType } from '../../lib/domain/job-state';
import type { JobView, VmRecord } from '../aap-simulator';
import type { ExecutionRecord } from '../sfn-engine';
// The token shape only: the console never needs the engine itself loaded.
import { TASK_TOKEN_SOURCE } from '../sfn-engine/task-tokens';
import { ExecutionPath, enteredStateName, exitedStateName } from './execution-path';
import { GraphLayout } from './state-graph';

/**
 * What the console's JSON endpoints answer. Each view is built field by field from its source, so nothing the page
 * does not show (execution input and output, AAP extra vars, state payloads) can leak into a response.
 */

const IsoTime = z.string();
const MAX_TEXT = 400;

export const InstanceView = z.object({
  namespace: z.string(),
  name: z.string(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  phase: Phase.optional(),
  deleting: z.boolean(),
  conditions: z.array(
    z.object({
      type: z.string(),
      status: z.string(),
      reason: z.string(),
      message: z.string(),
      lastTransitionTime: IsoTime,
    }),
  ),
  /** `status.provisioningJobs`, oldest first; `id: ''` is a launch whose job ID is not known yet. */
  jobs: z.array(
    z.object({ id: z.string(), type: JobType, state: JobState, message: z.string().optional(), timestamp: IsoTime }),
  ),
});
export type InstanceView = z.infer<typeof InstanceView>;

export const ExecutionSummary = z.object({
  name: z.string(),
  arn: z.string(),
  stateMachine: z.string(),
  status: z.string(),
  startDate: IsoTime,
  stopDate: IsoTime.optional(),
  historyEventCount: z.int().min(0),
  stateTransitions: z.int().min(0),
  error: z.string().optional(),
  cause: z.string().optional(),
});
export type ExecutionSummary = z.infer<typeof ExecutionSummary>;

export const AapJobRow = z.object({
  id: z.int(),
  template: z.string(),
  type: z.enum(['job', 'workflow_job']),
  status: z.string(),
  effect: z.string(),
  vm: z.string().nullable(),
  launchedAt: IsoTime,
  startedAt: IsoTime.nullable(),
  finishedAt: IsoTime.nullable(),
  cancelRequested: z.boolean(),
});
export type AapJobRow = z.infer<typeof AapJobRow>;

export const VmRow = z.object({
  key: z.string(),
  namespace: z.string(),
  name: z.string(),
  uid: z.string(),
  createdByJob: z.int(),
  createdAt: IsoTime,
});
export type VmRow = z.infer<typeof VmRow>;

export const ConsoleSnapshot = z.object({
  instances: z.array(InstanceView),
  /** Newest first. */
  executions: z.array(ExecutionSummary),
  /** Newest first. */
  aapJobs: z.array(AapJobRow),
  vms: z.array(VmRow),
  /** A part of the stack that could not be read, with why; the other parts are still shown. */
  problems: z.array(z.string()),
});
export type ConsoleSnapshot = z.infer<typeof ConsoleSnapshot>;

export const EventView = z.object({
  id: z.int(),
  timestamp: IsoTime.optional(),
  type: z.string(),
  /** The state the event belongs to. */
  state: z.string().optional(),
  /** The error and its cause, or the function a task called; never a payload. */
  detail: z.string().optional(),
});
export type EventView = z.infer<typeof EventView>;

export const ExecutionDetail = z.object({
  execution: ExecutionSummary,
  graph: GraphLayout.nullable(),
  /** Why there is no graph. */
  graphProblem: z.string().optional(),
  path: ExecutionPath,
  /** The latest events, oldest first. */
  events: z.array(EventView),
  /** Older events left out of `events`. */
  eventsOmitted: z.int().min(0),
});
export type ExecutionDetail = z.infer<typeof ExecutionDetail>;

/** What a task token is shown as: a token is a credential that resumes its task. */
export const TASK_TOKEN_LABEL = '(task token)';
const TASK_TOKEN = new RegExp(`(?<![A-Za-z0-9_-])${TASK_TOKEN_SOURCE}(?![A-Za-z0-9_-])`, 'g');

/** Replaces every task token of the local engine (in error causes, event details, anything) by `(task token)`. */
export function redactTaskTokens(text: string): string {
  return text.replace(TASK_TOKEN, TASK_TOKEN_LABEL);
}

/** Shortens a text for display; task tokens are hidden first, so a cut can never leave part of one. */
export function clip(text: string, max = MAX_TEXT): string {
  const shown = redactTaskTokens(text);
  return shown.length <= max ? shown : `${shown.slice(0, max - 1)}…`;
}

const isoOf = (epochMs: number) => new Date(epochMs).toISOString();

export function instanceView(instance: ComputeInstance): InstanceView {
  const { metadata, status } = instance;
  const view: InstanceView = {
    namespace: metadata.namespace,
    name: metadata.name,
    deleting: metadata.deletionTimestamp !== undefined,
    conditions: (status?.conditions ?? []).map(({ type, status, reason, message, lastTransitionTime }) => ({
      type,
      status,
      reason,
      message: clip(message),
      lastTransitionTime,
    })),
    jobs: (status?.provisioningJobs ?? []).map((job) => {
      const row: InstanceView['jobs'][number] = {
        id: job.jobID,
        type: job.type,
        state: job.state,
        timestamp: job.timestamp,
      };
      if (job.message !== undefined) row.message = clip(job.message);
      return row;
    }),
  };
  if (metadata.uid !== undefined) view.uid = metadata.uid;
  if (metadata.generation !== undefined) view.generation = metadata.generation;
  if (status?.phase !== undefined) view.phase = status.phase;
  return view;
}

export function executionSummary(record: ExecutionRecord): ExecutionSummary {
  const summary: ExecutionSummary = {
    name: record.name,
    arn: record.executionArn,
    stateMachine: record.stateMachineName,
    status: record.status,
    startDate: record.startDate.toISOString(),
    historyEventCount: record.historyEventCount,
    stateTransitions: record.stateTransitions,
  };
  if (record.stopDate !== undefined) summary.stopDate = record.stopDate.toISOString();
  if (record.error !== undefined) summary.error = clip(record.error);
  if (record.cause !== undefined) summary.cause = clip(readableCause(record.cause));
  return summary;
}

export function aapJobRow(job: JobView): AapJobRow {
  return {
    id: job.id,
    template: job.templateName,
    type: job.type,
    status: job.status,
    effect: job.effect,
    vm: job.vmKey,
    launchedAt: isoOf(job.launchedAt),
    startedAt: job.startedAt === null ? null : isoOf(job.startedAt),
    finishedAt: job.finishedAt === null ? null : isoOf(job.finishedAt),
    cancelRequested: job.cancelRequested,
  };
}

export function vmRow(vm: VmRecord): VmRow {
  const { key, namespace, name, uid, createdByJob, createdAt } = vm;
  return { key, namespace, name, uid, createdByJob, createdAt: isoOf(createdAt) };
}

/** The history as a readable list: each event tied to its state, with an error or the called function. */
export function eventViews(history: readonly HistoryEvent[]): EventView[] {
  let inState: string | undefined;
  return history.map((event, index) => {
    const entered = enteredStateName(event);
    if (entered !== undefined) inState = entered;
    const view: EventView = { id: event.id ?? index + 1, type: event.type ?? 'Unknown' };
    if (event.timestamp !== undefined) view.timestamp = new Date(event.timestamp).toISOString();
    const state = entered ?? exitedStateName(event) ?? (event.type?.startsWith('Execution') ? undefined : inState);
    if (state !== undefined) view.state = state;
    const detail = eventDetail(event);
    if (detail !== undefined) view.detail = detail;
    return view;
  });
}

function eventDetail(event: HistoryEvent): string | undefined {
  const details = Object.entries(event).find(([key]) => key.endsWith('EventDetails'))?.[1] as
    | Record<string, unknown>
    | undefined;
  if (details === undefined) return undefined;
  const error = typeof details.error === 'string' ? details.error : undefined;
  const cause = typeof details.cause === 'string' ? readableCause(details.cause) : undefined;
  if (error !== undefined || cause !== undefined) return clip([error, cause].filter(Boolean).join(': '));
  if (event.type === 'LambdaFunctionScheduled' && typeof details.resource === 'string') {
    // arn:aws:lambda:region:account:function:NAME — the name says which task function ran.
    return details.resource.split(':function:')[1] ?? details.resource;
  }
  if (event.type === 'TaskScheduled' && typeof details.resourceType === 'string') {
    return `${details.resourceType}:${String(details.resource)}`;
  }
  return undefined;
}

/** A Lambda error cause is `{errorType, errorMessage, trace}`; the message is the readable part. */
function readableCause(cause: string): string {
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: the cause is already text.
  }
  return cause;
}
