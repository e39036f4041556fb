import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { z } from 'zod';
import { withinInvocation } from './deadline';
import { describeIssues } from './issues';
import { logger, metrics } from './powertools';
import { tracingMiddleware } from './tracing';

export class InvalidTaskInput extends Error {
  override readonly name = 'InvalidTaskInput';
}

/**
 * The invocation ran out of time. Outbound calls stop early enough that this should not happen; when it does (a
 * slow step between calls), middy throws it just before Lambda's own timeout so the error has a name every Task's
 * Retry lists, rather than the runtime's `Sandbox.Timedout`.
 */
export class TaskTimedOut extends Error {
  override readonly name = 'TaskTimedOut';
}

/** Never the event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: awaitJobEnd's holds a task token. */
const LAMBDA_CONTEXT_LOGGING = { resetKeys: true, logEvent: false } as const;

/** How long before the Lambda timeout middy gives up on the task and throws TaskTimedOut. */
export const TASK_TIMEOUT_EARLY_MS = 500;

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
 * field, never a half-done task), then handed with the context `contextFor` builds to the domain function; its small
 * result becomes the state's output.
 * Errors the state machine branches on keep their `name` (InstanceGone, Transient, …): Lambda reports it as the
 * error type, which is what Retry and Catch match. Outbound calls run under the invocation's deadline
 * (lib/runtime/deadline.ts), so they give up while there is still time to say so.
 */
export function taskHandler<S extends z.ZodType, C, O>(
  schema: S,
  /** Builds (or hands back the container's) ports the task works through: a bad setting fails the invocation. */
  contextFor: () => C,
  task: (ctx: C, input: z.infer<S>) => Promise<O>,
): middy.MiddyfiedHandler<unknown, O, Error, Context> {
  return middy<unknown, O, Error, Context>({
    timeoutEarlyInMillis: TASK_TIMEOUT_EARLY_MS,
    timeoutEarlyResponse: () => {
      throw new TaskTimedOut(`the task did not finish within ${TASK_TIMEOUT_EARLY_MS} ms of the function's timeout`);
    },
  })
    .use(tracingMiddleware())
    .use(injectLambdaContext(logger, LAMBDA_CONTEXT_LOGGING))
    .use(logMetrics(metrics))
    .use(correlateWithExecution())
    .handler(async (event, context) => {
      const parsed = schema.safeParse(event);
      if (!parsed.success) {
        throw new InvalidTaskInput(`invalid task input: ${describeIssues(parsed.error, [], '(input)')}`);
      }
      // Every outbound call of the task shares what is left of the invocation, minus room to report the outcome.
      const ctx = contextFor();
      return withinInvocation(context, () => task(ctx, parsed.data));
    });
}
