import type { SFNClient } from '@aws-sdk/client-sfn';
import { loadReconcileLimits, parseReconcileLimits } from '../reconcile/settings';
import { WEBHOOK_AWS_CALL_LIMITS } from '../runtime/aws-clients';
import { buildClusterRegistry, buildSfnClient } from '../runtime/clients';
import { scaledClock } from '../runtime/clock';
import { createSecretStringReader } from '../runtime/secrets';
import type { IntakeContext } from './process';
import type { WebhookSettings } from './settings';

/**
 * The webhook's clients, built from its settings. The registry caches the webhooks document (a file once; a
 * secret, read through the secrets extension, for SECRETS_MAX_AGE_SECONDS, so rotated webhook secrets arrive
 * without a redeploy) and the SFN client, loaded at the first start, keeps its connections: build this once per
 * container, not per request.
 */
export function createIntakeContext(settings: WebhookSettings, overrides: Partial<IntakeContext> = {}): IntakeContext {
  const clusters =
    overrides.clusters ??
    // The webhook secrets only: this public function never holds an API server's token.
    buildClusterRegistry(
      'webhooks',
      {
        // The secret when one is named (the local stack names one too, served by its extension stand-in).
        clustersFile: settings.WEBHOOKS_SECRET_NAME ? undefined : settings.CLUSTERS_FILE,
        secretName: settings.WEBHOOKS_SECRET_NAME,
        maxAgeSeconds: settings.SECRETS_MAX_AGE_SECONDS,
        // Through the secrets extension on the webhook function (serverless.yml sets its port): requiring the
        // Secrets Manager SDK would cost ~70 ms of every cold start.
        readSecret: createSecretStringReader({
          maxAgeSeconds: settings.SECRETS_MAX_AGE_SECONDS,
          limits: WEBHOOK_AWS_CALL_LIMITS,
        }),
      },
      WEBHOOK_AWS_CALL_LIMITS,
    );
  let client: SFNClient | undefined;
  // Built (and the SDK module required) at the first start: most events start nothing.
  const sfn =
    overrides.sfn ??
    (() => {
      client ??= buildSfnClient(WEBHOOK_AWS_CALL_LIMITS, settings.SFN_ENDPOINT);
      return client;
    });
  return {
    clusters,
    sfn,
    machines: overrides.machines ?? {
      provisionArn: settings.PROVISION_STATE_MACHINE_ARN,
      deprovisionArn: settings.DEPROVISION_STATE_MACHINE_ARN,
    },
    retryLimits: overrides.retryLimits ?? parseReconcileLimits({ ...loadReconcileLimits() }),
    now: overrides.now ?? (() => new Date()),
    decisionNow: overrides.decisionNow ?? scaledClock(settings.TIME_SCALE, settings.CLOCK_EPOCH_MS),
  };
}
