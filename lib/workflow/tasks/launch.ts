import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { AapError, type AapJobKind, isIgnoredFieldsError } from '../../aap';
import {
  type ComputeInstance,
  deprovisionIntentPatch,
  formatMetaTime,
  type IntentRefusal,
  isIntentRefusal,
  onJobLaunched,
  onJobProgress,
  onLaunchFailed,
  onTenantResolution,
  provisionIntentPatch,
  resolveTenant,
  type StatusPatch,
  tenantNameOf,
  tenantUnreadable,
} from '../../computeinstance';
import type { JobType } from '../../domain/job-state';
import { isStoreError } from '../../k8s';
import type { InstanceRef } from '../../sfn';
import type { ClusterAccess, TaskContext } from '../context';
import { InstanceDeleting, LaunchNotNeeded, ProvisionJobStillRunning, TenantNotReady } from '../errors';
import type { JobRef, LaunchInput, PollState } from '../wire';
import {
  jobKindFor,
  jobMetricPrefix,
  jobNotificationsOn,
  pollDelay,
  readInstance,
  templateFor,
  writeStatus,
} from './common';

// LaunchProvisionJob / LaunchDeprovisionJob

const REFUSALS = { InstanceDeleting, LaunchNotNeeded, ProvisionJobStillRunning } as const;

/** The intent as a store mutation: a refusal on the fresh object is the named error the state machine branches on. */
function intentMutation(
  type: JobType,
  options: Parameters<typeof provisionIntentPatch>[1],
): (instance: ComputeInstance) => StatusPatch {
  const patch = type === 'provision' ? provisionIntentPatch : deprovisionIntentPatch;
  return (instance) => {
    const result: StatusPatch | IntentRefusal = patch(instance, options);
    if (isIntentRefusal(result)) throw new REFUSALS[result.refused](result.reason);
    return result;
  };
}

/** Intent on record (conditionally), then the launch, then the job's id on record before returning. */
export async function launch(ctx: TaskContext, input: LaunchInput): Promise<PollState> {
  const { ref, type, execution } = input;
  const access = await ctx.cluster(ref.cluster);
  const now = ctx.now();
  const intentTimestamp = formatMetaTime(now);
  const mutate = intentMutation(type, {
    now,
    execution,
    finalizer: access.finalizer,
    maxHistory: ctx.settings.MAX_JOB_HISTORY,
  });
  // Today's create playbook reads status.tenantReference and needs the tenant's storage classes; delete needs neither.
  const tenantStorageClasses = type === 'provision' ? await resolveTenantForLaunch(ctx, access, ref, now, mutate) : [];
  const instance = await writeStatus(access, ref, mutate);

  const template = templateFor(ctx, type);
  let launched: { jobId: number; kind: AapJobKind };
  try {
    // The object as it is now (intent, deletionTimestamp and fields this code does not know included) is what the
    // playbooks read. The cluster id and the cluster's own AAP credentials keep one AAP serving many clusters from
    // acting on the wrong one.
    launched = await ctx.aap.launch(template, {
      payload: instance,
      jobVars: access.cluster.aapJobVars ?? ctx.settings.AAP_JOB_VARS,
      cluster: ref.cluster,
      credentials: access.cluster.aapCredentials,
      // Sent as tenant_storage_classes in each envelope; left out when empty, as the operator does.
      tenantStorageClasses,
    });
  } catch (err) {
    await recordLaunchFailure(ctx, access, ref, type, intentTimestamp, err);
    throw err;
  }
  await writeStatus(access, ref, (current) =>
    onJobLaunched(current, { intentTimestamp, jobID: String(launched.jobId), type }),
  );
  ctx.metrics.addMetric(`${jobMetricPrefix(type)}JobsLaunched`, MetricUnit.Count, 1);
  return {
    job: { id: launched.jobId, kind: launched.kind, type },
    launchedAt: intentTimestamp,
    polls: 0,
    waitSeconds: pollDelay(ctx, intentTimestamp, now),
    notifications: jobNotificationsOn(ctx),
  };
}

/** Unset everywhere: the instance's own namespace (the operator keeps its instances and Tenants in its own). */
export function tenantNamespaceFor(ctx: TaskContext, access: ClusterAccess, ref: InstanceRef): string {
  return access.cluster.tenantNamespace ?? ctx.settings.TENANT_NAMESPACE ?? ref.namespace;
}

/**
 * Resolves the Tenant the instance's annotation names and records the outcome on the instance (conditionally):
 * `tenantReference` before the launch, so the payload carries it, or TenantResolved=False naming the cause and
 * TenantNotReady for the state machine to wait and look again. Returns the tenant's storage classes.
 */
async function resolveTenantForLaunch(
  ctx: TaskContext,
  access: ClusterAccess,
  ref: InstanceRef,
  now: Date,
  intent: (instance: ComputeInstance) => StatusPatch,
): Promise<Array<{ name: string; tier: string }>> {
  const namespace = tenantNamespaceFor(ctx, access, ref);
  const instance = await readInstance(access, ref);
  // A launch refused anyway (managed by hand, not needed, being deleted) is refused first, with its own error, and
  // leaves no tenant condition behind; the intent write re-checks on the object it writes.
  intent(instance);
  const name = tenantNameOf(instance);
  let tenant: Awaited<ReturnType<typeof access.tenants.get>>;
  let unreadable: string | undefined;
  try {
    tenant = name === undefined ? undefined : await access.tenants.get(namespace, name);
  } catch (err) {
    // Said on the instance (it needs a person to fix RBAC); anything else (Transient) is retried by the state machine.
    if (!isStoreError(err, 'Forbidden')) throw err;
    unreadable = (err as Error).message;
  }
  let resolution: ReturnType<typeof resolveTenant> | undefined;
  await writeStatus(access, ref, (current) => {
    if (tenantNameOf(current) !== name) {
      throw new TenantNotReady(`annotation ${name} changed while its Tenant was read; resolving again`);
    }
    resolution =
      unreadable !== undefined && name !== undefined
        ? tenantUnreadable(name, namespace, unreadable)
        : resolveTenant(current, tenant, namespace);
    return onTenantResolution(current, resolution, now);
  });
  if (!resolution?.resolved) {
    ctx.metrics.addMetric('TenantNotResolved', MetricUnit.Count, 1);
    throw new TenantNotReady(resolution?.message ?? 'tenant not resolved');
  }
  return resolution.storageClasses;
}

/**
 * A refused launch becomes a Failed record (so the next decision backs off). When AAP may have created the job
 * anyway (timeout, 5xx) the intent stays: abandoning it could let a deprovision run beside an unseen job.
 * VariablesIgnored and CredentialsIgnored did create a job - one that runs without our variables or without the
 * cluster's credentials - so it is cancelled and recorded, its message (naming the template setting) on the status.
 */
async function recordLaunchFailure(
  ctx: TaskContext,
  access: ClusterAccess,
  ref: InstanceRef,
  type: JobType,
  intentTimestamp: string,
  err: unknown,
): Promise<void> {
  if (err instanceof AapError && err.launchOutcomeUnknown) return;
  const now = ctx.now();
  if (isIgnoredFieldsError(err) && err.jobId !== undefined) {
    const jobRef: JobRef = { id: err.jobId, kind: await jobKindFor(ctx, type), type };
    await ctx.aap.cancelJob(jobRef).catch(() => undefined);
    const jobID = String(err.jobId);
    await writeStatus(access, ref, (current) => onJobLaunched(current, { intentTimestamp, jobID, type }));
    await writeStatus(access, ref, (current) =>
      onJobProgress(current, { jobID, type, state: 'Failed', message: err.message, now }),
    );
    return;
  }
  const detail = err instanceof Error ? err.message : String(err);
  await writeStatus(access, ref, (current) =>
    onLaunchFailed(current, { intentTimestamp, type, errorDetail: detail, now }),
  );
}
