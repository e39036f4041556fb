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

export const LaunchInput = z.object({
  /** The event payload the playbooks read as `ansible_eda.event.payload` (the ComputeInstance as JSON). */
  payload: JsonObject,
  /** Siblings of `payload` under `ansible_eda.event`, e.g. `tenant_storage_classes`. */
  extraEventKeys: JsonObject.refine((keys) => !Object.hasOwn(keys, 'payload'), {
    message: 'extraEventKeys must not contain "payload"; pass it as payload',
  }).optional(),
  /** The registered cluster the object lives on; sent as the top-level variable `cloudkit_cluster`. */
  cluster: z.string().min(1, 'cluster must not be empty').optional(),
  /** AAP credential ids (e.g. the cluster's kubeconfig credential), sent as the launch's `credentials`. */
  credentials: z
    .array(z.number().int('credential ids are whole numbers').positive('credential ids are positive'))
    .optional(),
});
export type LaunchInput = z.input<typeof LaunchInput>;

export interface LaunchResult {
  jobId: number;
  kind: AapJobKind;
  templateId: number;
}

export function parseLaunchInput(input: unknown): z.output<typeof LaunchInput> {
  const parsed = LaunchInput.safeParse(input);
  if (!parsed.success) throw new TypeError(`Invalid launch input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** The variable naming the registered cluster the launched object lives on. */
export const CLUSTER_VARIABLE = 'cloudkit_cluster';

export interface LaunchScope {
  cluster?: string;
  credentials?: readonly number[];
}

export interface LaunchBody {
  extra_vars: { ansible_eda: { event: Record<string, unknown> }; [CLUSTER_VARIABLE]?: string };
  credentials?: number[];
}

/**
 * The launch body. The `ansible_eda.event` wrapping keeps the playbooks, written for an EDA rulebook, unchanged.
 * The cluster id is a top-level variable rather than an event key: it belongs to neither envelope, so February's
 * playbooks (`ansible_eda.event`) and today's (`osac_job_vars`) read it at the same place, and it stays one value
 * however many envelopes a launch carries. One AAP serves many clusters, and the same namespace/name on two of them
 * are two VMs: without it a playbook (and the simulator) cannot tell them apart. Credentials go only when the
 * cluster has some, so a template that does not prompt for them still launches for clusters that need none.
 */
export function buildLaunchBody(
  payload: Record<string, unknown>,
  extraEventKeys: Record<string, unknown> = {},
  scope: LaunchScope = {},
): LaunchBody {
  const body: LaunchBody = { extra_vars: { ansible_eda: { event: { payload, ...extraEventKeys } } } };
  if (scope.cluster !== undefined) body.extra_vars[CLUSTER_VARIABLE] = scope.cluster;
  if (scope.credentials !== undefined && scope.credentials.length > 0) body.credentials = [...scope.credentials];
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
