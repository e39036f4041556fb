/**
 * Pure retry decisions for idempotent AAP requests: what is worth another try. How long to wait is the runtime's
 * one retry policy (lib/runtime/retry.ts). The transport applies both; launch POSTs never get here.
 */

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
