import * as z from 'zod';
import { DEFAULT_JOB_VARS, JobVarsEnvelope } from '../aap/launch';
import { describeIssues } from '../runtime/issues';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

/**
 * The operator's names: `<prefix>-create-compute-instance` / `<prefix>-delete-compute-instance`
 * (OSAC_AAP_TEMPLATE_PREFIX upstream); an explicit template name wins over the prefix.
 */
const AAP_TEMPLATE_FIELDS = {
  AAP_TEMPLATE_PREFIX: z
    .string()
    .trim()
    .regex(/^\S+$/, 'must be one word, e.g. osac (templates are named <prefix>-create-compute-instance)')
    .default('osac'),
  AAP_PROVISION_TEMPLATE: optionalText,
  AAP_DEPROVISION_TEMPLATE: optionalText,
};

function withTemplateNames<
  S extends {
    AAP_TEMPLATE_PREFIX: string;
    AAP_PROVISION_TEMPLATE?: string | undefined;
    AAP_DEPROVISION_TEMPLATE?: string | undefined;
  },
>(s: S) {
  return {
    ...s,
    AAP_PROVISION_TEMPLATE: s.AAP_PROVISION_TEMPLATE ?? `${s.AAP_TEMPLATE_PREFIX}-create-compute-instance`,
    AAP_DEPROVISION_TEMPLATE: s.AAP_DEPROVISION_TEMPLATE ?? `${s.AAP_TEMPLATE_PREFIX}-delete-compute-instance`,
  };
}

/**
 * Every setting the task functions read, from the environment. Secrets are never environment values on AWS: the
 * AAP token and the cluster registry come from Secrets Manager by NAME (`AAP_TOKEN_SECRET_NAME`,
 * `CLUSTERS_SECRET_NAME`); `AAP_TOKEN` and `CLUSTERS_FILE` exist for the local stack and tests.
 */
export const Settings = z
  .object({
    AAP_URL: z.url({ message: 'AAP_URL must be the controller base URL, e.g. https://aap.example.com/api/controller' }),
    AAP_TOKEN: optionalText,
    AAP_TOKEN_SECRET_NAME: optionalText,
    AAP_ORGANIZATION: optionalText,
    ...AAP_TEMPLATE_FIELDS,
    // What a launch carries: today's `osac_job_vars`, February's `ansible_eda`, or both (either generation of the
    // playbooks runs). A cluster's registry entry may override it (`aapJobVars`).
    AAP_JOB_VARS: z
      .enum(JobVarsEnvelope.options, { message: `must be one of ${JobVarsEnvelope.options.join(', ')}` })
      .default(DEFAULT_JOB_VARS),
    // Per attempt, and never past the invocation's budget (lib/runtime/deadline.ts): below the task functions' 30 s
    // timeout, so one slow reply leaves time for a retry or for reporting a Transient the state machine retries.
    AAP_TIMEOUT_MS: positiveInt(20_000),
    CLUSTERS_FILE: optionalText,
    CLUSTERS_SECRET_NAME: optionalText,
    SECRETS_MAX_AGE_SECONDS: positiveInt(300),
    SFN_ENDPOINT: optionalText,
    PROVISION_STATE_MACHINE_ARN: optionalText,
    DEPROVISION_STATE_MACHINE_ARN: optionalText,
    MAX_JOB_HISTORY: positiveInt(10),
    // Where the Tenants named by instances' `osac.openshift.io/tenant` annotations live (the operator's
    // OSAC_TENANT_NAMESPACE); a cluster's `tenantNamespace` overrides it. Unset: the instance's own namespace, as the
    // operator, which keeps its ComputeInstances and Tenants in its own namespace, finds them.
    TENANT_NAMESPACE: optionalText,
    POLL_MIN_SECONDS: positiveInt(5),
    POLL_MAX_SECONDS: positiveInt(300),
    POLL_FRACTION: z.coerce.number().positive().max(1).default(0.1),
    POLLS_PER_EXECUTION: positiveInt(400),
    // Issue 13: AAP's job notifications resume a waiting workflow at once; polling stays as the fallback, on the
    // stretched FALLBACK_POLL_* schedule (lib/workflow/polling.ts says why these defaults).
    JOB_NOTIFICATIONS: z.enum(['on', 'off'], { message: 'must be on or off' }).default('off'),
    // Only the functions that use the table are given it (awaitJobEnd, the receiver): one missing it fails when it
    // arms a wait (NotificationsNotConfigured), which the state machine answers with a plain Wait.
    JOB_WAITERS_TABLE: optionalText,
    // Local stack only: the embedded DynamoDB.
    DYNAMODB_ENDPOINT: optionalText,
    FALLBACK_POLL_MIN_SECONDS: positiveInt(2),
    FALLBACK_POLL_MAX_SECONDS: positiveInt(1800),
    FALLBACK_POLL_FRACTION: z.coerce.number().positive().max(1).default(0.2),
    LAUNCH_INTENT_TTL_SECONDS: positiveInt(300),
    // Local stack only: run the clock TIME_SCALE times faster, counted from CLOCK_EPOCH_MS (shared by all parts).
    TIME_SCALE: z.coerce.number().positive().max(1).default(1),
    CLOCK_EPOCH_MS: z.coerce.number().int().nonnegative().optional(),
  })
  .superRefine((s, ctx) => {
    if (!s.AAP_TOKEN && !s.AAP_TOKEN_SECRET_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['AAP_TOKEN_SECRET_NAME'],
        message: 'set AAP_TOKEN_SECRET_NAME (or AAP_TOKEN locally)',
      });
    }
    if (!s.CLUSTERS_FILE && !s.CLUSTERS_SECRET_NAME) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLUSTERS_SECRET_NAME'],
        message: 'set CLUSTERS_SECRET_NAME (or CLUSTERS_FILE locally)',
      });
    }
    if (s.POLL_MIN_SECONDS > s.POLL_MAX_SECONDS) {
      ctx.addIssue({ code: 'custom', path: ['POLL_MIN_SECONDS'], message: 'must not exceed POLL_MAX_SECONDS' });
    }
    if (s.FALLBACK_POLL_MIN_SECONDS > s.FALLBACK_POLL_MAX_SECONDS) {
      ctx.addIssue({
        code: 'custom',
        path: ['FALLBACK_POLL_MIN_SECONDS'],
        message: 'must not exceed FALLBACK_POLL_MAX_SECONDS',
      });
    }
  })
  .transform(withTemplateNames);
export type Settings = z.infer<typeof Settings>;

export class InvalidSettings extends Error {
  override readonly name = 'InvalidSettings';
}

/** Reads the settings, naming every variable that is wrong (never echoing values: some are secrets). */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = Settings.safeParse(env);
  if (!parsed.success) {
    throw new InvalidSettings(`invalid configuration: ${describeIssues(parsed.error, [], '(environment)')}`);
  }
  return parsed.data;
}

/** The provision and deprovision template names exactly as the tasks resolve them (for tools such as configure-aap). */
export function loadTemplateNames(env: NodeJS.ProcessEnv = process.env): { provision: string; deprovision: string } {
  const parsed = z.object(AAP_TEMPLATE_FIELDS).transform(withTemplateNames).safeParse(env);
  if (!parsed.success) {
    throw new InvalidSettings(`invalid configuration: ${describeIssues(parsed.error, [], '(environment)')}`);
  }
  return { provision: parsed.data.AAP_PROVISION_TEMPLATE, deprovision: parsed.data.AAP_DEPROVISION_TEMPLATE };
}
