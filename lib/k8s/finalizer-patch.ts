import type { ComputeInstance } from '../computeinstance';
import { InvalidError } from './errors';

/**
 * Finalizer changes as JSON patches (RFC 6902) on the main resource, decided from the object as last read.
 *
 * Never a full-object PUT or a client-side apply: both send more than the finalizer list. An apply computed from
 * `last-applied-configuration` can delete `spec` (rejected: `spec: Required value`), and a PUT of a stale copy
 * rewrites the whole finalizer list, resurrecting or dropping other controllers' finalizers. A JSON patch names
 * exactly one entry, and its `test` operations make the server refuse it (422) when the list is no longer the one
 * the decision was made on; the caller then re-reads and decides again.
 */

export type JsonPatchOperation =
  | { op: 'test'; path: string; value: unknown }
  | { op: 'add'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export type FinalizerPlan =
  /** Nothing to write: already there (add) or already gone (remove). */
  | { action: 'none' }
  /** The object is being deleted; the API server forbids new finalizers then. */
  | { action: 'deleting' }
  | { action: 'patch'; operations: JsonPatchOperation[] };

/** Every patch first checks the uid: a same-named object recreated since our read must not be touched. */
function uidGuard(instance: ComputeInstance): JsonPatchOperation[] {
  const uid = instance.metadata.uid;
  return uid === undefined ? [] : [{ op: 'test', path: '/metadata/uid', value: uid }];
}

export function planAddFinalizer(instance: ComputeInstance, finalizer: string): FinalizerPlan {
  const { finalizers, deletionTimestamp, resourceVersion } = instance.metadata;
  if (finalizers?.includes(finalizer)) return { action: 'none' };
  if (deletionTimestamp !== undefined) return { action: 'deleting' };
  if (finalizers === undefined) {
    // A `test` cannot assert that a path is absent; the resourceVersion pins the object as read, list absent
    // included. Any write in between makes this fail and costs one re-read.
    if (resourceVersion === undefined || resourceVersion === '') {
      throw new InvalidError(
        `${instance.metadata.namespace}/${instance.metadata.name}: has no resourceVersion to write against`,
      );
    }
    return {
      action: 'patch',
      operations: [
        ...uidGuard(instance),
        { op: 'test', path: '/metadata/resourceVersion', value: resourceVersion },
        { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
      ],
    };
  }
  return {
    action: 'patch',
    operations: [
      ...uidGuard(instance),
      { op: 'test', path: '/metadata/finalizers', value: finalizers },
      { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
    ],
  };
}

export function planRemoveFinalizer(instance: ComputeInstance, finalizer: string): FinalizerPlan {
  const finalizers = instance.metadata.finalizers ?? [];
  const indexes = finalizers.flatMap((entry, index) => (entry === finalizer ? [index] : []));
  if (indexes.length === 0) return { action: 'none' };
  // Highest index first, so removing one entry does not shift the ones still to be removed.
  const operations = indexes.reverse().flatMap((index): JsonPatchOperation[] => {
    const path = `/metadata/finalizers/${index}`;
    return [
      { op: 'test', path, value: finalizer },
      { op: 'remove', path },
    ];
  });
  return { action: 'patch', operations: [...uidGuard(instance), ...operations] };
}
