import { isTerminalJobState, type JobState, type JobType } from '../domain/job-state';
import { nextAction } from './actions';
import { isLaunchIntent, latestJob } from './jobs';
import { isBeingDeleted } from './metadata';
import type { ComputeInstance } from './schema';
import { onDeprovisionStarted, onJobProgress, onProvisionLaunchIntent, type StatusPatch } from './status';

// The status mutations the workflow tasks write through the store. Pure: the store runs them again on every
// conflict retry, against the newer object, so each decides on the object it is given and nothing else.

/** What AAP said about a job at one look, or `purged` when AAP no longer knows it. */
export type JobSighting = { state: JobState; status: string; errorDetail?: string } | 'purged';

/** A job AAP no longer knows (purged) is terminal; its outcome is unknown, so it counts as failed. */
export const PURGED_MESSAGE = 'purged from AAP before its outcome was read';

/** The status entry of `job` brought up to what AAP says; nothing when the entry is not ours or already final. */
export function jobProgressPatch(job: { id: number; type: JobType }, seen: JobSighting, now: Date) {
  return (instance: ComputeInstance): StatusPatch | undefined => {
    const entry = instance.status?.provisioningJobs?.findLast((j) => j.jobID === String(job.id));
    // Trimmed from the history or never recorded there: nothing of ours to update.
    if (!entry || entry.type !== job.type) return undefined;
    if (seen === 'purged') {
      if (isTerminalJobState(entry.state)) return undefined;
      return onJobProgress(instance, {
        jobID: entry.jobID,
        type: job.type,
        state: 'Failed',
        message: PURGED_MESSAGE,
        now,
      });
    }
    return onJobProgress(instance, {
      jobID: entry.jobID,
      type: job.type,
      state: seen.state,
      message: seen.status,
      errorDetail: seen.errorDetail,
      now,
    });
  };
}

/** Phase Deleting once deletion began; nothing otherwise (or when it already says so). */
export function deletingPhasePatch(instance: ComputeInstance): StatusPatch | undefined {
  return isBeingDeleted(instance.metadata) && instance.status?.phase !== 'Deleting' ? { phase: 'Deleting' } : undefined;
}

/** Why the fresh object refuses a launch intent; each name is the error the state machine branches on. */
export interface IntentRefusal {
  refused: 'InstanceDeleting' | 'LaunchNotNeeded' | 'ProvisionJobStillRunning';
  reason: string;
}

export function isIntentRefusal(value: StatusPatch | IntentRefusal): value is IntentRefusal {
  return 'refused' in value;
}

export interface IntentOptions {
  now: Date;
  /** The execution that launches, recorded in the intent's message. */
  execution: string;
  finalizer: string;
  maxHistory: number;
}

/**
 * The launch intent closes the race between a launch and a deletion. It is written to status with the object's
 * resourceVersion as a precondition, after deciding on that very version:
 * - a deletion (or spec change) that lands before the intent makes the write fail; deciding again on the fresh
 *   object then refuses the launch, so no provision job can start once deletion began;
 * - a deletion that lands after it finds the intent, and the deprovision waits until the intent has its job ID
 *   (then cancels that job) before it launches anything, so the two never run at once.
 */
export function provisionIntentPatch(
  instance: ComputeInstance,
  { now, execution, finalizer, maxHistory }: IntentOptions,
): StatusPatch | IntentRefusal {
  if (isBeingDeleted(instance.metadata))
    return { refused: 'InstanceDeleting', reason: 'the instance is being deleted' };
  const next = nextAction({ instance, now, finalizer });
  if (next.action !== 'Trigger') {
    return { refused: 'LaunchNotNeeded', reason: `next step on the fresh object is ${next.action}` };
  }
  if (next.addFinalizer) return { refused: 'LaunchNotNeeded', reason: 'our finalizer is not on the instance yet' };
  return onProvisionLaunchIntent(instance, {
    now,
    configVersion: next.configVersion,
    executionName: execution,
    maxHistory,
  });
}

/** A deprovision intent, only once no provision job runs or launches: the two must never run at once. */
export function deprovisionIntentPatch(
  instance: ComputeInstance,
  { now, execution, finalizer, maxHistory }: IntentOptions,
): StatusPatch | IntentRefusal {
  if (!isBeingDeleted(instance.metadata)) {
    return { refused: 'LaunchNotNeeded', reason: 'the instance is not being deleted' };
  }
  const provision = latestJob(instance.status?.provisioningJobs, 'provision');
  if (provision && (isLaunchIntent(provision) || !isTerminalJobState(provision.state))) {
    return {
      refused: 'ProvisionJobStillRunning',
      reason: `provision ${provision.jobID ? `job ${provision.jobID}` : 'launch'} is ${provision.state}: it must end first`,
    };
  }
  const next = nextAction({ instance, now, finalizer });
  if (next.action !== 'Deprovision') {
    return { refused: 'LaunchNotNeeded', reason: `next step on the fresh object is ${next.action}` };
  }
  return onDeprovisionStarted(instance, now, { executionName: execution, maxHistory });
}
