import { callbackTaskInput, type TaskBinding } from './definition';
import { lambdaCallbackEvents } from './history-events';
import type { InvocationOutcome } from './lambda-runtime';
import { type LambdaTaskDependencies, lambdaInvokeCall } from './lambda-task';
import { exceedsPayloadLimit } from './payload-limit';
import { evaluateReferencePath } from './reference-path';
import { ExecutionClosedError, StatesError, statesTimeoutError, TerminalStatesError } from './states-errors';
import type { IssuedToken, TaskTokens, TokenAnswer } from './task-tokens';
import { pauseFor } from './timers';

export interface CallbackTaskDependencies extends LambdaTaskDependencies {
  readonly tokens: TaskTokens;
}

type CallbackBinding = Extract<TaskBinding, { kind: 'lambda-callback' }>;

/**
 * One attempt of an `arn:aws:states:::lambda:invoke.waitForTaskToken` Task. The function is invoked with the task
 * token in its Parameters; the task then waits for SendTaskSuccess/SendTaskFailure, its TimeoutSeconds or its
 * HeartbeatSeconds. The wait is idle time, like a Wait state: a scaled pause on the execution clock that a token,
 * a heartbeat or the execution's end cuts short. A token is usable by this attempt only (a Retry issues another).
 */
export async function runCallbackTask(deps: CallbackTaskDependencies, binding: CallbackBinding, handed: unknown) {
  const { port } = deps;
  const { stateInput, parameters: effectiveParameters } = callbackTaskInput(handed);
  const events = lambdaCallbackEvents(port.region);
  await port.catchUp();
  if (!port.isRunning()) throw new ExecutionClosedError();
  const context = port.contextObject(binding.stateName);
  const { timing } = binding;
  const timeoutSeconds = secondsOf(
    'TimeoutSeconds',
    timing.TimeoutSeconds,
    timing.TimeoutSecondsPath,
    stateInput,
    context,
  );
  const heartbeatSeconds = secondsOf(
    'HeartbeatSeconds',
    timing.HeartbeatSeconds,
    timing.HeartbeatSecondsPath,
    stateInput,
    context,
  );
  const issued = deps.tokens.issue();
  let retirement: 'timed-out' | 'ended' = 'ended';
  try {
    const parameters = withTaskToken(effectiveParameters, port.taskTokenPlaceholder, issued.token);
    const call = lambdaInvokeCall(deps, parameters);
    if (exceedsPayloadLimit(call.scheduledInput)) {
      throw new TerminalStatesError(
        'States.DataLimitExceeded',
        `The state/task '${binding.stateName}' has an input with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    port.record(events.scheduledCallback(call.scheduledInput, timeoutSeconds, heartbeatSeconds));
    port.record(events.started());
    const startedAt = port.clock.now();

    // The function may answer its own token before it returns: the answer ends the task, the invocation is dropped.
    // A heartbeat meanwhile only restarts the heartbeat clock.
    const invocation = call.invoke();
    let lastBeatAt = startedAt;
    let invoked: InvocationOutcome | 'answered';
    for (;;) {
      const first = await untilClosed(port.closed, Promise.race([invocation, issued.nextSignal()]));
      if (first !== 'heartbeat') {
        invoked = first;
        break;
      }
      lastBeatAt = port.clock.now();
    }
    if (!port.isRunning()) throw new ExecutionClosedError();
    if (invoked !== 'answered' && issued.answer() === undefined) {
      if (!invoked.ok) {
        port.record(events.failed(invoked.errorType, invoked.cause));
        throw new StatesError(invoked.errorType, invoked.cause);
      }
      port.record(events.submitted(call.toTaskResult(invoked.payload)));
    }

    const outcome = await awaitAnswer(deps, issued, {
      timeoutAt: timeoutSeconds === undefined ? undefined : startedAt + timeoutSeconds * 1000,
      heartbeatMs: heartbeatSeconds === undefined ? undefined : heartbeatSeconds * 1000,
      lastBeatAt,
    });
    if (outcome.kind === 'timed-out') {
      retirement = 'timed-out';
      port.record(events.callbackTimedOut('States.Timeout'), { virtualMs: outcome.at });
      throw await statesTimeoutError();
    }
    const { answer } = outcome;
    if (answer.kind === 'failure') {
      port.record(events.callbackFailed(answer.error, answer.cause));
      throw new StatesError(answer.error ?? '', answer.cause ?? '');
    }
    port.record(events.succeeded(answer.output));
    return JSON.parse(answer.output) as unknown;
  } finally {
    issued.retire(retirement);
  }
}

type WaitOutcome = { kind: 'answered'; answer: TokenAnswer } | { kind: 'timed-out'; at: number };

interface Deadlines {
  /** Execution-clock ms at which TimeoutSeconds runs out, counted from TaskStarted. */
  readonly timeoutAt?: number;
  readonly heartbeatMs?: number;
  /** TaskStarted, or the last heartbeat before the function returned. */
  readonly lastBeatAt: number;
}

/** Pauses (scaled) until the token is answered or a deadline passes; a heartbeat moves the heartbeat deadline on. */
async function awaitAnswer(
  { port }: CallbackTaskDependencies,
  issued: IssuedToken,
  deadlines: Deadlines,
): Promise<WaitOutcome> {
  let heartbeatAt = deadlines.heartbeatMs === undefined ? undefined : deadlines.lastBeatAt + deadlines.heartbeatMs;
  for (;;) {
    const answer = issued.answer();
    if (answer !== undefined) return { kind: 'answered', answer };
    const deadline = Math.min(deadlines.timeoutAt ?? Number.POSITIVE_INFINITY, heartbeatAt ?? Number.POSITIVE_INFINITY);
    const remaining = deadline - port.clock.now();
    if (remaining <= 0) return { kind: 'timed-out', at: deadline };
    const pause = port.clock.beginPause(remaining);
    const woken = new AbortController();
    const signal = AbortSignal.any([port.closed, woken.signal]);
    let wokenBy: 'heartbeat' | 'answered' | 'deadline';
    try {
      wokenBy = await Promise.race([
        pauseFor(pause.scaledMs, signal).then(() => 'deadline' as const),
        issued.nextSignal(),
      ]);
    } catch (error) {
      if (port.closed.aborted) throw new ExecutionClosedError();
      throw error;
    } finally {
      woken.abort();
      pause.end();
    }
    if (!port.isRunning()) throw new ExecutionClosedError();
    // The pause ran its full (nominal) length: the deadline is reached whatever rounding the clock did.
    if (wokenBy === 'deadline' && issued.answer() === undefined) return { kind: 'timed-out', at: deadline };
    if (wokenBy === 'heartbeat' && deadlines.heartbeatMs !== undefined) {
      heartbeatAt = port.clock.now() + deadlines.heartbeatMs;
    }
  }
}

/** Settles like `work`, or rejects with ExecutionClosedError as soon as the execution closes. */
function untilClosed<T>(closed: AbortSignal, work: Promise<T>): Promise<T> {
  if (closed.aborted) return Promise.reject(new ExecutionClosedError());
  return new Promise((resolve, reject) => {
    const onClose = () => reject(new ExecutionClosedError());
    closed.addEventListener('abort', onClose, { once: true });
    work.then(resolve, reject).finally(() => closed.removeEventListener('abort', onClose));
  });
}

/**
 * TimeoutSeconds/HeartbeatSeconds, or their *Path read from the effective input (a positive integer), in seconds.
 * A path that does not name a positive integer fails the state with States.Runtime, as on AWS.
 */
function secondsOf(
  field: 'TimeoutSeconds' | 'HeartbeatSeconds',
  fixed: number | undefined,
  path: string | undefined,
  input: unknown,
  context: unknown,
): number | undefined {
  // Long waits are chained timers (pauseFor), so no cap applies here.
  if (fixed !== undefined) return fixed;
  if (path === undefined) return undefined;
  let seconds: unknown;
  try {
    const result = evaluateReferencePath(path, input, context);
    seconds = result.found ? result.value : undefined;
  } catch (error) {
    throw new TerminalStatesError('States.Runtime', `${field}Path '${path}': ${(error as Error).message}`);
  }
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
    throw new TerminalStatesError(
      'States.Runtime',
      `${field}Path '${path}' must name a positive integer, got ${JSON.stringify(seconds) ?? 'nothing'}`,
    );
  }
  return seconds;
}

/** Replaces the stand-in for `$$.Task.Token` (also inside strings built by intrinsics) with this task's token. */
function withTaskToken(input: unknown, placeholder: string, token: string): unknown {
  if (typeof input === 'string') return input.split(placeholder).join(token);
  if (Array.isArray(input)) return input.map((item) => withTaskToken(item, placeholder, token));
  if (typeof input === 'object' && input !== null) {
    return Object.fromEntries(
      Object.entries(input).map(([key, value]) => [key, withTaskToken(value, placeholder, token)]),
    );
  }
  return input;
}
