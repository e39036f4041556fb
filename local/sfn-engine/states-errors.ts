import { StateMachine } from 'aws-local-stepfunctions';

/**
 * Errors raised inside a running state. aws-local-stepfunctions matches Retry/Catch on `name` and builds the
 * `Cause` from `message`, so the message IS the Step Functions cause (for Lambda errors, the JSON error payload).
 */
export class StatesError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

/**
 * An error no Retry or Catch may handle (States.DataLimitExceeded, States.Runtime). The library reads the
 * `isRetryable`/`isCatchable` flags of its own runtime errors; these two properties opt ours in.
 */
export class TerminalStatesError extends StatesError {
  readonly isRetryable = false;
  readonly isCatchable = false;
}

/** Thrown into a state whose execution was stopped or failed meanwhile, so the library stops driving it. */
export class ExecutionClosedError extends TerminalStatesError {
  constructor() {
    super('SfnEngine.ExecutionClosed', 'The execution is no longer running.');
  }
}

let libraryTimeoutError: Promise<new () => Error> | undefined;

/**
 * `States.Timeout` as the library's own error class. Its `States.TaskFailed` matcher skips timeouts by `instanceof`,
 * and the class is not exported, so it is taken once from a throwaway run whose Task times out after 1 ms.
 */
export async function statesTimeoutError(): Promise<Error> {
  libraryTimeoutError ??= captureLibraryTimeoutError();
  const TimeoutError = await libraryTimeoutError;
  return new TimeoutError();
}

async function captureLibraryTimeoutError(): Promise<new () => Error> {
  // Not validated, so a 1 ms TimeoutSeconds (a fraction AWS would refuse) is taken as it is.
  const probe = new StateMachine(
    {
      StartAt: 'Probe',
      States: {
        Probe: {
          Type: 'Task',
          Resource: 'arn:aws:lambda:us-east-1:000000000000:function:probe',
          TimeoutSeconds: 0.001,
          End: true,
        },
      },
    },
    { validationOptions: { noValidate: true } },
  );
  const run = probe.run(
    {},
    { overrides: { taskResourceLocalHandlers: { Probe: () => new Promise(() => undefined) } } },
  );
  const failure = await run.result.then(
    () => undefined,
    (error: unknown) => (error as { cause?: unknown }).cause,
  );
  if (failure instanceof Error && failure.name === 'States.Timeout') return failure.constructor as new () => Error;
  // Should a library upgrade change this, a plain States.Timeout still routes every ErrorEquals but States.TaskFailed.
  return StatesTimeoutFallback;
}

class StatesTimeoutFallback extends Error {
  constructor() {
    super('States.Timeout');
    this.name = 'States.Timeout';
  }
}
