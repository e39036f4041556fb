import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import {
  publishReport,
  type ReconcileReport,
  reconcile,
  reconcileStateMachines,
  scheduledRunLimits,
} from '../lib/reconcile';
import { withinInvocation } from '../lib/runtime/deadline';
import { logger, metrics } from '../lib/runtime/powertools';
import { tracingMiddleware } from '../lib/runtime/tracing';
import { workflowContext } from '../lib/workflow/context';

/**
 * Scheduled (EventBridge) reconciliation of every registered cluster. The event carries nothing the run needs;
 * the clients and settings are the workflow context's (environment), the limits RECONCILE_* variables.
 */
export const handler = middy<unknown, ReconcileReport, Error, Context>()
  .use(tracingMiddleware())
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (_event, context) => {
    const ctx = workflowContext();
    const machines = reconcileStateMachines(ctx.settings);
    const remainingMs =
      typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
    const limits = scheduledRunLimits({
      launchIntentTtlSeconds: ctx.settings.LAUNCH_INTENT_TTL_SECONDS,
      remainingMs,
      nowMs: Date.now(),
    });
    // Outbound calls never outlive the invocation: each gives up before its end, with room for the report.
    const report = await withinInvocation(context, () =>
      reconcile({
        registry: ctx.clusters,
        storeFor: async (cluster) => (await ctx.cluster(cluster.id)).store,
        aap: ctx.aap,
        sfn: ctx.sfn,
        machines,
        now: ctx.now(),
        limits,
        logger,
      }),
    );
    publishReport(metrics, report);
    return report;
  });
