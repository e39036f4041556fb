import { type AapJobKind, type AapTemplateType, AmbiguousTemplate } from './errors';
import type { AapTemplateSummary } from './schemas';

/** A template resolved by name: what a launch needs. */
export interface AapTemplateRef {
  id: number;
  type: AapTemplateType;
  name: string;
}

/** Lookup order: a job template wins over a workflow job template of the same name (both may exist). */
export const TEMPLATE_LOOKUP_ORDER: readonly AapTemplateType[] = ['job_template', 'workflow_job_template'];

export function templateCollectionPath(type: AapTemplateType): string {
  return type === 'job_template' ? 'v2/job_templates/' : 'v2/workflow_job_templates/';
}

export function jobKindOf(type: AapTemplateType): AapJobKind {
  return type === 'job_template' ? 'job' : 'workflow_job';
}

export function jobCollectionPath(kind: AapJobKind): string {
  return kind === 'job' ? 'v2/jobs/' : 'v2/workflow_jobs/';
}

/** The field of a job (`GET v2/jobs/`) or workflow job (`GET v2/workflow_jobs/`) that holds its template's id. */
export type JobTemplateField = 'job_template' | 'workflow_job_template';

export function jobTemplateField(type: AapTemplateType): JobTemplateField {
  return type === 'job_template' ? 'job_template' : 'workflow_job_template';
}

/**
 * Query filter for the configured organization. AWX filters `organization` by id and `organization__name` by
 * name; a number, or a string of digits (as environment variables deliver ids), is taken as an id.
 */
export function organizationFilter(organization: string | number | undefined): Record<string, string> {
  if (organization === undefined) return {};
  const value = String(organization).trim();
  return /^\d+$/.test(value) ? { organization: value } : { organization__name: value };
}

/**
 * The one template named exactly `name` among `results`, undefined if none. `name=` is exact on AWX already; the
 * client-side check guards against a proxy or an older API that ignores or loosens the filter.
 */
export function selectTemplate(
  name: string,
  type: AapTemplateType,
  results: readonly AapTemplateSummary[],
  context: { endpoint: string; organizationConfigured: boolean },
): AapTemplateRef | undefined {
  const matches = results.filter((template) => template.name === name);
  if (matches.length > 1) {
    throw new AmbiguousTemplate(
      name,
      context.endpoint,
      matches.map((template) => ({ id: template.id, organization: template.organization })),
      context.organizationConfigured,
    );
  }
  const [match] = matches;
  return match === undefined ? undefined : { id: match.id, type, name };
}
