import * as z from 'zod';
import { describeIssues } from '../runtime/issues';
import type { StateMachines } from '../workflow/start';

/**
 * The reconciler's own knobs. Every one has a default, so the scheduled function needs none of them set; the
 * deployed function may tune four through RECONCILE_* environment variables, read next to the shared settings.
 */

const Concurrency = z.int().min(1).max(64);
const MaxStarts = z.int().min(0);
const StalledAfterRetries = z.int().min(1).max(1000);
const PageSize = z.int().min(1).max(5000);

export const ReconcileLimits = z.strictObject({
  /** Requests in flight at once (Kubernetes lists, AAP job lists, DescribeExecution, StartExecution). */
  concurrency: Concurrency.default(8),
  /** Executions started per run at most; the rest wait for the next run (0: only report). */
  maxStarts: MaxStarts.default(100),
  /**
   * Retries (`-r<n>`) of one piece of work started back to back; from then on the work is stalled: a metric and a
   * condition on the instance say so, and each further retry waits out a backoff growing up to `maxBackoffMs`.
   * Never a give-up: when the cause clears, the next retry does the work.
   */
  stalledAfterRetries: StalledAfterRetries.default(3),
  /** The longest wait between two retries of stalled work (1 h). */
  maxBackoffMs: z.int().min(1).default(3_600_000),
  /** Continue-as-new hand-overs followed per execution chain. */
  maxContinuations: z.int().min(0).max(100_000).default(100),
  /** ComputeInstances per list request. */
  pageSize: PageSize.default(500),
  /** A launch intent older than this lost its launcher (the shared LAUNCH_INTENT_TTL_SECONDS). */
  launchIntentTtlMs: z.int().min(0).default(300_000),
  /** Wall-clock epoch ms after which no further instance is examined (the Lambda's timeout, less a margin). */
  deadlineMs: z.number().optional(),
});
export type ReconcileLimits = z.output<typeof ReconcileLimits>;
export type ReconcileLimitsInput = z.input<typeof ReconcileLimits>;

export class InvalidReconcileSettings extends Error {
  override readonly name = 'InvalidReconcileSettings';
}

/** Validates limits given in code (handler, tests, bench), naming every bad one. */
export function parseReconcileLimits(input: ReconcileLimitsInput = {}): ReconcileLimits {
  const parsed = ReconcileLimits.safeParse(input);
  if (!parsed.success) {
    throw new InvalidReconcileSettings(`invalid reconcile limits: ${describeIssues(parsed.error, [], '(limits)')}`);
  }
  return parsed.data;
}

const fromEnv = (schema: z.ZodInt, fallback: number) => z.coerce.number().pipe(schema).default(fallback);

const ReconcileEnvironment = z.object({
  RECONCILE_CONCURRENCY: fromEnv(Concurrency, 8),
  RECONCILE_MAX_STARTS: fromEnv(MaxStarts, 100),
  RECONCILE_STALLED_AFTER_RETRIES: fromEnv(StalledAfterRetries, 3),
  RECONCILE_PAGE_SIZE: fromEnv(PageSize, 500),
});

/** RECONCILE_CONCURRENCY, RECONCILE_MAX_STARTS, RECONCILE_STALLED_AFTER_RETRIES, RECONCILE_PAGE_SIZE, with defaults. */
export function loadReconcileLimits(
  env: NodeJS.ProcessEnv = process.env,
): Pick<ReconcileLimits, 'concurrency' | 'maxStarts' | 'stalledAfterRetries' | 'pageSize'> {
  const parsed = ReconcileEnvironment.safeParse(env);
  if (!parsed.success) {
    throw new InvalidReconcileSettings(
      `invalid reconcile settings: ${describeIssues(parsed.error, [], '(environment)')}`,
    );
  }
  return {
    concurrency: parsed.data.RECONCILE_CONCURRENCY,
    maxStarts: parsed.data.RECONCILE_MAX_STARTS,
    stalledAfterRetries: parsed.data.RECONCILE_STALLED_AFTER_RETRIES,
    pageSize: parsed.data.RECONCILE_PAGE_SIZE,
  };
}

export class MissingStateMachine extends Error {
  override readonly name = 'MissingStateMachine';
}

/** Both state machines the reconciler starts executions of; refuses with the settings to set when one is missing. */
export function reconcileStateMachines(settings: {
  readonly PROVISION_STATE_MACHINE_ARN?: string | undefined;
  readonly DEPROVISION_STATE_MACHINE_ARN?: string | undefined;
}): StateMachines {
  const { PROVISION_STATE_MACHINE_ARN: provisionArn, DEPROVISION_STATE_MACHINE_ARN: deprovisionArn } = settings;
  if (!provisionArn || !deprovisionArn) {
    const missing = [
      ...(provisionArn ? [] : ['PROVISION_STATE_MACHINE_ARN']),
      ...(deprovisionArn ? [] : ['DEPROVISION_STATE_MACHINE_ARN']),
    ];
    throw new MissingStateMachine(
      `set ${missing.join(' and ')}: the reconciler starts executions of both provision and deprovision`,
    );
  }
  return { provisionArn, deprovisionArn };
}

/** Stop examining instances this long before the Lambda timeout (at most a quarter of it), so the report goes out. */
export const DEADLINE_MARGIN_MS = 15_000;

/** When a run with `remainingMs` of its invocation left stops examining instances; none outside Lambda. */
export function runDeadlineMs(remainingMs: number | undefined, nowMs: number): number | undefined {
  if (remainingMs === undefined || !(remainingMs > 0)) return undefined;
  return nowMs + remainingMs - Math.min(DEADLINE_MARGIN_MS, remainingMs / 4);
}

/**
 * Everything a scheduled run is limited by: the RECONCILE_* variables, the shared launch-intent TTL and the deadline
 * the invocation leaves.
 */
export function scheduledRunLimits(input: {
  readonly env?: NodeJS.ProcessEnv;
  readonly launchIntentTtlSeconds: number;
  readonly remainingMs: number | undefined;
  readonly nowMs: number;
}): ReconcileLimitsInput {
  const deadlineMs = runDeadlineMs(input.remainingMs, input.nowMs);
  return {
    ...loadReconcileLimits(input.env),
    launchIntentTtlMs: input.launchIntentTtlSeconds * 1000,
    ...(deadlineMs === undefined ? {} : { deadlineMs }),
  };
}
