import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { recordOutcome } from '../lib/intake/outcome';
import { jsonResponse, type WebhookResponse, webhookRequestFromApiGateway } from '../lib/intake/request';
import {
  describeNotification,
  describeNotificationFailure,
  type ReceiverPorts,
  receiveNotification,
} from '../lib/notifications/receiver';
import { createReceiverPorts } from '../lib/notifications/receiver-context';
import { loadReceiverSettings } from '../lib/notifications/receiver-settings';
import { withinInvocation } from '../lib/runtime/deadline';
import { logger, metrics } from '../lib/runtime/powertools';

/**
 * The AAP notification receiver (API Gateway HTTP API, payload format 2.0): POST /v1/aap/notifications resumes the
 * executions waiting for the job AAP names. Everything is decided in lib/notifications/receiver.ts, down to what is
 * logged and counted; this adapts the event.
 */

/** The handler over the ports `portsOf` gives (built lazily: a failed build is retried on the next request). */
export function receiveHandler(portsOf: () => ReceiverPorts) {
  // No early-timeout timer: the invocation's deadline already stops our calls in time to answer.
  return middy<APIGatewayProxyEventV2, WebhookResponse, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event, context) => {
      try {
        const request = webhookRequestFromApiGateway(event);
        const result = await withinInvocation(context, () => receiveNotification(request, portsOf()));
        recordOutcome(describeNotification(result), { logger, metrics });
        return result.response;
      } catch (error) {
        // Settings or a bug, not the sender: say nothing about it to them, all of it to us.
        recordOutcome(describeNotificationFailure(error), { logger, metrics });
        return jsonResponse(500, { message: 'internal error' });
      }
    });
}

let built: { settings: string; ports: ReceiverPorts } | undefined;

/**
 * Built on first use and kept for the container (the token cache and the clients' connections); a failed build is
 * retried on the next request, and a changed environment (the local stack restarted) builds anew.
 */
export const receive = receiveHandler(() => {
  const settings = loadReceiverSettings();
  const key = JSON.stringify(settings);
  if (built?.settings !== key) built = { settings: key, ports: createReceiverPorts(settings) };
  return built.ports;
});
