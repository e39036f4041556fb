import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One Logger, Metrics and Tracer per Lambda container, configured from the POWERTOOLS_* environment variables that
 * serverless.yml sets (service name, metrics namespace, log level). Outside Lambda the Tracer stays disabled.
 */
export const logger = new Logger();
export const metrics = new Metrics();
export const tracer = new Tracer();
