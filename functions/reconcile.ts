import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { loadReconcileLimits, publishReport, type ReconcileReport, reconcile } from '../lib/reconcile';
import { reportReserveMs, withDeadline } from '../lib/runtime/deadline';
import { logger, metrics } from '../lib/runtime/powertools';
import { tracingMiddleware } from '../lib/runtime/tracing';
import { workflowContext } from '../lib/workflow/context';

/** Stop examining instances this long before the Lambda timeout (at most a quarter of it), so the report goes out. */
const DEADLINE_MARGIN_MS = 15_000;

export class MissingStateMachine extends Error {
  override readonly name = 'MissingStateMachine';
}

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
    const { PROVISION_STATE_MACHINE_ARN: provisionArn, DEPROVISION_STATE_MACHINE_ARN: deprovisionArn } = ctx.settings;
    if (!provisionArn || !deprovisionArn) {
      throw new MissingStateMachine(
        'set PROVISION_STATE_MACHINE_ARN and DEPROVISION_STATE_MACHINE_ARN: the reconciler starts executions of both',
      );
    }
    const remainingMs =
      typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : 0;
    const run = () =>
      reconcile({
        registry: ctx.clusters,
        storeFor: async (cluster) => (await ctx.cluster(cluster.id)).store,
        aap: ctx.aap,
        sfn: ctx.sfn,
        machines: { provisionArn, deprovisionArn },
        now: ctx.now(),
        limits: {
          ...loadReconcileLimits(),
          launchIntentTtlMs: ctx.settings.LAUNCH_INTENT_TTL_SECONDS * 1000,
          ...(remainingMs > 0
            ? { deadlineMs: Date.now() + remainingMs - Math.min(DEADLINE_MARGIN_MS, remainingMs / 4) }
            : {}),
        },
        logger,
      });
    // Outbound calls never outlive the invocation: each gives up before its end, with room for the report.
    const report =
      remainingMs > 0 ? await withDeadline(Date.now() + remainingMs - reportReserveMs(remainingMs), run) : await run();
    publishReport(metrics, report);
    return report;
  });
