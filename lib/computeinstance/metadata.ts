import { MANAGEMENT_STATE_ANNOTATION, type ObjectMeta } from './schema';

/**
 * What the `osac.openshift.io/management-state` annotation asks of us. Any value other than `unmanaged` or
 * `manual` (including none) means we manage the instance, as the operator did.
 */
export type ManagementState = 'managed' | 'unmanaged' | 'manual';

export function managementState(metadata: ObjectMeta): ManagementState {
  const value = metadata.annotations?.[MANAGEMENT_STATE_ANNOTATION];
  return value === 'unmanaged' || value === 'manual' ? value : 'managed';
}

export function isBeingDeleted(metadata: ObjectMeta): boolean {
  return metadata.deletionTimestamp !== undefined;
}

export function hasFinalizer(metadata: ObjectMeta, finalizer: string): boolean {
  return metadata.finalizers?.includes(finalizer) ?? false;
}
