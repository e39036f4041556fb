import * as z from 'zod';
import { describeIssues } from '../runtime/issues';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/;

const stateMachineArn = (which: string) =>
  z
    .string({ error: `must be set to the ${which} state machine ARN` })
    .trim()
    .regex(STATE_MACHINE_ARN, 'must be a state machine ARN: arn:aws:states:<region>:<account>:stateMachine:<name>');

/**
 * What the webhook function reads from its environment: where the cluster registry is and which state machines
 * to start. Deliberately not lib/config/settings.ts: the webhook has no business holding AAP settings.
 */
export const WebhookSettings = z
  .object({
    CLUSTERS_FILE: optionalText,
    /** The `webhooks` document (webhook secrets, namespaces, finalizer per cluster); never the API credentials. */
    WEBHOOKS_SECRET_NAME: optionalText,
    SECRETS_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(300),
    SFN_ENDPOINT: optionalText.pipe(z.url({ error: 'must be a URL, e.g. http://127.0.0.1:8083' }).optional()),
    PROVISION_STATE_MACHINE_ARN: stateMachineArn('provision'),
    DEPROVISION_STATE_MACHINE_ARN: stateMachineArn('deprovision'),
    // Local stack only: lifecycle decisions (backoff) on the stack's faster clock. Signatures stay on wall time.
    TIME_SCALE: z.coerce.number().positive().max(1).default(1),
    CLOCK_EPOCH_MS: z.coerce.number().int().nonnegative().optional(),
  })
  .superRefine((settings, ctx) => {
    if (!settings.CLUSTERS_FILE && !settings.WEBHOOKS_SECRET_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['WEBHOOKS_SECRET_NAME'],
        message: 'set WEBHOOKS_SECRET_NAME (or CLUSTERS_FILE locally)',
      });
    }
  });
export type WebhookSettings = z.infer<typeof WebhookSettings>;

export class InvalidWebhookSettings extends Error {
  override readonly name = 'InvalidWebhookSettings';
}

/** Names every variable that is wrong, never its value. */
export function loadWebhookSettings(env: NodeJS.ProcessEnv = process.env): WebhookSettings {
  const parsed = WebhookSettings.safeParse(env);
  if (!parsed.success) {
    throw new InvalidWebhookSettings(`invalid webhook configuration: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}
