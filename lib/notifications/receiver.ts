import * as z from 'zod';
import type { AapJobRef } from '../aap/schemas';
import type { OutcomeRecord } from '../intake/outcome';
import { jsonResponse, readRawBody, type WebhookRequest, type WebhookResponse } from '../intake/request';
import { sameSecret } from '../intake/signature';
import { type Issue, joinIssues, listIssues } from '../runtime/issues';
import { errorName } from '../runtime/logger';
import type { ResumeOutcome, TaskTokenPort } from '../sfn/task-tokens';
import type { NotificationTokenSource } from './notification-token';
import type { TaskTokenStore } from './waiters';

/**
 * AAP's job notifications (POST /v1/aap/notifications): AAP posts one when a job succeeds or fails, with the body
 * configure-aap sets, `{"id": <job id>, "type": "job"|"workflow_job", "status": "<status>"}`. Each execution waiting
 * for that job is resumed at once; its next poll reads the job (nothing of the body goes into an execution).
 *
 * AAP sends a notification once and never retries it, and waits for the answer without a timeout: answer quickly,
 * and when a waiter cannot be resumed, say so (503, a log line, a metric). The fallback poll still ends the wait.
 */

/** The body is three small fields: anything larger is refused before it is parsed (or authenticated). */
export const MAX_NOTIFICATION_BYTES = 4 * 1024;

/** What every resumed task gets: a fixed value, never anything from the request. */
export const NOTIFIED_OUTPUT = Object.freeze({ notified: true });

/** The body configure-aap asks AAP to send; other fields (a hand-made body's) are allowed and ignored. */
export const JobNotification = z.looseObject(
  {
    id: z
      .number({ error: (issue) => (issue.input === undefined ? 'required' : 'expected the job id as a number') })
      .int('expected a whole number')
      .positive('expected a positive job id')
      .max(Number.MAX_SAFE_INTEGER, 'expected a job id'),
    type: z.enum(['job', 'workflow_job'], {
      error: (issue) => (issue.input === undefined ? 'required' : 'expected "job" or "workflow_job"'),
    }),
    status: z.string({
      error: (issue) => (issue.input === undefined ? 'required' : 'expected the job status as a string'),
    }),
  },
  { error: 'expected a JSON object' },
);
export type JobNotification = z.infer<typeof JobNotification>;

export type ParsedNotification =
  | { ok: true; job: AapJobRef; status: string }
  | { ok: false; reason: 'malformed_json' | 'invalid_body'; message: string; issues: Issue[] };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 JSON in the shape above; a failure names the fields at fault and never echoes the body. */
export function parseNotification(bytes: Uint8Array): ParsedNotification {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return { ok: false, reason: 'malformed_json', message: 'body is not valid UTF-8 JSON', issues: [] };
  }
  const parsed = JobNotification.safeParse(json);
  if (!parsed.success) {
    const issues = listIssues(parsed.error, [], 'body');
    return { ok: false, reason: 'invalid_body', message: `invalid notification: ${joinIssues(issues)}`, issues };
  }
  return { ok: true, job: { id: parsed.data.id, kind: parsed.data.type }, status: parsed.data.status };
}

export type BearerCheck = 'ok' | 'missing' | 'malformed' | 'mismatch';

const BEARER = /^Bearer +(\S+) *$/i;

/** `Authorization: Bearer <token>`, compared in constant time (sameSecret hashes both sides first). */
export function checkBearer(authorization: string | undefined, expected: string): BearerCheck {
  if (authorization === undefined) return 'missing';
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) return 'malformed';
  return sameSecret(token, expected) ? 'ok' : 'mismatch';
}

export interface ReceiverPorts {
  readonly token: NotificationTokenSource;
  readonly store: TaskTokenStore;
  readonly tasks: TaskTokenPort;
  /** Milliseconds since the epoch: which waiters have expired. */
  now(): number;
}

export type RejectReason = 'too_large' | 'unauthenticated' | 'malformed_json' | 'invalid_body';
export type UnavailableReason = 'token_unavailable' | 'store_failed' | 'resume_failed';

export type NotificationOutcome =
  /** Every waiter of the job resumed (or already gone) and disarmed; none at all for an unknown or late job. */
  | { kind: 'handled'; job: AapJobRef; status: string; waiters: number; resumed: number; gone: number }
  | { kind: 'rejected'; reason: RejectReason; detail: string }
  /** Our side failed (the secret, the table, Step Functions): the fallback poll ends the wait. */
  | {
      kind: 'unavailable';
      reason: UnavailableReason;
      detail: string;
      job?: AapJobRef;
      resumed?: number;
      failed?: number;
    };

export interface NotificationResult {
  response: WebhookResponse;
  outcome: NotificationOutcome;
}

const UNAUTHENTICATED = jsonResponse(401, { message: 'unauthenticated' }, { 'www-authenticate': 'Bearer' });
const UNAVAILABLE_MESSAGE = 'notification could not be handled; the job is still polled';

/**
 * Size, then authentication, then the body: an unauthenticated sender learns nothing about what we accept. Then the
 * job's waiters: each is resumed with NOTIFIED_OUTPUT and disarmed (a gone token too: nothing waits on it).
 */
export async function receiveNotification(
  request: Pick<WebhookRequest, 'headers' | 'body' | 'isBase64Encoded'>,
  ports: ReceiverPorts,
): Promise<NotificationResult> {
  const raw = readRawBody(request.body, request.isBase64Encoded, MAX_NOTIFICATION_BYTES);
  if (!raw.ok) {
    const detail = `body larger than ${MAX_NOTIFICATION_BYTES} bytes`;
    return {
      response: jsonResponse(413, { message: detail }),
      outcome: { kind: 'rejected', reason: 'too_large', detail },
    };
  }

  let expected: string;
  try {
    expected = await ports.token.current();
  } catch (error) {
    return unavailable({ reason: 'token_unavailable', detail: describeError(error, true) });
  }
  const bearer = checkBearer(request.headers.authorization, expected);
  if (bearer !== 'ok') {
    return { response: UNAUTHENTICATED, outcome: { kind: 'rejected', reason: 'unauthenticated', detail: bearer } };
  }

  const parsed = parseNotification(raw.bytes);
  if (!parsed.ok) {
    return {
      response: jsonResponse(400, {
        message: parsed.message,
        ...(parsed.issues.length > 0 ? { issues: parsed.issues } : {}),
      }),
      outcome: { kind: 'rejected', reason: parsed.reason, detail: parsed.message },
    };
  }
  const { job, status } = parsed;

  let waiters: Awaited<ReturnType<TaskTokenStore['waitersFor']>>;
  try {
    waiters = await ports.store.waitersFor(job, ports.now());
  } catch (error) {
    return unavailable({ reason: 'store_failed', detail: describeError(error), job });
  }

  const results = await Promise.allSettled(
    waiters.map(async (waiter) => {
      let resumed: ResumeOutcome;
      try {
        resumed = await ports.tasks.succeed(waiter.token, NOTIFIED_OUTPUT);
      } catch (error) {
        throw new StepFailed('resume_failed', error);
      }
      try {
        await ports.store.disarm(waiter);
      } catch (error) {
        throw new StepFailed('store_failed', error, resumed);
      }
      return resumed;
    }),
  );
  // A waiter whose disarm failed was still resumed (or gone): its row expires with its TTL.
  const outcomes = results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as StepFailed).resumed));
  const resumed = outcomes.filter((o) => o === 'resumed').length;
  const gone = outcomes.filter((o) => o === 'gone').length;
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as StepFailed] : []));
  const [firstFailure] = failures;
  if (firstFailure !== undefined) {
    const detail = [...new Set(failures.map((f) => `${f.step}: ${f.detail}`))].join('; ');
    return unavailable({ reason: firstFailure.step, detail, job, resumed, failed: failures.length });
  }
  return {
    response: jsonResponse(200, { resumed, gone }),
    outcome: { kind: 'handled', job, status, waiters: waiters.length, resumed, gone },
  };
}

function unavailable(outcome: Omit<Extract<NotificationOutcome, { kind: 'unavailable' }>, 'kind'>): NotificationResult {
  return {
    response: jsonResponse(503, { message: UNAVAILABLE_MESSAGE }),
    outcome: { kind: 'unavailable', ...outcome },
  };
}

/** Which step failed for one waiter; the detail is the error's name only (never a token it might quote). */
class StepFailed extends Error {
  readonly detail: string;
  constructor(
    readonly step: 'resume_failed' | 'store_failed',
    cause: unknown,
    /** What SendTaskSuccess answered before the step that failed, if it was reached. */
    readonly resumed?: ResumeOutcome,
  ) {
    super(step);
    this.detail = describeError(cause);
  }
}

/**
 * An error as its name (DynamoDB and Step Functions messages may quote the request, hence a token); with
 * `withMessage`, the message too, for our own errors that are written not to hold one.
 */
function describeError(error: unknown, withMessage = false): string {
  const { message, reason } = (error ?? {}) as { message?: unknown; reason?: unknown };
  const label = errorName(error) ?? 'Error';
  // SendTaskSuccessFailed carries Step Functions' error name, and no token.
  if (typeof reason === 'string' && reason !== '') return `${label}(${reason})`;
  return withMessage && typeof message === 'string' && message !== '' ? `${label}: ${message}` : label;
}

// ---------------------------------------------------------------------------------------------------------------
// what is logged and counted: one line and one metric per request, never the body, never a header

export type NotificationMetric = 'AapNotificationHandled' | 'AapNotificationRejected' | 'AapNotificationUnavailable';

export function describeNotification(result: NotificationResult): OutcomeRecord<NotificationMetric> {
  const { outcome } = result;
  const status = result.response.statusCode;
  switch (outcome.kind) {
    case 'handled':
      return {
        level: 'info',
        message: 'AAP notification handled',
        attributes: {
          status,
          job: outcome.job,
          jobStatus: outcome.status.slice(0, 40),
          waiters: outcome.waiters,
          resumed: outcome.resumed,
          gone: outcome.gone,
        },
        metric: 'AapNotificationHandled',
        dimensions: {},
      };
    case 'rejected':
      return {
        level: 'info',
        message: 'AAP notification rejected',
        attributes: { status, reason: outcome.reason, detail: outcome.detail },
        metric: 'AapNotificationRejected',
        // Low-cardinality by construction (RejectReason), so it can be a dimension.
        dimensions: { reason: outcome.reason },
      };
    case 'unavailable':
      return {
        level: 'error',
        message: 'AAP notification could not be handled; the waiting executions fall back to polling',
        attributes: {
          status,
          reason: outcome.reason,
          detail: outcome.detail,
          job: outcome.job,
          resumed: outcome.resumed,
          failed: outcome.failed,
        },
        metric: 'AapNotificationUnavailable',
        dimensions: {},
      };
  }
}

/** A request the receiver could not even decide on (settings, a bug): counted as unavailable, all of it logged. */
export function describeNotificationFailure(error: unknown): OutcomeRecord<NotificationMetric> {
  return {
    level: 'error',
    message: 'AAP notification failed',
    attributes: { error },
    metric: 'AapNotificationUnavailable',
    dimensions: {},
  };
}
