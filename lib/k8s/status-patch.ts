import * as z from 'zod';
import {
  type ComputeInstance,
  ComputeInstanceStatus,
  Condition,
  canonicalJson,
  Phase,
  ProvisioningJob,
  type StatusPatch,
  TenantReference,
} from '../computeinstance';
import { describeIssues } from '../runtime/issues';
import { InvalidError } from './errors';

/**
 * The status fields this project owns and may write (the `StatusPatch` of lib/computeinstance), as a schema the
 * store checks every patch against before it goes out. Each present key is the field's complete new value.
 * Fields maintained by others (ipAddress, virtualMachineReference, …) are refused, so a write of ours can never
 * carry a stale copy of them.
 */
export const OwnedStatusPatch = z.strictObject({
  phase: Phase.optional(),
  conditions: z.array(Condition).optional(),
  provisioningJobs: z.array(ProvisioningJob).optional(),
  desiredConfigVersion: z.string().optional(),
  lastRestartedAt: ComputeInstanceStatus.shape.lastRestartedAt,
  // Written once the annotation's Tenant is resolved, before a provision launch (as the operator does).
  tenantReference: TenantReference.optional(),
}) satisfies z.ZodType<StatusPatch>;

export function parseStatusPatch(value: unknown, what: string): StatusPatch {
  const result = OwnedStatusPatch.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidError(
    `${what}: mutate returned an invalid status patch: ${describeIssues(result.error, ['status'])}`,
  );
}

/**
 * The part of `patch` that differs from the instance's current status, or undefined when nothing would change.
 * Values are compared as canonical JSON (key order and `undefined` members do not count).
 */
export function changedStatusFields(instance: ComputeInstance, patch: StatusPatch): StatusPatch | undefined {
  const current: Record<string, unknown> = instance.status ?? {};
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (current[field] === undefined || canonicalJson(current[field]) !== canonicalJson(value)) {
      changed[field] = value;
    }
  }
  return Object.keys(changed).length === 0 ? undefined : (changed as StatusPatch);
}

/**
 * The JSON merge patch for the `/status` subresource. `metadata.resourceVersion` makes it conditional: the server
 * answers 409 unless the object is still the version `changes` were computed from. That precondition is what
 * keeps other writers' entries: arrays are atomic in a merge patch, so without it a `provisioningJobs` computed
 * from a stale read would silently drop a job another writer appended in between.
 */
export function statusMergePatch(instance: ComputeInstance, changes: StatusPatch): Record<string, unknown> {
  const resourceVersion = instance.metadata.resourceVersion;
  if (resourceVersion === undefined || resourceVersion === '') {
    throw new InvalidError(
      `${instance.metadata.namespace}/${instance.metadata.name}: has no resourceVersion to write against`,
    );
  }
  return { metadata: { resourceVersion }, status: changes };
}
