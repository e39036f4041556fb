import * as z from 'zod';
import {
  type ComputeInstanceStoreError,
  ConflictError,
  ForbiddenError,
  InstanceGoneError,
  InvalidError,
  type ServerResponse,
  TransientError,
} from './errors';

/**
 * Turns whatever `@kubernetes/client-node` threw into one of the store's errors. The library's `ApiException`
 * carries `code` and the raw response body; fetch failures carry a `cause` with a socket error code. Both are read
 * by shape, not by `instanceof`: the library may be loaded in another realm (jest) or another bundle.
 */

/** The `Status` object the API server returns with every error. */
const KubeStatus = z.looseObject({
  message: z.string().optional(),
  reason: z.string().optional(),
});

export interface FailureContext {
  /** e.g. `updateStatus osac-computeinstance/vm-1 on cluster dev`. */
  readonly what: string;
  /** Values that must never appear in a message (the bearer token). */
  readonly secrets: ReadonlyArray<string>;
}

/** The HTTP status of a client-node `ApiException`, or undefined for anything else. */
function httpStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' && code >= 100 && code <= 599 ? code : undefined;
}

function parseStatusBody(body: unknown): z.infer<typeof KubeStatus> | undefined {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const parsed = KubeStatus.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/** The socket error code (`ECONNREFUSED`) or abort reason of a failed fetch, never its message or request. */
function networkFailureOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, cause } = error as { name?: unknown; cause?: unknown };
  if (name === 'TimeoutError' || name === 'AbortError') return 'request timed out';
  const causeCode = (cause as { code?: unknown } | null | undefined)?.code;
  if (typeof causeCode === 'string') return `network error (${causeCode})`;
  if (name === 'TypeError' && (error as { message?: unknown }).message === 'fetch failed') return 'network error';
  return undefined;
}

function scrub(text: string, secrets: ReadonlyArray<string>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== '') out = out.split(secret).join('[REDACTED]');
  }
  return out;
}

/** Maps a failed API call onto InstanceGone / Conflict / Transient / Forbidden / Invalid, naming what failed. */
export function toStoreError(error: unknown, context: FailureContext): ComputeInstanceStoreError {
  const statusCode = httpStatusOf(error);
  if (statusCode === undefined) {
    const network = networkFailureOf(error);
    const detail = network ?? `unexpected ${describeThrown(error)}`;
    return new TransientError(scrub(`${context.what}: ${detail}`, context.secrets));
  }
  const status = parseStatusBody((error as { body?: unknown }).body);
  const response: ServerResponse = { statusCode, reason: status?.reason };
  const serverMessage = status?.message ? `: ${status.message}` : '';
  const message = scrub(`${context.what}: HTTP ${statusCode}${serverMessage}`, context.secrets);
  if (statusCode === 404) return new InstanceGoneError(message, response);
  // 410: a list continue token expired. Both mean "the state moved on: read again".
  if (statusCode === 409 || statusCode === 410) return new ConflictError(message, response);
  if (statusCode === 401 || statusCode === 403) return new ForbiddenError(message, response);
  if (statusCode === 429 || statusCode >= 500) return new TransientError(message, response);
  return new InvalidError(message, response);
}

/** A short, secret-free description of a non-HTTP throwable: its name only. */
function describeThrown(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return typeof error;
}
