import * as z from 'zod';
import type { ComputeInstance, StatusPatch } from '../computeinstance';

// The ComputeInstance store contract workflows depend on; every implementation (the API-server store in
// compute-instances.ts, the in-memory one in memory-store.ts) must honour it, and test/kube/store-contract.ts checks
// that both do.

export const ComputeInstanceRef = z.strictObject({
  namespace: z.string().min(1),
  name: z.string().min(1),
  /** When given, an object under the same name with another uid counts as gone: ours was deleted and recreated. */
  uid: z.string().min(1).optional(),
});
export type ComputeInstanceRef = z.infer<typeof ComputeInstanceRef>;

export const ListOptions = z.strictObject({
  /** Omitted: every namespace (refused when the cluster restricts namespaces). */
  namespace: z.string().min(1).optional(),
  limit: z.int().min(1),
  continueToken: z.string().min(1).optional(),
  labelSelector: z.string().min(1).optional(),
});
export type ListOptions = z.infer<typeof ListOptions>;

export interface InvalidListItem {
  namespace: string | undefined;
  name: string | undefined;
  uid: string | undefined;
  message: string;
  /** What our schema refuses, field by field (`spec.x: …; status.y: …`), for the object's condition. */
  problem: string;
}

export interface ListPage {
  items: ComputeInstance[];
  /** Items the API server holds but our schema refuses; skipped, named here so callers can report them. */
  invalid: InvalidListItem[];
  /** Present while more pages remain; pass it back as `continueToken`. */
  continueToken?: string;
  resourceVersion: string;
}

/**
 * Computes the status fields to set from the freshly read object. It must be pure: it runs again on every retry,
 * against the newer object. `undefined` means "nothing to write".
 */
export type StatusMutation = (current: ComputeInstance) => StatusPatch | undefined;

export interface WriteOptions {
  /** Tries before giving up with `Conflict`; default 8. */
  maxAttempts?: number;
}

export interface WriteResult {
  /** The object after the write, or as read when nothing needed writing. */
  instance: ComputeInstance;
  changed: boolean;
}

export interface RemoveFinalizerResult {
  /** Undefined when the object is gone (for instance because ours was its last finalizer). */
  instance: ComputeInstance | undefined;
  changed: boolean;
}

export interface ComputeInstanceStore {
  /** The object, or undefined when it does not exist or exists under another uid than `ref.uid`. */
  get(ref: ComputeInstanceRef): Promise<ComputeInstance | undefined>;
  list(options: ListOptions): Promise<ListPage>;
  /** Read, mutate, conditional merge patch of `/status`, retried on conflict. Throws InstanceGone, Conflict, … */
  updateStatus(ref: ComputeInstanceRef, mutate: StatusMutation, options?: WriteOptions): Promise<WriteResult>;
  /** Adds `finalizer` unless present. Throws `Deleting` once the object is being deleted. */
  addFinalizer(ref: ComputeInstanceRef, finalizer: string, options?: WriteOptions): Promise<WriteResult>;
  /** Removes `finalizer` and only it; done when it is already absent or the object is gone. */
  removeFinalizer(ref: ComputeInstanceRef, finalizer: string, options?: WriteOptions): Promise<RemoveFinalizerResult>;
  /**
   * Sets the Unprocessable condition naming `problem`, or clears it (`undefined`), on an object read raw: it works
   * on objects our schema refuses. Returns whether it wrote. Throws InstanceGone, Conflict, …
   */
  setUnprocessable(ref: ComputeInstanceRef, problem: string | undefined, now: Date): Promise<boolean>;
}
