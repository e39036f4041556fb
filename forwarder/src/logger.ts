import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Logger } from '../../lib/runtime/logger';

/** JSON lines on stdout, level from POWERTOOLS_LOG_LEVEL / LOG_LEVEL, as the Lambdas of this project log. */
export function createForwarderLogger(): Logger {
  return new PowertoolsLogger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'cloudkit-forwarder' });
}
