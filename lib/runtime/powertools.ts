import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * One Logger and Metrics per Lambda container, configured from the POWERTOOLS_* environment variables that
 * serverless.yml sets (service name, metrics namespace, log level). The Tracer is built only when tracing is on
 * (lib/runtime/tracing.ts).
 */
export const logger = new Logger();

// Metrics warns on every invocation that records no metric (most polls); that is expected here, so it goes to debug.
const metricsLog = {
  trace: (...args: unknown[]) => logger.debug(String(args[0]), { metricsLog: args.slice(1) }),
  debug: (...args: unknown[]) => logger.debug(String(args[0]), { metricsLog: args.slice(1) }),
  info: (...args: unknown[]) => logger.info(String(args[0]), { metricsLog: args.slice(1) }),
  warn: (...args: unknown[]) => logger.debug(String(args[0]), { metricsLog: args.slice(1) }),
  error: (...args: unknown[]) => logger.error(String(args[0]), { metricsLog: args.slice(1) }),
};
export const metrics = new Metrics({ logger: metricsLog });
