import * as z from 'zod';
import { describeIssues } from '../runtime/issues';
import type { AapJobSummary } from './schemas';
import { type AapTemplateRef, jobTemplateField } from './templates';

/** How many candidate jobs `findLaunchedJobs` reads by default: each costs one detail request. */
export const DEFAULT_LAUNCH_SEARCH_LIMIT = 50;

const SINCE_HINT = 'a Date or an ISO-8601 datetime with a UTC offset, e.g. 2026-03-20T10:15:04Z';

/** Validated but not trimmed: both are compared exactly with what AAP holds. */
const nonBlank = (field: string) =>
  z
    .string({ error: `${field} must be a non-empty string` })
    .refine((value) => value.trim().length > 0, `${field} must be a non-empty string`);

export const FindLaunchedJobsInput = z.object({
  templateName: nonBlank('templateName'),
  /**
   * Lower bound (inclusive) on the jobs' `created`, as AAP's clock records it. Pass the launch intent's time minus a
   * margin for clock skew between this host and AAP: an early bound only adds candidates, a late one can miss the job.
   */
  since: z.union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))], {
    error: `since must be ${SINCE_HINT}`,
  }),
  /**
   * Upper bound (exclusive) on `created`, optional. A launch is created within its launcher's timeout of the intent,
   * so bounding the window there keeps the candidates few on a busy controller however old the intent is.
   */
  until: z
    .union([z.date(), z.iso.datetime({ offset: true }).transform((text) => new Date(text))], {
      error: `until must be ${SINCE_HINT}`,
    })
    .optional(),
  /** `ansible_eda.event.payload.metadata.uid` of the launch: the ComputeInstance's uid. */
  payloadUid: nonBlank('payloadUid'),
  limit: z
    .number({ error: 'limit must be a positive integer' })
    .int('limit must be a positive integer')
    .positive('limit must be a positive integer')
    .default(DEFAULT_LAUNCH_SEARCH_LIMIT),
});
export type FindLaunchedJobsInput = z.input<typeof FindLaunchedJobsInput>;
export type LaunchSearch = z.output<typeof FindLaunchedJobsInput>;

export function parseFindLaunchedJobsInput(input: unknown): LaunchSearch {
  const parsed = FindLaunchedJobsInput.refine((search) => !search.until || search.until > search.since, {
    message: 'until must be later than since',
    path: ['until'],
  }).safeParse(input);
  if (!parsed.success) throw new TypeError(`Invalid findLaunchedJobs input: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/**
 * The list query for the candidates: every job of the template created since `since`, oldest first. AAP refuses to
 * filter on extra_vars (403), so the payload itself can only be compared on each candidate's detail. Ascending ids
 * keep page boundaries stable while new jobs are created during the walk.
 */
export function candidateQuery(
  template: AapTemplateRef,
  since: Date,
  pageSize: number,
  until?: Date,
): Record<string, string | number> {
  return {
    [jobTemplateField(template.type)]: template.id,
    created__gte: since.toISOString(),
    ...(until === undefined ? {} : { created__lt: until.toISOString() }),
    order_by: 'id',
    page_size: pageSize,
  };
}

/**
 * Whether a listed job really is a candidate. The controller already filtered; this guards against a proxy or an
 * older API that loosened the filter, which would otherwise let a job of another template match on its uid alone.
 */
export function isCandidate(item: AapJobSummary, template: AapTemplateRef, since: Date, until?: Date): boolean {
  const created = Date.parse(item.created);
  return (
    item[jobTemplateField(template.type)] === template.id &&
    created >= since.getTime() &&
    (until === undefined || created < until.getTime())
  );
}

/** The inverse of `buildLaunchBody`: the uid of the object a launch carried, read from either envelope. */
const Uid = z.object({ metadata: z.object({ uid: z.string() }) });
const LaunchedPayloadUid = z.union([
  z.object({ osac_job_vars: z.object({ resource: Uid }) }).transform((v) => v.osac_job_vars.resource.metadata.uid),
  z
    .object({ ansible_eda: z.object({ event: z.object({ payload: Uid }) }) })
    .transform((v) => v.ansible_eda.event.payload.metadata.uid),
]);

export function payloadUidOf(extraVars: Record<string, unknown>): string | undefined {
  const parsed = LaunchedPayloadUid.safeParse(extraVars);
  return parsed.success ? parsed.data : undefined;
}
