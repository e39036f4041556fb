import type { JobState } from '../domain/job-state';
import { ConditionType, findCondition, setCondition } from './conditions';
import { appendJob, DEFAULT_MAX_JOB_HISTORY, updateJob } from './jobs';
import { isBeingDeleted } from './metadata';
import type { ComputeInstance, ProvisioningJob } from './schema';
import {
  AAP_STATUS,
  assertNothingInFlight,
  assertTerminal,
  conditionsOf,
  findJob,
  jobMessage,
  jobs,
  type StatusPatch,
  subject,
} from './status-common';
import { formatMetaTime } from './time';

// ---------------------------------------------------------------------------------------------------------------
// deprovision

export interface DeprovisionStartedOptions {
  executionName?: string;
  maxHistory?: number;
}

/**
 * Deletion is being carried out: phase Deleting, and a deprovision launch intent (blocking deletion on failure),
 * written before any provision job is cancelled so that no second deprovision starts meanwhile.
 */
export function onDeprovisionStarted(
  instance: ComputeInstance,
  now: Date,
  { executionName, maxHistory = DEFAULT_MAX_JOB_HISTORY }: DeprovisionStartedOptions = {},
): StatusPatch {
  if (!isBeingDeleted(instance.metadata)) {
    throw new Error(`${subject(instance)} is not being deleted: no deprovision job may be launched`);
  }
  assertNothingInFlight(instance, 'deprovision');
  const intent: ProvisioningJob = {
    jobID: '',
    type: 'deprovision',
    timestamp: formatMetaTime(now),
    state: 'Pending',
    message:
      executionName === undefined
        ? 'Launching deprovision job'
        : `Launching deprovision job (execution ${executionName})`,
    blockDeletionOnFailure: true,
  };
  return { phase: 'Deleting', provisioningJobs: [...appendJob(jobs(instance), intent, maxHistory)] };
}

export interface DeprovisionFinishedInput {
  jobID: string;
  /** Succeeded, Failed or Canceled. */
  state: JobState;
  message?: string;
  errorDetail?: string;
  now: Date;
}

/**
 * Written before the finalizer goes, so the final state of the deprovision job is on record (the operator lost it
 * by removing the finalizer with a full-object update).
 */
export function onDeprovisionFinished(
  instance: ComputeInstance,
  { jobID, state, message, errorDetail, now }: DeprovisionFinishedInput,
): StatusPatch {
  assertTerminal(state);
  findJob(instance, jobID, 'deprovision');
  const { jobs: provisioningJobs } = updateJob(jobs(instance), jobID, {
    state,
    message: jobMessage(message ?? AAP_STATUS[state], state, errorDetail),
  });
  const patch: StatusPatch = { phase: 'Deleting', provisioningJobs: [...provisioningJobs] };
  if (state === 'Succeeded') {
    patch.conditions = [
      ...setCondition(
        conditionsOf(instance, now),
        {
          type: ConditionType.Provisioned,
          status: 'False',
          reason: 'Deprovisioned',
          message: `Deprovision job ${jobID} succeeded`,
        },
        now,
        instance.metadata.generation,
      ),
    ];
  }
  return patch;
}

/**
 * `Stalled`: the work this instance needs (a deprovision, a provision) keeps failing, execution after execution; the
 * reconciler keeps retrying it, each time after a longer backoff, and alarms. Written only while it is true and
 * when it clears, so instances that never stall do not carry it.
 */
export const STALLED_CONDITION = 'Stalled';

export interface StalledUpdate {
  stalled: boolean;
  /** What keeps failing and when the next attempt is due (stalled), or what cleared it. */
  message: string;
  now: Date;
}

/** Sets or clears `Stalled`; undefined when nothing changes (so no status write is made). */
export function onWorkStalled(instance: ComputeInstance, update: StalledUpdate): StatusPatch | undefined {
  const current = instance.status?.conditions;
  const existing = findCondition(current, STALLED_CONDITION);
  if (!update.stalled && existing?.status !== 'True') return undefined;
  const next = setCondition(
    current,
    {
      type: STALLED_CONDITION,
      status: update.stalled ? 'True' : 'False',
      reason: update.stalled ? 'ExecutionsFailing' : 'Recovered',
      message: update.message,
    },
    update.now,
    instance.metadata.generation,
  );
  return next === current ? undefined : { conditions: [...next] };
}
