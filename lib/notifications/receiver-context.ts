import type { SFNClient } from '@aws-sdk/client-sfn';
import { WEBHOOK_AWS_CALL_LIMITS } from '../runtime/aws-clients';
import { buildSfnClient, buildTaskTokenStore } from '../runtime/clients';
import { createSecretStringReader } from '../runtime/secrets';
import { SfnTaskTokens, type TaskTokenPort } from '../sfn/task-tokens';
import { SecretNotificationToken, StaticNotificationToken } from './notification-token';
import type { ReceiverPorts } from './receiver';
import type { ReceiverSettings } from './receiver-settings';

/**
 * The receiver's clients, built from its settings once per container: the token (cached for
 * SECRETS_MAX_AGE_SECONDS when it comes from a secret), the task-token table and Step Functions, all with the
 * webhook's short call limits (AAP waits on the answer).
 */
export function createReceiverPorts(settings: ReceiverSettings, overrides: Partial<ReceiverPorts> = {}): ReceiverPorts {
  const token =
    overrides.token ??
    (settings.AAP_NOTIFICATION_TOKEN
      ? new StaticNotificationToken(settings.AAP_NOTIFICATION_TOKEN)
      : new SecretNotificationToken({
          secretName: settings.AAP_NOTIFICATION_SECRET_NAME as string,
          // Through the secrets extension on this function (serverless.yml): no Secrets Manager SDK to load.
          readSecret: createSecretStringReader({
            maxAgeSeconds: settings.SECRETS_MAX_AGE_SECONDS,
            limits: WEBHOOK_AWS_CALL_LIMITS,
          }),
        }));
  const store =
    overrides.store ??
    buildTaskTokenStore(settings.JOB_WAITERS_TABLE, WEBHOOK_AWS_CALL_LIMITS, settings.DYNAMODB_ENDPOINT);
  let client: SFNClient | undefined;
  // Built (and the SDK module required) at the first waiter to resume, not for requests that are refused.
  const tasks: TaskTokenPort = overrides.tasks ?? {
    succeed: (taskToken, output) => {
      client ??= buildSfnClient(WEBHOOK_AWS_CALL_LIMITS, settings.SFN_ENDPOINT);
      return new SfnTaskTokens(client).succeed(taskToken, output);
    },
  };
  return { token, store, tasks, now: overrides.now ?? (() => Date.now()) };
}
