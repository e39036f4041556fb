import * as z from 'zod';

/**
 * The parts of AAP controller responses this client reads. Objects are loose: AAP adds fields between releases and
 * the 2.5 gateway may add more, and none of that must break parsing. Only what we use is required.
 */

const Id = z.number().int().positive();

/** `GET {B}/<collection>/` envelope. `count`/`next` are absent with `count_disabled=1`. */
export function AapListEnvelope<T extends z.ZodType>(item: T) {
  return z.looseObject({
    count: z.number().int().nonnegative().optional(),
    next: z.string().nullable().optional(),
    previous: z.string().nullable().optional(),
    results: z.array(item),
  });
}

/** One entry of `GET {B}/job_templates/?name=…` or `GET {B}/workflow_job_templates/?name=…`. */
export const AapTemplateSummary = z.looseObject({
  id: Id,
  name: z.string(),
  organization: z.number().int().nullable().optional(),
});
export type AapTemplateSummary = z.infer<typeof AapTemplateSummary>;

/**
 * `201` of `POST {B}/job_templates/{id}/launch/` (`job`) or `POST {B}/workflow_job_templates/{id}/launch/`
 * (`workflow_job`); both also carry `id`. `ignored_fields` is `{}` when every prompt was accepted.
 */
export const AapLaunchCreated = z.looseObject({
  id: Id.optional(),
  job: Id.optional(),
  workflow_job: Id.optional(),
  ignored_fields: z.record(z.string(), z.unknown()).optional(),
});
export type AapLaunchCreated = z.infer<typeof AapLaunchCreated>;

/**
 * `GET {B}/jobs/{id}/`, `GET {B}/workflow_jobs/{id}/`, and the items of `GET {B}/jobs/?id__in=…`.
 * List items lack `result_traceback`; workflow jobs lack `event_processing_finished`.
 * `extra_vars` is a JSON *string* on a real controller; an object is tolerated, nothing else is.
 */
export const AapJobDetail = z.looseObject({
  id: Id,
  name: z.string(),
  status: z.string(),
  failed: z.boolean(),
  started: z.string().nullable(),
  finished: z.string().nullable(),
  elapsed: z.number(),
  job_explanation: z.string().optional(),
  result_traceback: z.string().optional(),
  extra_vars: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
export type AapJobDetail = z.infer<typeof AapJobDetail>;

/**
 * One item of `GET {B}/jobs/?job_template=…` or `GET {B}/workflow_jobs/?workflow_job_template=…`: only what picks
 * the candidates of a launch search. `created` must be a datetime, because a candidate dropped for want of one
 * could be the very job being looked for.
 */
export const AapJobSummary = z.looseObject({
  id: Id,
  created: z.iso.datetime({ offset: true }),
  job_template: z.number().int().nullable().optional(),
  workflow_job_template: z.number().int().nullable().optional(),
});
export type AapJobSummary = z.infer<typeof AapJobSummary>;

/** `GET {B}/jobs/{id}/cancel/` and `GET {B}/workflow_jobs/{id}/cancel/`. */
export const AapCancelCheck = z.looseObject({
  can_cancel: z.boolean(),
});
export type AapCancelCheck = z.infer<typeof AapCancelCheck>;

/** What callers hand us to address a job. */
export const AapJobRef = z.object({
  id: Id,
  kind: z.enum(['job', 'workflow_job']),
});
export type AapJobRef = z.infer<typeof AapJobRef>;
