import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger, Metrics and Tracer per Lambda container, configured from the POWERTOOLS_* environment variables that
 * serverless.yml sets (service name, metrics namespace, log level). Outside Lambda the Tracer stays disabled.
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
export const tracer = new Tracer();
