import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';

/**
 * The path an execution took, read from its history: which states it entered (and how often), the transitions
 * between them, and where it is now or where it stopped. Only top-level flow is followed: states inside Parallel or
 * Map branches are counted but do not make transitions.
 */

export const StateRun = z.enum(['visited', 'current', 'failed', 'aborted']);
export type StateRun = z.infer<typeof StateRun>;

export const StateOnPath = z.object({
  name: z.string(),
  visits: z.int().min(1),
  run: StateRun,
  /** Task failures seen while in the state (retried or caught ones included). */
  errors: z.int().min(0),
});
export type StateOnPath = z.infer<typeof StateOnPath>;

export const ExecutionPath = z.object({
  states: z.array(StateOnPath),
  /** Distinct state-to-state moves, in the order they were first made. */
  transitions: z.array(z.object({ from: z.string(), to: z.string() })),
  /** The first state entered: the one Start led to. */
  entry: z.string().optional(),
  /** The state the execution is in while RUNNING. */
  current: z.string().optional(),
  /** The state the execution failed, timed out or was stopped in. */
  stoppedIn: z.string().optional(),
  /** The execution succeeded: the last state led to End. */
  reachedEnd: z.boolean(),
  /** The current state is a `.waitForTaskToken` task whose function has its token: it waits for a notification. */
  waitingForCallback: z
    .object({
      state: z.string(),
      /** When the task started waiting (TaskScheduled). */
      since: z.string().optional(),
      timeoutSeconds: z.number().optional(),
      heartbeatSeconds: z.number().optional(),
    })
    .optional(),
});
export type ExecutionPath = z.infer<typeof ExecutionPath>;

const FAILURE_EVENT = /(Failed|TimedOut)$/;

export function enteredStateName(event: HistoryEvent): string | undefined {
  return event.type?.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : undefined;
}

export function exitedStateName(event: HistoryEvent): string | undefined {
  return event.type?.endsWith('StateExited') ? event.stateExitedEventDetails?.name : undefined;
}

/** A task or iteration failure inside a state (the execution's own end is not one). */
export function isStateFailureEvent(event: HistoryEvent): boolean {
  return event.type !== undefined && !event.type.startsWith('Execution') && FAILURE_EVENT.test(event.type);
}

export function executionPath(history: readonly HistoryEvent[], status: ExecutionStatus): ExecutionPath {
  const states = new Map<string, { visits: number; errors: number }>();
  const transitions = new Map<string, { from: string; to: string }>();
  let previous: string | undefined;
  let last: string | undefined;
  let lastExited = true;
  let failState: string | undefined;
  let callback: ExecutionPath['waitingForCallback'];

  for (const event of history) {
    callback = callbackWaitAfter(event, callback, last);
    const entered = enteredStateName(event);
    if (entered !== undefined) {
      const seen = states.get(entered) ?? { visits: 0, errors: 0 };
      seen.visits += 1;
      states.set(entered, seen);
      if (previous !== undefined) {
        const key = JSON.stringify([previous, entered]);
        if (!transitions.has(key)) transitions.set(key, { from: previous, to: entered });
      }
      previous = entered;
      last = entered;
      lastExited = false;
      if (event.type === 'FailStateEntered') failState = entered;
      continue;
    }
    if (exitedStateName(event) !== undefined && exitedStateName(event) === last) {
      lastExited = true;
      continue;
    }
    if (isStateFailureEvent(event) && last !== undefined) {
      const seen = states.get(last);
      if (seen) seen.errors += 1;
    }
  }

  // The state still open when the history ends is where the execution is, or where it stopped.
  const open = lastExited ? undefined : last;
  const current = status === 'RUNNING' ? open : undefined;
  const stoppedIn = failState ?? (status === 'RUNNING' || status === 'SUCCEEDED' ? undefined : open);
  const runOf = (name: string): StateRun => {
    if (name === current) return 'current';
    if (name === stoppedIn) return status === 'ABORTED' ? 'aborted' : 'failed';
    return 'visited';
  };
  const path: ExecutionPath = {
    states: [...states].map(([name, seen]) => ({ name, visits: seen.visits, run: runOf(name), errors: seen.errors })),
    transitions: [...transitions.values()],
    reachedEnd: status === 'SUCCEEDED',
  };
  const entry = history.map(enteredStateName).find((name) => name !== undefined);
  if (entry !== undefined) path.entry = entry;
  if (current !== undefined) path.current = current;
  if (stoppedIn !== undefined) path.stoppedIn = stoppedIn;
  if (callback !== undefined && callback.state === current) path.waitingForCallback = callback;
  return path;
}

const CALLBACK_END = new Set(['TaskSucceeded', 'TaskFailed', 'TaskTimedOut']);

/** Follows the callback wait of the state the execution is in: opened by a `.waitForTaskToken` TaskScheduled. */
function callbackWaitAfter(
  event: HistoryEvent,
  open: ExecutionPath['waitingForCallback'],
  inState: string | undefined,
): ExecutionPath['waitingForCallback'] {
  const scheduled = event.type === 'TaskScheduled' ? event.taskScheduledEventDetails : undefined;
  if (scheduled?.resource?.endsWith('.waitForTaskToken') && inState !== undefined) {
    const wait: NonNullable<ExecutionPath['waitingForCallback']> = { state: inState };
    if (event.timestamp !== undefined) wait.since = new Date(event.timestamp).toISOString();
    if (scheduled.timeoutInSeconds !== undefined) wait.timeoutSeconds = scheduled.timeoutInSeconds;
    if (scheduled.heartbeatInSeconds !== undefined) wait.heartbeatSeconds = scheduled.heartbeatInSeconds;
    return wait;
  }
  if (event.type !== undefined && (CALLBACK_END.has(event.type) || event.type.endsWith('StateEntered'))) {
    return undefined;
  }
  return open;
}
