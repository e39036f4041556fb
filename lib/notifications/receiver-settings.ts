import * as z from 'zod';
import { describeIssues } from '../runtime/issues';

const optionalText = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const optionalUrl = optionalText.pipe(z.url({ error: 'must be a URL, e.g. http://127.0.0.1:8083' }).optional());

/**
 * What the AAP notification receiver reads from its environment: where the bearer token is, the task-token table
 * and (locally) the endpoints. Its own schema, like the webhook's: the receiver holds no AAP or cluster settings.
 */
export const ReceiverSettings = z
  .object({
    /** The token itself: local stack and development only. */
    AAP_NOTIFICATION_TOKEN: optionalText,
    /** Deployed: the Secrets Manager secret whose string is the token. */
    AAP_NOTIFICATION_SECRET_NAME: optionalText,
    SECRETS_MAX_AGE_SECONDS: z.coerce.number().int().positive().default(300),
    JOB_WAITERS_TABLE: z
      .string({ error: 'must name the job waiters table (serverless.yml resource JobWaitersTable)' })
      .trim()
      .min(1, 'must name the job waiters table (serverless.yml resource JobWaitersTable)'),
    DYNAMODB_ENDPOINT: optionalUrl,
    SFN_ENDPOINT: optionalUrl,
  })
  .superRefine((settings, ctx) => {
    if (!settings.AAP_NOTIFICATION_TOKEN && !settings.AAP_NOTIFICATION_SECRET_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['AAP_NOTIFICATION_SECRET_NAME'],
        message: 'set AAP_NOTIFICATION_SECRET_NAME (or AAP_NOTIFICATION_TOKEN locally)',
      });
    }
  });
export type ReceiverSettings = z.infer<typeof ReceiverSettings>;

export class InvalidReceiverSettings extends Error {
  override readonly name = 'InvalidReceiverSettings';
}

/** Names every variable that is wrong, never its value. */
export function loadReceiverSettings(env: NodeJS.ProcessEnv = process.env): ReceiverSettings {
  const parsed = ReceiverSettings.safeParse(env);
  if (!parsed.success) {
    throw new InvalidReceiverSettings(
      `invalid AAP notification receiver configuration: ${describeIssues(parsed.error)}`,
    );
  }
  return parsed.data;
}
