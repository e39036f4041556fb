import { z } from 'zod';
import { describeIssues } from '../../lib/runtime/issues';
import { type FunctionIndex, MAX_TIMER_SECONDS, type TaskBinding, type TaskTiming } from './definition';
import { directLambdaEvents, lambdaInvokeEvents } from './history-events';
import type { InvocationOutcome, LambdaRuntime } from './lambda-runtime';
import { exceedsPayloadLimit } from './payload-limit';
import { evaluateReferencePath } from './reference-path';
import type { FunctionDeclaration } from './serverless-project';
import { ExecutionClosedError, StatesError, TerminalStatesError } from './states-errors';
import type { TaskPort } from './task-port';

export interface LambdaTaskDependencies {
  readonly port: TaskPort;
  readonly runtime: LambdaRuntime;
  readonly functions: FunctionIndex;
}

type LambdaBinding = Extract<TaskBinding, { kind: 'lambda' | 'lambda-invoke' }>;

/** What one Task asks of Lambda: which function, with which event, and how its payload becomes the task result. */
export interface LambdaCall {
  readonly scheduledInput: string;
  invoke(): Promise<InvocationOutcome>;
  toTaskResult(payload: string): string;
}

/**
 * Runs one attempt of a Lambda-backed Task and writes its Lambda events. A handler error surfaces with its `name`
 * as the States error and the runtime's JSON error payload as the cause, so Retry/Catch route exactly as on AWS.
 */
export async function runLambdaTask(deps: LambdaTaskDependencies, binding: LambdaBinding, input: unknown) {
  const { port } = deps;
  const events = binding.kind === 'lambda' ? directLambdaEvents(binding.fn.arn) : lambdaInvokeEvents(port.region);
  const timeoutSeconds = taskTimeoutSeconds(binding.timing, input, port.contextObject(binding.stateName));
  let timedOut = false;
  // Armed before the first await, so it fires just ahead of the library's own States.Timeout for this attempt:
  // the history gets its *TimedOut event and the late result of this attempt is dropped.
  const timer =
    timeoutSeconds === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          port.record(
            events.timedOut('States.Timeout', `Task '${binding.stateName}' timed out after ${timeoutSeconds} seconds`),
          );
        }, timeoutSeconds * 1000);
  try {
    await port.catchUp();
    if (!port.isRunning()) throw new ExecutionClosedError();
    refuseTaskTokenOutsideCallback(port, binding.stateName, input);
    const call = binding.kind === 'lambda' ? directCall(deps, binding.fn, input) : lambdaInvokeCall(deps, input);
    if (exceedsPayloadLimit(call.scheduledInput)) {
      throw dataLimitExceeded(
        `The state/task '${binding.stateName}' has an input with a size exceeding the maximum number of bytes service limit.`,
      );
    }
    port.record(events.scheduled(call.scheduledInput, binding.timing.TimeoutSeconds));
    port.record(events.started());
    const outcome = await call.invoke();
    // A stopped execution or a timed-out attempt keeps nothing of what the handler did, as on AWS.
    if (timedOut || !port.isRunning()) throw new ExecutionClosedError();
    if (!outcome.ok) {
      port.record(events.failed(outcome.errorType, outcome.cause));
      throw new StatesError(outcome.errorType, outcome.cause);
    }
    const result = call.toTaskResult(outcome.payload);
    if (exceedsPayloadLimit(result)) {
      const cause = `The state/task '${binding.stateName}' returned a result with a size exceeding the maximum number of bytes service limit.`;
      port.record(events.failed('States.DataLimitExceeded', cause));
      throw dataLimitExceeded(cause);
    }
    port.record(events.succeeded(result));
    return JSON.parse(result) as unknown;
  } finally {
    clearTimeout(timer);
  }
}

function directCall(deps: LambdaTaskDependencies, fn: FunctionDeclaration, input: unknown): LambdaCall {
  const event = JSON.stringify(input ?? null);
  return { scheduledInput: event, invoke: () => deps.runtime.invoke(fn, event), toTaskResult: (payload) => payload };
}

const InvokeParameters = z.looseObject({
  FunctionName: z.string().min(1),
  Payload: z.unknown().optional(),
  InvocationType: z.enum(['RequestResponse', 'Event', 'DryRun']).optional(),
});

/**
 * `$$.Task.Token` exists only inside a `.waitForTaskToken` Task. Elsewhere the engine's stand-in for it must not
 * reach a handler: the state fails as the path lookup fails on AWS.
 */
function refuseTaskTokenOutsideCallback(port: TaskPort, stateName: string, input: unknown): void {
  if (!JSON.stringify(input ?? null).includes(port.taskTokenPlaceholder)) return;
  throw new TerminalStatesError(
    'States.Runtime',
    `An error occurred while executing the state '${stateName}'. The JSONPath '$$.Task.Token' could not be found: only '.waitForTaskToken' tasks have a task token.`,
  );
}

/** `arn:aws:states:::lambda:invoke`: the Lambda Invoke API call, its response wrapped as `{Payload, StatusCode}`. */
export function lambdaInvokeCall(deps: Omit<LambdaTaskDependencies, 'port'>, input: unknown): LambdaCall {
  const scheduledInput = JSON.stringify(input ?? null);
  const parsed = InvokeParameters.safeParse(input);
  if (!parsed.success) {
    throw new TerminalStatesError(
      'States.Runtime',
      `lambda:invoke Parameters are invalid: ${describeIssues(parsed.error)}`,
    );
  }
  const { FunctionName, Payload, InvocationType = 'RequestResponse' } = parsed.data;
  const fn = deps.functions.byFunctionReference(FunctionName);
  const event = JSON.stringify(Payload ?? {});
  const statusCode = { RequestResponse: 200, Event: 202, DryRun: 204 }[InvocationType];
  return {
    scheduledInput,
    invoke: async () => {
      if (fn === undefined) {
        const message = `Function not found: ${FunctionName}`;
        return { ok: false, errorType: 'Lambda.ResourceNotFoundException', cause: message };
      }
      if (InvocationType === 'DryRun') return { ok: true, payload: '""' };
      if (InvocationType === 'Event') {
        // Asynchronous invocation: Lambda accepts the event and the caller never sees the outcome.
        void deps.runtime.invoke(fn, event);
        return { ok: true, payload: '""' };
      }
      return deps.runtime.invoke(fn, event);
    },
    toTaskResult: (payload) => `{"ExecutedVersion":"$LATEST","Payload":${payload},"StatusCode":${statusCode}}`,
  };
}

/** TimeoutSeconds, or TimeoutSecondsPath read the way the library reads it (a positive integer), in seconds. */
function taskTimeoutSeconds(timing: TaskTiming, input: unknown, context: unknown): number | undefined {
  if (timing.TimeoutSeconds !== undefined) return Math.min(timing.TimeoutSeconds, MAX_TIMER_SECONDS);
  if (timing.TimeoutSecondsPath === undefined) return undefined;
  try {
    const result = evaluateReferencePath(timing.TimeoutSecondsPath, input, context);
    const seconds = result.found ? result.value : undefined;
    return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 1
      ? Math.min(seconds, MAX_TIMER_SECONDS)
      : undefined;
  } catch {
    // An unusable path is the library's to report (it fails the state); there is simply no deadline to arm here.
    return undefined;
  }
}

function dataLimitExceeded(cause: string): TerminalStatesError {
  return new TerminalStatesError('States.DataLimitExceeded', cause);
}
