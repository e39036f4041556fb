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
