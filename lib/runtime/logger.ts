/**
 * The one logger interface: the log calls the project's code makes, one message and structured attributes per line
 * (endpoints, ids, statuses; never tokens or payloads). Powertools' Logger fits as is; tests pass a recorder.
 */
export interface Logger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export const SILENT_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };

const LOGGER_METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** For boundaries that take a logger from a caller: does `value` have every method of Logger? */
export function isLogger(value: unknown): value is Logger {
  return (
    typeof value === 'object' &&
    value !== null &&
    LOGGER_METHODS.every((method) => typeof (value as Record<string, unknown>)[method] === 'function')
  );
}

/**
 * An error's name alone (a non-empty string, else undefined): what may be reported of an error whose message can
 * quote a request, and so a task token or a secret (SDK errors of DynamoDB and Step Functions, for one).
 */
export function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** An error as a log attribute: name and message only (causes and request objects of client errors may carry headers). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
