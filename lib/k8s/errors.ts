/**
 * The errors the ComputeInstance store throws. Every class sets `name` explicitly: bundlers mangle class names, and
 * callers (and Step Functions `ErrorEquals`) match on `name`, never on `instanceof` across bundles.
 *
 * None of them carries the client library's error as `cause`: those hold request options, and request options hold
 * the bearer token.
 */

export const STORE_ERROR_NAMES = ['InstanceGone', 'Conflict', 'Transient', 'Forbidden', 'Invalid', 'Deleting'] as const;
export type StoreErrorName = (typeof STORE_ERROR_NAMES)[number];

/** What the API server said, when it said anything: the HTTP status and the `Status.reason` of its body. */
export interface ServerResponse {
  readonly statusCode: number;
  readonly reason?: string;
}

export abstract class ComputeInstanceStoreError extends Error {
  abstract override readonly name: StoreErrorName;
  readonly statusCode: number | undefined;
  readonly reason: string | undefined;

  constructor(message: string, response?: ServerResponse) {
    super(message);
    this.statusCode = response?.statusCode;
    this.reason = response?.reason;
  }
}

/** The object is not there (404), or it is there under another uid: ours was deleted and recreated. */
export class InstanceGoneError extends ComputeInstanceStoreError {
  override readonly name = 'InstanceGone';
}

/** The object kept changing under us (409 / failed precondition) after every bounded retry. */
export class ConflictError extends ComputeInstanceStoreError {
  override readonly name = 'Conflict';
}

/** 5xx, 429, timeouts and network failures that outlived the store's own retries: try again later. */
export class TransientError extends ComputeInstanceStoreError {
  override readonly name = 'Transient';
}

/** 401/403 from the API server, or a namespace the cluster configuration does not allow. */
export class ForbiddenError extends ComputeInstanceStoreError {
  override readonly name = 'Forbidden';
}

/** The API server refused the content (422 and other 4xx), or a value failed our own schema; the message says why. */
export class InvalidError extends ComputeInstanceStoreError {
  override readonly name = 'Invalid';
}

/** The object is being deleted, so it must not gain a finalizer, and no job may be launched for it. */
export class DeletingError extends ComputeInstanceStoreError {
  override readonly name = 'Deleting';
}

/** True for any store error, or only for the named one; works across bundles because it looks at `name`. */
export function isStoreError(error: unknown, name?: StoreErrorName): error is ComputeInstanceStoreError {
  if (typeof error !== 'object' || error === null) return false;
  const errorName = (error as { name?: unknown }).name;
  if (name !== undefined) return errorName === name;
  return (STORE_ERROR_NAMES as ReadonlyArray<unknown>).includes(errorName);
}
