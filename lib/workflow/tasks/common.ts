import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type AapJob, type AapJobKind, JobNotFound } from '../../aap';
import { type ComputeInstance, instantMs, type StatusPatch } from '../../computeinstance';
import type { JobType } from '../../domain/job-state';
import { type ComputeInstanceRef, isStoreError } from '../../k8s';
import type { InstanceRef } from '../../sfn';
import type { ClusterAccess, TaskContext } from '../context';
import { InstanceDeleting, InstanceGone } from '../errors';
import { nextPollDelaySeconds, type PollSchedule } from '../polling';
import type { JobRef } from '../wire';

// What several tasks share: reading and writing the instance through the store, the templates, the poll schedule.

export function storeRef(ref: InstanceRef): ComputeInstanceRef {
  return { namespace: ref.namespace, name: ref.name, uid: ref.uid };
}

export function describe(ref: InstanceRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}

/** Store errors keep their names (InstanceGone, Transient, Conflict); `Deleting` reads better in the console as this. */
export function translateStoreError(err: unknown): never {
  if (isStoreError(err, 'Deleting')) throw new InstanceDeleting((err as Error).message);
  throw err;
}

export async function readInstance(access: ClusterAccess, ref: InstanceRef): Promise<ComputeInstance> {
  const instance = await access.store.get(storeRef(ref));
  if (!instance) throw new InstanceGone(`${describe(ref)} (uid ${ref.uid}) is gone`);
  return instance;
}

export async function writeStatus(
  access: ClusterAccess,
  ref: InstanceRef,
  mutate: (current: ComputeInstance) => StatusPatch | undefined,
): Promise<ComputeInstance> {
  try {
    return (await access.store.updateStatus(storeRef(ref), mutate)).instance;
  } catch (err) {
    return translateStoreError(err);
  }
}

export function templateFor(ctx: TaskContext, type: JobType): string {
  return type === 'provision' ? ctx.settings.AAP_PROVISION_TEMPLATE : ctx.settings.AAP_DEPROVISION_TEMPLATE;
}

/** Status records only the job's number; the template's type says whether it is a job or a workflow job. */
export async function jobKindFor(ctx: TaskContext, type: JobType): Promise<AapJobKind> {
  const template = await ctx.aap.findTemplate(templateFor(ctx, type));
  return template.type === 'workflow_job_template' ? 'workflow_job' : 'job';
}

// The timestamps come from status, which others may write too: read them as the API server accepts them.
function secondsBetween(fromIso: string, to: Date): number {
  return Math.max(0, (to.getTime() - instantMs(fromIso, 'job timestamp')) / 1000);
}

/**
 * Whether the waits for an AAP job end on AAP's notification (JOB_NOTIFICATIONS=on): the task results say so, and
 * the state machine then waits in a `.waitForTaskToken` task whose timeout is the (fallback) poll interval.
 */
export function jobNotificationsOn(ctx: TaskContext): boolean {
  return ctx.settings.JOB_NOTIFICATIONS === 'on';
}

/**
 * The one schedule of every loop that waits on AAP (a job's polls, a cancel's looks), from the settings; a wait a
 * notification can end (`notified`) takes the stretched fallback schedule (lib/workflow/polling.ts).
 */
export function pollSchedule(ctx: TaskContext, notified = false): PollSchedule {
  const s = ctx.settings;
  return notified
    ? {
        minSeconds: s.FALLBACK_POLL_MIN_SECONDS,
        maxSeconds: s.FALLBACK_POLL_MAX_SECONDS,
        fraction: s.FALLBACK_POLL_FRACTION,
      }
    : { minSeconds: s.POLL_MIN_SECONDS, maxSeconds: s.POLL_MAX_SECONDS, fraction: s.POLL_FRACTION };
}

/** The wait before the next look at a job AAP started (or was asked to cancel) at `since`. */
export function pollDelay(ctx: TaskContext, since: string, now: Date, notified = jobNotificationsOn(ctx)): number {
  return nextPollDelaySeconds(secondsBetween(since, now), pollSchedule(ctx, notified));
}

/** The schedule's first, shortest wait: for a look at something not yet under way (no notification can end it). */
export function firstPollDelay(ctx: TaskContext, notified = false): number {
  return nextPollDelaySeconds(0, pollSchedule(ctx, notified));
}

/** The job as AAP holds it now, or `purged` when AAP no longer knows it. */
export async function readJob(ctx: TaskContext, job: JobRef): Promise<AapJob | 'purged'> {
  try {
    return await ctx.aap.getJob({ id: job.id, kind: job.kind });
  } catch (err) {
    if (err instanceof JobNotFound || (err as Error).name === 'JobNotFound') return 'purged';
    throw err;
  }
}

export function jobMetricPrefix(type: JobType): string {
  return type === 'provision' ? 'Provision' : 'Deprovision';
}

export function recordOutcomeMetrics(ctx: TaskContext, job: JobRef, seen: AapJob | 'purged', now: Date): void {
  const state = seen === 'purged' ? 'Purged' : seen.state;
  ctx.metrics.addMetric(`${jobMetricPrefix(job.type)}Jobs${state}`, MetricUnit.Count, 1);
  if (seen !== 'purged' && seen.finished) {
    // How long after AAP finished the job we noticed: the price of polling instead of being told.
    ctx.metrics.addMetric('DetectionLag', MetricUnit.Seconds, secondsBetween(seen.finished, now));
  }
}
