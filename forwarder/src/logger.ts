import { Logger } from '@aws-lambda-powertools/logger';

/** The log calls the forwarder makes; Powertools' Logger fits, and tests pass a recorder. */
export interface ForwarderLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** JSON lines on stdout, level from POWERTOOLS_LOG_LEVEL / LOG_LEVEL, as the Lambdas of this project log. */
export function createForwarderLogger(): ForwarderLogger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cloudkit-forwarder' });
}
