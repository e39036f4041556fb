import * as z from 'zod';
import { type AapJobKind, InvalidResponse, LAUNCH_OUTCOME_UNKNOWN_NOTE, VariablesIgnored } from './errors';
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
});
export type LaunchInput = z.input<typeof LaunchInput>;

export interface LaunchResult {
  jobId: number;
  kind: AapJobKind;
  templateId: number;
}

export function parseLaunchInput(input: unknown): z.output<typeof LaunchInput> {
  const parsed = LaunchInput.safeParse(input);
  if (!parsed.success) throw new TypeError(`Invalid launch input:\n${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/**
 * The launch body. The `ansible_eda.event` wrapping keeps the playbooks, written for an EDA rulebook, unchanged.
 */
export function buildLaunchBody(
  payload: Record<string, unknown>,
  extraEventKeys: Record<string, unknown> = {},
): { extra_vars: { ansible_eda: { event: Record<string, unknown> } } } {
  return { extra_vars: { ansible_eda: { event: { payload, ...extraEventKeys } } } };
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
  if (ignored.length > 0) throw new VariablesIgnored(template.name, template.id, jobId, kind, ignored);
  return { jobId, kind, templateId: template.id };
}
