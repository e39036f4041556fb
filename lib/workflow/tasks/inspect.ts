import {
  type ComputeInstance,
  compareInstants,
  isBeingDeleted,
  latestJob,
  needsOf,
  type ProvisioningJob,
} from '../../computeinstance';
import type { InstanceRef } from '../../sfn';
import type { ClusterAccess, TaskContext } from '../context';
import { settleStaleIntent } from '../launch-recovery';
import { shouldContinueAsNew } from '../polling';
import type { Decision, DecisionStep, InspectInput, PollState } from '../wire';
import { jobKindFor, jobNotificationsOn, pollDelay, storeRef } from './common';

// FetchInstance

/** Reads the instance fresh and turns the shared decision (`needsOf`) into the step this workflow takes next. */
export async function inspect(ctx: TaskContext, input: InspectInput): Promise<Decision> {
  const step = await decideStep(ctx, input);
  // Only the steps that wait and come back here loop; the others lead into loops that count for themselves.
  const waits = step.action === 'WaitForLaunch' || step.action === 'Backoff';
  return { ...step, continueAsNew: waits && shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION) };
}

/** What this execution serves, checked before the shared decision: a workflow never acts for another one. */
async function decideStep(ctx: TaskContext, input: InspectInput): Promise<DecisionStep> {
  const { ref, workflow, generation, deletionTimestamp } = input;
  const access = await ctx.cluster(ref.cluster);
  const instance = await access.store.get(storeRef(ref));
  if (!instance) return { action: 'Done', reason: 'the instance is gone' };
  const deleting = isBeingDeleted(instance.metadata);
  if (workflow === 'provision' && deleting) return { action: 'Done', reason: 'the instance is being deleted' };
  if (workflow === 'deprovision' && !deleting) return { action: 'Done', reason: 'the instance is not being deleted' };
  if (workflow === 'deprovision' && deletionTimestamp !== undefined) {
    const actual = instance.metadata.deletionTimestamp as string;
    // Compared as instants: a stray delete naming another instant must not do (or take the name of) the real work.
    if (compareInstants(actual, 'metadata.deletionTimestamp', deletionTimestamp, 'deletionTimestamp') !== 0) {
      return {
        action: 'Done',
        reason: `serves the deletion of ${deletionTimestamp}; the instance was deleted at ${actual}`,
      };
    }
  }
  const current = instance.metadata.generation ?? 0;
  if (workflow === 'provision' && generation !== undefined && current > generation) {
    // A newer spec has its own execution (started by its webhook or the reconciler); it takes over from here.
    return { action: 'Done', reason: `superseded by generation ${current}` };
  }
  return decisionFor(ctx, access, ref, instance);
}

/**
 * The one place the shared decision's workflow step (`needsOf(...).step`) gets what only AAP can add. Poll needs the job's kind from AAP; a
 * launch in flight past its TTL is settled with AAP's answer before the workflow waits on it again.
 */
export async function decisionFor(
  ctx: TaskContext,
  access: ClusterAccess,
  ref: InstanceRef,
  instance: ComputeInstance,
): Promise<DecisionStep> {
  const now = ctx.now();
  const step = needsOf(instance, now, access.finalizer).step;
  switch (step.action) {
    case 'Trigger':
      return { action: 'Trigger', configVersion: step.configVersion, generation: instance.metadata.generation ?? 0 };
    case 'Poll': {
      const job = latestJob(instance.status?.provisioningJobs, step.jobType) as ProvisioningJob;
      return { action: 'Poll', poll: await pollStateFor(ctx, job, now) };
    }
    case 'WaitForLaunch': {
      const settled = await settleStaleIntent(ctx, access, ref, instance, step.jobType);
      const reason = settled
        ? `settled the stale ${step.jobType} launch of ${step.intentTimestamp} with AAP's answer`
        : `a ${step.jobType} launch of ${step.intentTimestamp} is in flight`;
      return { action: 'WaitForLaunch', reason };
    }
    default:
      // Backoff, Deprovision, RemoveFinalizer, Done: the projection's step as it is.
      return step;
  }
}

async function pollStateFor(ctx: TaskContext, job: ProvisioningJob, now: Date): Promise<PollState> {
  return {
    job: { id: Number(job.jobID), kind: await jobKindFor(ctx, job.type), type: job.type },
    launchedAt: job.timestamp,
    polls: 0,
    // The same schedule as its launcher would have used, counted from the job's launch.
    waitSeconds: pollDelay(ctx, job.timestamp, now),
    notifications: jobNotificationsOn(ctx),
  };
}
