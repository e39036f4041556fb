import * as z from 'zod';
import { describeIssues } from '../runtime/issues';
import {
  type AapJobKind,
  CredentialsIgnored,
  InvalidResponse,
  LAUNCH_OUTCOME_UNKNOWN_NOTE,
  VariablesIgnored,
} from './errors';
import { type AapResponse, parseBody } from './response';
import { AapLaunchCreated } from './schemas';
import { type AapTemplateRef, jobKindOf } from './templates';

const JsonObject = z.record(z.string(), z.unknown());

/**
 * Which envelope a launch carries the object in: `osac_job_vars` (today's playbooks, since August 2026),
 * `ansible_eda` (February's, written for an EDA rulebook) or `both`, so either generation runs with no configuration.
 */
export const JobVarsEnvelope = z.enum(['osac_job_vars', 'ansible_eda', 'both']);
export type JobVarsEnvelope = z.infer<typeof JobVarsEnvelope>;
export const DEFAULT_JOB_VARS: JobVarsEnvelope = 'both';

/** A Tenant's storage class as the create playbook reads it (`tenant_storage_classes`). */
const TenantStorageClass = z.object({
  name: z.string().min(1, 'storage class names must not be empty'),
  tier: z.string().min(1, 'storage class tiers must not be empty'),
});

export const LaunchInput = z.object({
  /** The object as read (unknown fields included): `osac_job_vars.resource` and/or `ansible_eda.event.payload`. */
  payload: JsonObject,
  /** Siblings of the object in each envelope (`osac_job_vars.<key>`, `ansible_eda.event.<key>`). */
  extraEventKeys: JsonObject.refine((keys) => !Object.hasOwn(keys, 'payload') && !Object.hasOwn(keys, 'resource'), {
    message: 'extraEventKeys must not contain "payload" or "resource"; pass the object as payload',
  }).optional(),
  /** The Tenant's storage classes, sent as `tenant_storage_classes` (provision only; left out when empty). */
  tenantStorageClasses: z.array(TenantStorageClass).optional(),
  /** Which envelope(s) the launch carries; `both` when not said. */
  jobVars: JobVarsEnvelope.default(DEFAULT_JOB_VARS),
  /** The registered cluster the object lives on; sent as the top-level variable `cloudkit_cluster`. */
  cluster: z.string().min(1, 'cluster must not be empty').optional(),
  /** AAP credential ids (e.g. the cluster's kubeconfig credential), sent as the launch's `credentials`. */
  credentials: z
    .array(z.number().int('credential ids are whole numbers').positive('credential ids are positive'))
    .optional(),
});
export type LaunchInput = z.input<typeof LaunchInput>;
export type ParsedLaunchInput = z.output<typeof LaunchInput>;

export interface LaunchResult {
  jobId: number;
  kind: AapJobKind;
  templateId: number;
}

export function parseLaunchInput(input: unknown): ParsedLaunchInput {
  const parsed = LaunchInput.safeParse(input);
  if (!parsed.success) throw new TypeError(`Invalid launch input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The variable naming the registered cluster the launched object lives on. */
export const CLUSTER_VARIABLE = 'cloudkit_cluster';

export interface LaunchBody {
  extra_vars: {
    osac_job_vars?: Record<string, unknown>;
    ansible_eda?: { event: Record<string, unknown> };
    [CLUSTER_VARIABLE]?: string;
  };
  credentials?: number[];
}

/**
 * The launch body: the object under `osac_job_vars.resource` (today's playbooks) and/or
 * `ansible_eda.event.payload` (February's), each envelope with the same sibling keys, so a playbook of either
 * generation runs unchanged. The object goes as read: the playbooks, not this code, decide which fields matter,
 * so a field added upstream (e.g. resize's `vcpus`) reaches them without a release here. Empty keys are left out,
 * as the operator does. The cluster id is a top-level variable rather than an envelope key: it belongs to neither,
 * so both generations read it at the same place, and it stays one value however many envelopes a launch carries.
 * One AAP serves many clusters, and the same namespace/name on two of them are two VMs: without it a playbook
 * (and the simulator) cannot tell them apart. Credentials go only when the cluster has some, so a template that does
 * not prompt for them still launches for clusters that need none.
 */
export function buildLaunchBody(input: ParsedLaunchInput): LaunchBody {
  const { payload, extraEventKeys = {}, tenantStorageClasses, jobVars, cluster, credentials } = input;
  const keys: Record<string, unknown> = { ...extraEventKeys };
  if (tenantStorageClasses !== undefined && tenantStorageClasses.length > 0) {
    keys.tenant_storage_classes = tenantStorageClasses.map(({ name, tier }) => ({ name, tier }));
  }
  const body: LaunchBody = { extra_vars: {} };
  if (jobVars !== 'ansible_eda') body.extra_vars.osac_job_vars = { resource: payload, ...keys };
  if (jobVars !== 'osac_job_vars') body.extra_vars.ansible_eda = { event: { payload, ...keys } };
  if (cluster !== undefined) body.extra_vars[CLUSTER_VARIABLE] = cluster;
  if (credentials !== undefined && credentials.length > 0) body.credentials = [...credentials];
  return body;
}

/**
 * Reads a launch's 2xx. A job exists from here on, so every failure is flagged `launchOutcomeUnknown` or carries
 * the job id: the caller must never simply launch again.
 */
export function readLaunchCreated(response: AapResponse, template: AapTemplateRef): LaunchResult {
  const created = parseBody(AapLaunchCreated, response, { launchOutcomeUnknown: true });
  const kind = jobKindOf(template.type);
  const jobId = (kind === 'job' ? created.job : created.workflow_job) ?? created.id;
  if (jobId === undefined) {
    throw new InvalidResponse(
      `${response.endpoint} answered HTTP ${response.status} without a job id (neither "${kind}" nor "id")` +
        LAUNCH_OUTCOME_UNKNOWN_NOTE,
      'INVALID_BODY',
      { status: response.status, launchOutcomeUnknown: true },
    );
  }
  const ignored = Object.keys(created.ignored_fields ?? {});
  if (ignored.length > 0) {
    // Missing variables are the worse fault (the playbook has no object at all): name it first when both are.
    const Ignored =
      ignored.includes('credentials') && !ignored.includes('extra_vars') ? CredentialsIgnored : VariablesIgnored;
    throw new Ignored(template.name, template.id, jobId, kind, ignored);
  }
  return { jobId, kind, templateId: template.id };
}
