import { setCondition } from './conditions';
import { type ComputeInstance, TENANT_ANNOTATION } from './schema';
import type { StatusPatch } from './status-common';

// The tenant a provision launch needs, resolved as the OSAC operator does: the instance's `osac.openshift.io/tenant`
// annotation names a Tenant in the tenant namespace; a missing or deleting one blocks the launch.

/** Set on the instance whenever a provision launch resolves (or fails to resolve) its tenant. */
export const TENANT_RESOLVED_CONDITION = 'TenantResolved';

export const TenantUnresolvedReason = {
  TenantAnnotationMissing: 'TenantAnnotationMissing',
  TenantNotFound: 'TenantNotFound',
  TenantDeleting: 'TenantDeleting',
  /** The API server refused the read: the cluster's token lacks `get` on tenants. */
  TenantUnreadable: 'TenantUnreadable',
} as const;
export type TenantUnresolvedReason = (typeof TenantUnresolvedReason)[keyof typeof TenantUnresolvedReason];

/** The Tenant fields the decision reads (lib/k8s/tenants.ts parses them from the API server's answer). */
export interface TenantFacts {
  metadata: { name: string; namespace: string; deletionTimestamp?: string };
  status?: { storageClasses?: ReadonlyArray<{ name: string; tier: string }> };
}

export type TenantResolution =
  | {
      resolved: true;
      reference: { name: string; namespace: string };
      /** `[{name, tier}]`, exactly those two keys; empty when the tenant has none (then left out of the launch). */
      storageClasses: Array<{ name: string; tier: string }>;
    }
  | { resolved: false; reason: TenantUnresolvedReason; message: string };

/** The tenant name the instance's annotation gives, or undefined when it is absent or blank. */
export function tenantNameOf(instance: ComputeInstance): string | undefined {
  const name = instance.metadata.annotations?.[TENANT_ANNOTATION]?.trim();
  return name === undefined || name === '' ? undefined : name;
}

/**
 * What the launch may do given the annotation and the Tenant read for it (`undefined`: none of that name in
 * `tenantNamespace`; not consulted when the annotation is missing).
 */
export function resolveTenant(
  instance: ComputeInstance,
  tenant: TenantFacts | undefined,
  tenantNamespace: string,
): TenantResolution {
  const name = tenantNameOf(instance);
  if (name === undefined) {
    return {
      resolved: false,
      reason: TenantUnresolvedReason.TenantAnnotationMissing,
      message: `annotation ${TENANT_ANNOTATION} is missing: it must name the Tenant (in namespace ${tenantNamespace}) this instance belongs to; provisioning waits until it is set`,
    };
  }
  if (tenant === undefined) {
    return {
      resolved: false,
      reason: TenantUnresolvedReason.TenantNotFound,
      message: `Tenant ${tenantNamespace}/${name} (named by annotation ${TENANT_ANNOTATION}) does not exist; provisioning waits until it does`,
    };
  }
  if (tenant.metadata.deletionTimestamp !== undefined) {
    return {
      resolved: false,
      reason: TenantUnresolvedReason.TenantDeleting,
      message: `Tenant ${tenantNamespace}/${name} is being deleted (since ${tenant.metadata.deletionTimestamp}); provisioning waits for a tenant that is not`,
    };
  }
  return {
    resolved: true,
    reference: { name, namespace: tenantNamespace },
    storageClasses: (tenant.status?.storageClasses ?? []).map(({ name: className, tier }) => ({
      name: className,
      tier,
    })),
  };
}

/**
 * The status to write for a resolution: `tenantReference` and TenantResolved=True when found (before the launch,
 * so the playbook reads the reference on the object it receives), TenantResolved=False naming the cause otherwise.
 * Undefined when the status already says so.
 */
export function onTenantResolution(
  instance: ComputeInstance,
  resolution: TenantResolution,
  now: Date,
): StatusPatch | undefined {
  const current = instance.status?.conditions;
  const generation = instance.metadata.generation;
  if (!resolution.resolved) {
    const conditions = setCondition(
      current,
      { type: TENANT_RESOLVED_CONDITION, status: 'False', reason: resolution.reason, message: resolution.message },
      now,
      generation,
    );
    return conditions === current ? undefined : { conditions: [...conditions] };
  }
  const { name, namespace } = resolution.reference;
  const conditions = setCondition(
    current,
    { type: TENANT_RESOLVED_CONDITION, status: 'True', reason: 'TenantFound', message: `Tenant ${namespace}/${name}` },
    now,
    generation,
  );
  const reference = instance.status?.tenantReference;
  const sameReference = reference?.name === name && reference?.namespace === namespace;
  if (sameReference && conditions === current) return undefined;
  return {
    ...(sameReference ? {} : { tenantReference: { name, namespace } }),
    ...(conditions === current ? {} : { conditions: [...conditions] }),
  };
}

/** The Tenant could not be read at all (Forbidden): the fix is the token's RBAC, which the message names. */
export function tenantUnreadable(name: string, tenantNamespace: string, detail: string): TenantResolution {
  return {
    resolved: false,
    reason: TenantUnresolvedReason.TenantUnreadable,
    message: `cannot read Tenant ${tenantNamespace}/${name}: the cluster's token needs "get" on tenants.osac.openshift.io (${detail}); provisioning waits until it can`,
  };
}
