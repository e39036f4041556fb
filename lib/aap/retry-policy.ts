/**
 * Pure retry decisions for idempotent AAP requests. The transport applies them; launch POSTs never get here.
 */

export interface RetryPolicy {
  /** First backoff step; each further attempt doubles it. */
  baseDelayMs: number;
  /** No single wait exceeds this, whether it comes from Retry-After or from the backoff. */
  maxRetryAfterMs: number;
}

/**
 * `Retry-After` as milliseconds from `nowMs`: delta-seconds (`"3"`) or an HTTP-date. A date in the past means
 * "now" (0). Anything unparseable is ignored (undefined) and the backoff applies instead.
 */
export function parseRetryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value.length === 0) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // An HTTP-date always names its month; V8's Date.parse would otherwise read "-5" as a year.
  if (!/[a-z]/i.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/**
 * How long to wait before retry number `attempt` (1-based). A server's Retry-After wins (capped); otherwise capped
 * exponential backoff with "equal jitter": between half and all of the step, so retries neither bunch at zero nor
 * move in lock-step across Lambda containers.
 */
export function computeRetryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  random: () => number,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  const step = Math.min(policy.baseDelayMs * 2 ** Math.max(0, attempt - 1), policy.maxRetryAfterMs);
  return Math.round(step / 2 + random() * (step / 2));
}

/**
 * Responses worth another try: throttling, server/proxy errors, redirects (AAP sends API calls to a
 * `/migrations_notran/` page during upgrades) and 2xx bodies that are not JSON (the same page, once followed).
 */
export function isTransientResponse(status: number, bodyIsJson: boolean): boolean {
  if (status === 429 || status >= 500) return true;
  if (status >= 300 && status < 400) return true;
  return status >= 200 && status < 300 && !bodyIsJson;
}

/** Failures without a response that a second attempt may cure. DNS misses and TLS errors are not among them. */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

export function isRetryableNetworkCode(code: string | undefined): boolean {
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

export function isTimeoutCode(code: string | undefined): boolean {
  return code === 'ETIMEDOUT' || code === 'ECONNABORTED';
}

/**
 * Codes raised before a request could reach the server: a launch that failed this way certainly did not happen.
 * Everything else (a reset, a timeout, a 5xx) leaves the launch outcome unknown.
 */
const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
]);

export function requestCertainlyNotSent(code: string | undefined): boolean {
  return code !== undefined && NOT_SENT_CODES.has(code);
}
