import type { MiddlewareObj } from '@middy/core';

/**
 * Tracing is on exactly when Powertools' Tracer would enable itself: inside Lambda (not the Amplify mock, not SAM
 * local) and POWERTOOLS_TRACE_ENABLED, which serverless.yml sets from the `tracing` parameter, is not "false".
 */
export function tracingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const executionEnv = env.AWS_EXECUTION_ENV ?? '';
  if (executionEnv === '' || executionEnv === 'AWS_Lambda_amplify-mock') return false;
  if ((env.AWS_SAM_LOCAL ?? '') !== '') return false;
  return (env.POWERTOOLS_TRACE_ENABLED ?? '').toLowerCase() !== 'false';
}

/**
 * The Tracer's handler middleware when tracing is on, none otherwise (middy's `use` takes the list). The Tracer (and
 * the X-Ray SDK under it) is loaded and built only then, so a deployment without tracing never pays for it.
 */
export function tracingMiddleware(env: NodeJS.ProcessEnv = process.env): MiddlewareObj[] {
  if (!tracingEnabled(env)) return [];
  const { Tracer } = require('@aws-lambda-powertools/tracer') as typeof import('@aws-lambda-powertools/tracer');
  const { captureLambdaHandler } =
    require('@aws-lambda-powertools/tracer/middleware') as typeof import('@aws-lambda-powertools/tracer/middleware');
  return [captureLambdaHandler(new Tracer())];
}
