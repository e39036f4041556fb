import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import {
  createIntakeContext,
  describeFailure,
  describeOutcome,
  type IntakeContext,
  jsonResponse,
  loadWebhookSettings,
  processWebhook,
  recordOutcome,
  type WebhookResponse,
  webhookRequestFromApiGateway,
} from '../lib/intake';
import { withinInvocation } from '../lib/runtime/deadline';
import { logger, metrics } from '../lib/runtime/powertools';

/**
 * The webhook Lambda (API Gateway HTTP API, payload format 2.0):
 *   POST /v1/clusters/{cluster}/events                   a Kubernetes watch event
 *   POST /v1/clusters/{cluster}/create-compute-instance  the EDA-era body: the bare ComputeInstance
 *   POST /v1/clusters/{cluster}/delete-compute-instance  the same, on deletion
 * Everything is decided in lib/intake, down to what is logged and counted; this adapts the event.
 */

let intake: IntakeContext | undefined;

/** Built on first use and kept for the container; a failed build (bad settings) is retried on the next request. */
function intakeContext(): IntakeContext {
  intake ??= createIntakeContext(loadWebhookSettings());
  return intake;
}

// No early-timeout timer (middy's default races every request against one, creating and aborting it each time):
// the invocation's deadline already stops our calls in time to answer, and a sender retries anything unanswered.
export const handler = middy<APIGatewayProxyEventV2, WebhookResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event, context) => {
    try {
      const request = webhookRequestFromApiGateway(event);
      // Registry and Step Functions calls give up in time for the 503 to be sent (and the sender to retry).
      const result = await withinInvocation(context, () => processWebhook(request, intakeContext()));
      recordOutcome(describeOutcome(result), { logger, metrics });
      return result.response;
    } catch (error) {
      // Settings or a bug, not the sender: say nothing about it to them, all of it to us.
      recordOutcome(describeFailure(error), { logger, metrics });
      return jsonResponse(500, { message: 'internal error' });
    }
  });
