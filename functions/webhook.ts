import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  createIntakeContext,
  type IntakeContext,
  type IntakeResult,
  jsonResponse,
  loadWebhookSettings,
  processWebhook,
  type WebhookResponse,
  webhookRequestFromApiGateway,
} from '../lib/intake';
import { reportReserveMs, withDeadline } from '../lib/runtime/deadline';

/**
 * The webhook Lambda (API Gateway HTTP API, payload format 2.0):
 *   POST /v1/clusters/{cluster}/events                   a Kubernetes watch event
 *   POST /v1/clusters/{cluster}/create-compute-instance  the EDA-era body: the bare ComputeInstance
 *   POST /v1/clusters/{cluster}/delete-compute-instance  the same, on deletion
 * Everything is decided in lib/intake; this adapts the event and records logs and metrics.
 */

// Its own Logger and Metrics rather than lib/runtime/powertools: that module also builds the Tracer, whose X-Ray
// SDK would outweigh the rest of this bundle. The webhook is latency-sensitive and runs on every change.
const logger = new Logger();
const metrics = new Metrics();

let intake: IntakeContext | undefined;

/** Built on first use and kept for the container; a failed build (bad settings) is retried on the next request. */
function intakeContext(): IntakeContext {
  intake ??= createIntakeContext(loadWebhookSettings());
  return intake;
}

// Senders choose the path: keep what a log line repeats of it short.
const label = (value: string | undefined) => (value === undefined ? undefined : value.slice(0, 80));

/** One log line and one metric per request; never the body, never a header. */
function record(result: IntakeResult): void {
  const { outcome } = result;
  const about = {
    cluster: label(result.cluster),
    route: result.route,
    eventType: result.eventType,
    namespace: result.instance?.namespace,
    name: result.instance?.name,
    status: result.response.statusCode,
  };
  switch (outcome.kind) {
    case 'accepted':
      metrics.addMetric('WebhookAccepted', MetricUnit.Count, 1);
      logger.info('webhook accepted', {
        ...about,
        action: outcome.action,
        executionName: outcome.executionName,
        duplicate: outcome.duplicate,
        reason: outcome.reason,
      });
      return;
    case 'ignored':
      metrics.addMetric('WebhookIgnored', MetricUnit.Count, 1);
      logger.info('webhook ignored', { ...about, action: 'ignored', reason: outcome.reason });
      return;
    case 'rejected':
      // The invocation records this one metric, and dimensions are cleared when it is flushed: the reason
      // dimension lands on WebhookRejected only.
      metrics.addDimension('reason', outcome.reason);
      metrics.addMetric('WebhookRejected', MetricUnit.Count, 1);
      logger.info('webhook rejected', { ...about, reason: outcome.reason, detail: outcome.detail });
      return;
    case 'unavailable':
      metrics.addMetric('WebhookUnavailable', MetricUnit.Count, 1);
      logger.error('webhook could not be handled; the sender is told to retry', { ...about, detail: outcome.detail });
      return;
  }
}

// No early-timeout timer (middy's default races every request against one, creating and aborting it each time):
// withDeadline below already stops our calls in time to answer, and a sender retries anything unanswered.
export const handler = middy<APIGatewayProxyEventV2, WebhookResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    try {
      const request = webhookRequestFromApiGateway(event);
      const remainingMs =
        typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
      // Registry and Step Functions calls give up in time for the 503 to be sent (and the sender to retry).
      const result =
        remainingMs === undefined
          ? await processWebhook(request, intakeContext())
          : await withDeadline(Date.now() + remainingMs - reportReserveMs(remainingMs), () =>
              processWebhook(request, intakeContext()),
            );
      record(result);
      return result.response;
    } catch (error) {
      // Settings or a bug, not the sender: say nothing about it to them, all of it to us.
      metrics.addMetric('WebhookUnavailable', MetricUnit.Count, 1);
      logger.error('webhook failed', { error: error as Error });
      return jsonResponse(500, { message: 'internal error' });
    }
  });
