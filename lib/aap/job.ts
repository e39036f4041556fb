import type { JobState } from '../domain/job-state';
import { type AapJobKind, InvalidResponse } from './errors';
import { buildErrorDetail, mapAapStatus } from './job-status';
import type { AapJobDetail } from './schemas';

/** One AAP job or workflow job as the rest of the system sees it. */
export interface AapJob {
  readonly id: number;
  readonly kind: AapJobKind;
  /** AAP's raw `status`, kept for messages and for statuses newer than the mapping. */
  readonly status: string;
  readonly state: JobState;
  readonly terminal: boolean;
  /** ISO-8601 UTC as AAP sent it; null until the job runs (and forever for a job canceled while pending). */
  readonly started: string | null;
  readonly finished: string | null;
  readonly failed: boolean;
  /** Seconds; live while running. */
  readonly elapsed: number;
  /** The template's name at launch time. */
  readonly name: string;
  /**
   * `job_explanation` + `result_traceback` (bounded), only for Failed and Canceled jobs. List responses
   * (`getJobs`) carry no traceback, so there it is the explanation alone.
   */
  readonly errorDetail?: string;
  /** The job's merged extra vars, parsed on demand: they can be large and may hold credentials. */
  extraVars(): Record<string, unknown>;
}

export function toAapJob(detail: AapJobDetail, kind: AapJobKind): AapJob {
  const { state, terminal } = mapAapStatus(detail.status);
  const errorDetail =
    state === 'Failed' || state === 'Canceled'
      ? buildErrorDetail(detail.job_explanation ?? '', detail.result_traceback ?? '')
      : undefined;
  const rawExtraVars = detail.extra_vars;
  return {
    id: detail.id,
    kind,
    status: detail.status,
    state,
    terminal,
    started: detail.started,
    finished: detail.finished,
    failed: detail.failed,
    elapsed: detail.elapsed,
    name: detail.name,
    ...(errorDetail === undefined ? {} : { errorDetail }),
    extraVars: () => parseExtraVars(rawExtraVars, `${kind} ${detail.id}`),
  };
}

/**
 * AAP stores a job's merged extra vars as `json.dumps(dict)`, so the detail field is a JSON string. An empty
 * string means no variables. The error never quotes the text (nor JSON.parse's message, which does): it is the
 * launch payload, and may hold credentials.
 */
export function parseExtraVars(
  raw: string | Record<string, unknown> | undefined,
  jobLabel: string,
): Record<string, unknown> {
  if (raw === undefined) return {};
  if (typeof raw !== 'string') return raw;
  if (raw.trim().length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidResponse(
      `extra_vars of AAP ${jobLabel} is not valid JSON (${raw.length} characters)`,
      'INVALID_BODY',
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const what = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    throw new InvalidResponse(`extra_vars of AAP ${jobLabel} is JSON ${what}, not an object`, 'INVALID_BODY');
  }
  return parsed as Record<string, unknown>;
}
