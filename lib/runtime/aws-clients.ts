/**
 * One configuration for every AWS SDK client we build (Step Functions, Secrets Manager): bounded attempts and
 * per-attempt timeouts, where the SDK's defaults have no request timeout at all. Inside an invocation the calls are
 * also cut off at its deadline (deadlineSignal in lib/runtime/deadline.ts).
 */
export interface AwsCallLimits {
  /** Attempts per call, the first included (the SDK's standard retry strategy). */
  readonly maxAttempts: number;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** The standard strategy's largest total wait between those attempts (throttling: 500 ms base, doubling). */
  readonly maxTotalBackoffMs: number;
}

/** Task functions and the reconciler (30 s and more). */
export const AWS_CALL_LIMITS: AwsCallLimits = {
  maxAttempts: 3,
  connectionTimeoutMs: 2_000,
  requestTimeoutMs: 5_000,
  // Throttled: ≤ 1 s, then ≤ 2 s.
  maxTotalBackoffMs: 3_000,
};

/** The webhook (10 s, and API Gateway waits at most 30 s): fewer, shorter attempts; the sender retries a 503. */
export const WEBHOOK_AWS_CALL_LIMITS: AwsCallLimits = {
  maxAttempts: 2,
  connectionTimeoutMs: 1_000,
  requestTimeoutMs: 2_000,
  maxTotalBackoffMs: 1_000,
};

/** Worst case of one call with every attempt timing out: what must fit in the caller's time budget. */
export function awsCallWorstCaseMs(limits: AwsCallLimits): number {
  return limits.maxAttempts * (limits.connectionTimeoutMs + limits.requestTimeoutMs) + limits.maxTotalBackoffMs;
}

/** `AWS_MAX_ATTEMPTS` (the SDK's own setting) may lower the attempts, never raise them past the budget. */
export function awsClientConfig(limits: AwsCallLimits, endpoint?: string, env: NodeJS.ProcessEnv = process.env) {
  const fromEnv = Number.parseInt(env.AWS_MAX_ATTEMPTS ?? '', 10);
  return {
    maxAttempts: fromEnv >= 1 ? Math.min(fromEnv, limits.maxAttempts) : limits.maxAttempts,
    requestHandler: { connectionTimeout: limits.connectionTimeoutMs, requestTimeout: limits.requestTimeoutMs },
    ...(endpoint ? { endpoint } : {}),
  };
}

/** `ResourceNotFoundException: Secrets Manager can't find the specified secret.` — AWS errors hold no secret value. */
export function describeAwsError(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause ?? error;
  const { name, message } = (cause ?? {}) as { name?: unknown; message?: unknown };
  return [name, message].filter((part) => typeof part === 'string' && part !== '').join(': ') || 'unknown error';
}
