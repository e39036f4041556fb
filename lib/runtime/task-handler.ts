import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { logger, metrics, tracer } from './powertools';

export class InvalidTaskInput extends Error {
  override readonly name = 'InvalidTaskInput';
}

/** Adds the execution name to every log line of the invocation, so one execution's logs read as one story. */
function correlateWithExecution(): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const execution = (request.event as { execution?: unknown } | null)?.execution;
      if (typeof execution === 'string') logger.appendKeys({ execution });
    },
    after: () => logger.removeKeys(['execution']),
    onError: () => logger.removeKeys(['execution']),
  };
}

/**
 * A Step Functions task: the state's Parameters are parsed with the task's zod schema (a clear error naming each bad
 * field, never a half-done task), then handed to the domain function; its small result becomes the state's output.
 * Errors the state machine branches on keep their `name` (InstanceGone, Transient, …): Lambda reports it as the
 * error type, which is what Retry and Catch match.
 */
export function taskHandler<S extends z.ZodType, O>(
  schema: S,
  task: (input: z.infer<S>, context: Context) => Promise<O>,
): middy.MiddyfiedHandler<unknown, O, Error, Context> {
  return middy<unknown, O, Error, Context>()
    .use(captureLambdaHandler(tracer))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .use(correlateWithExecution())
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ');
        throw new InvalidTaskInput(`invalid task input: ${problems}`);
      }
      return task(parsed.data, context);
    });
}
