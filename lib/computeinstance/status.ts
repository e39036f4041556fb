import { isTerminalJobState, type JobState, type JobType } from '../domain/job-state';
import { ConditionType, type ConditionUpdate, findCondition, setCondition } from './conditions';
import { desiredConfigVersion } from './config-version';
import { onDeprovisionFinished } from './deprovision-status';
import { abandonIntent, appendJob, DEFAULT_MAX_JOB_HISTORY, resolveIntent, updateJob } from './jobs';
import { isBeingDeleted } from './metadata';
import { isRestartPending, RESTART_REQUESTED_IN_FUTURE, restartAfterSuccess, restartRequest } from './restart';
import type { ComputeInstance, ProvisioningJob } from './schema';
import {
  AAP_STATUS,
  applyStatusPatch,
  assertNothingInFlight,
  assertTerminal,
  conditionsOf,
  findJob,
  JobMessage,
  jobMessage,
  jobs,
  MAX_JOB_MESSAGE_LENGTH,
  phaseFor,
  type StatusPatch,
  subject,
} from './status-common';
import { boundText } from './text';
import { formatMetaTime, instantMs } from './time';

export {
  type DeprovisionFinishedInput,
  type DeprovisionStartedOptions,
  onDeprovisionFinished,
  onDeprovisionStarted,
  onWorkStalled,
  STALLED_CONDITION,
  type StalledUpdate,
} from './deprovision-status';

// The provision side of the status and the job lifecycle; the deprovision side is in deprovision-status.ts.
export { applyStatusPatch, JobMessage, jobMessage, MAX_JOB_MESSAGE_LENGTH, type StatusPatch };

function restartInitiated(timestamp: string): ConditionUpdate {
  return {
    type: ConditionType.RestartInProgress,
    status: 'True',
    reason: 'RestartInProgress',
    message: `Restart initiated at ${timestamp}`,
  };
}

/** RestartInProgress when nothing is being restarted: says so, or why a request is not acted on. */
function noRestartUnderWay(instance: ComputeInstance, at: Date): ConditionUpdate {
  const request = restartRequest(instance.spec, instance.status, at);
  return request.state === 'future'
    ? {
        type: ConditionType.RestartInProgress,
        status: 'False',
        reason: RESTART_REQUESTED_IN_FUTURE,
        message: request.message,
      }
    : { type: ConditionType.RestartInProgress, status: 'False', reason: 'AsExpected', message: '' };
}

// ---------------------------------------------------------------------------------------------------------------
// provision

export interface ProvisionLaunchIntentInput {
  now: Date;
  /** From the Trigger decision; must still be the spec's version, or the decision is stale. */
  configVersion: string;
  /** The Step Functions execution doing the launch, so a stuck intent can be traced to it. */
  executionName: string;
  maxHistory?: number;
}

/**
 * Recorded BEFORE the AAP launch, written with a resourceVersion precondition: a deletion or a spec change that
 * lands first makes that write fail, and deciding again on the fresh object aborts or redirects the launch.
 */
export function onProvisionLaunchIntent(
  instance: ComputeInstance,
  { now, configVersion, executionName, maxHistory = DEFAULT_MAX_JOB_HISTORY }: ProvisionLaunchIntentInput,
): StatusPatch {
  if (isBeingDeleted(instance.metadata)) {
    throw new Error(`${subject(instance)} is being deleted: no provision job may be launched`);
  }
  const desired = desiredConfigVersion(instance.spec);
  if (configVersion !== desired) {
    throw new Error(
      `${subject(instance)}: the spec is now at config version ${desired}, not ${configVersion}; decide again`,
    );
  }
  assertNothingInFlight(instance, 'provision');
  const timestamp = formatMetaTime(now);
  const generation = instance.metadata.generation;
  let conditions = setCondition(
    conditionsOf(instance, now),
    {
      type: ConditionType.ConfigurationApplied,
      status: 'False',
      reason: 'ApplyingConfiguration',
      message: `Applying configuration ${configVersion}`,
    },
    now,
    generation,
  );
  conditions = setCondition(
    conditions,
    isRestartPending(instance.spec, instance.status, now)
      ? restartInitiated(timestamp)
      : noRestartUnderWay(instance, now),
    now,
    generation,
  );
  const intent: ProvisioningJob = {
    jobID: '',
    type: 'provision',
    timestamp,
    state: 'Pending',
    message: `Launching provision job (execution ${executionName})`,
    configVersion,
  };
  return {
    // Starting only for a new instance: a re-provision keeps the phase it has (Running, Stopped, or Failed).
    phase: instance.status?.phase ?? 'Starting',
    conditions: [...conditions],
    desiredConfigVersion: configVersion,
    provisioningJobs: [...appendJob(jobs(instance), intent, maxHistory)],
  };
}

export interface ProvisionFinishedInput {
  jobID: string;
  /** Succeeded, Failed or Canceled. */
  state: JobState;
  /** The version the job was launched for; defaults to the one recorded on its entry. */
  configVersion?: string;
  /** AAP's `status` string; defaults to AAP's word for `state`. */
  message?: string;
  /** `result_traceback` (or `job_explanation`) of a failed job. */
  errorDetail?: string;
  now: Date;
}

/** Was this instance ever provisioned? Then a failed re-provision must not make it look like it never was. */
function everProvisioned(instance: ComputeInstance): boolean {
  const status = instance.status;
  return (
    status?.virtualMachineReference !== undefined ||
    ['Running', 'Stopping', 'Stopped', 'Paused'].includes(status?.phase ?? '') ||
    jobs(instance).some((job) => job.type === 'provision' && job.state === 'Succeeded')
  );
}

function provisionFailed(
  instance: ComputeInstance,
  provisioningJobs: readonly ProvisioningJob[],
  failed: ProvisioningJob,
  now: Date,
): StatusPatch {
  const generation = instance.metadata.generation;
  const what = failed.jobID === '' ? `Launch of provision job at ${failed.timestamp}` : `Provision job ${failed.jobID}`;
  const outcome = `${what} ${failed.state === 'Canceled' ? 'was canceled' : 'failed'}`;
  const message = failed.message ? `${outcome} (${failed.message})` : outcome;
  let conditions = conditionsOf(instance, now);
  for (const type of [ConditionType.ConfigurationApplied, ConditionType.Provisioned]) {
    conditions = setCondition(
      conditions,
      { type, status: 'False', reason: 'ProvisioningFailed', message },
      now,
      generation,
    );
  }
  // The restart has not happened: keep saying it is under way (it is retried with the provision job).
  const restart = findCondition(conditions, ConditionType.RestartInProgress);
  if (isRestartPending(instance.spec, instance.status, now) && restart?.status !== 'True') {
    conditions = setCondition(conditions, restartInitiated(failed.timestamp), now, generation);
  }
  return {
    phase: phaseFor(instance, everProvisioned(instance) ? (instance.status?.phase ?? 'Starting') : 'Failed'),
    conditions: [...conditions],
    desiredConfigVersion: desiredConfigVersion(instance.spec),
    provisioningJobs: [...provisioningJobs],
  };
}

function provisionSucceeded(
  instance: ComputeInstance,
  provisioningJobs: readonly ProvisioningJob[],
  job: ProvisioningJob,
  jobVersion: string,
  now: Date,
): StatusPatch {
  const generation = instance.metadata.generation;
  const desired = desiredConfigVersion(instance.spec);
  const applied = jobVersion === desired;
  let conditions = setCondition(
    conditionsOf(instance, now),
    applied
      ? {
          type: ConditionType.ConfigurationApplied,
          status: 'True',
          reason: 'AsExpected',
          message: `Configuration ${desired} applied by provision job ${job.jobID}`,
        }
      : {
          // The job applied an older spec; the newer one gets its own job, so do not claim it applied.
          type: ConditionType.ConfigurationApplied,
          status: 'False',
          reason: 'ConfigurationChanged',
          message: `Provision job ${job.jobID} applied configuration ${jobVersion}; the spec has changed since (now ${desired})`,
        },
    now,
    generation,
  );
  conditions = setCondition(
    conditions,
    {
      type: ConditionType.Provisioned,
      status: 'True',
      reason: 'InfrastructureReady',
      message: `Provision job ${job.jobID} succeeded`,
    },
    now,
    generation,
  );
  const patch: StatusPatch = {
    // From the current spec even when the job applied an older one: the job for the current spec follows at once.
    phase: phaseFor(instance, instance.spec.runStrategy === 'Halted' ? 'Stopped' : 'Running'),
    desiredConfigVersion: desired,
    provisioningJobs: [...provisioningJobs],
  };
  // Only a job for the current spec carried out the current restart request; otherwise the next job does it.
  if (applied) {
    // Judged at the job's launch: a request later than that was not yet asked for when the job started.
    const launchedAt = new Date(instantMs(job.timestamp, `job ${job.jobID} timestamp`));
    conditions = setCondition(conditions, noRestartUnderWay(instance, launchedAt), now, generation);
    const lastRestartedAt = restartAfterSuccess(instance.spec, instance.status, launchedAt);
    if (lastRestartedAt !== undefined) patch.lastRestartedAt = lastRestartedAt;
  }
  patch.conditions = [...conditions];
  return patch;
}

export function onProvisionFinished(
  instance: ComputeInstance,
  { jobID, state, configVersion, message, errorDetail, now }: ProvisionFinishedInput,
): StatusPatch {
  assertTerminal(state);
  findJob(instance, jobID, 'provision');
  const { jobs: provisioningJobs, job: finished } = updateJob(jobs(instance), jobID, {
    state,
    message: jobMessage(message ?? AAP_STATUS[state], state, errorDetail),
  });
  if (state === 'Succeeded') {
    return provisionSucceeded(instance, provisioningJobs, finished, configVersion ?? finished.configVersion ?? '', now);
  }
  return provisionFailed(instance, provisioningJobs, finished, now);
}

// ---------------------------------------------------------------------------------------------------------------
// both job types

export interface JobLaunchedInput {
  intentTimestamp: string;
  jobID: string;
  type: JobType;
}

/** AAP accepted the launch: the intent gets its job id. A retry after a lost write changes nothing. */
export function onJobLaunched(
  instance: ComputeInstance,
  { intentTimestamp, jobID, type }: JobLaunchedInput,
): StatusPatch {
  const resolved = resolveIntent(jobs(instance), intentTimestamp, jobID, type);
  if (!resolved.changed) return { provisioningJobs: [...resolved.jobs] };
  const message = type === 'provision' ? JobMessage.provisionTriggered : JobMessage.deprovisionTriggered;
  return { provisioningJobs: [...updateJob(resolved.jobs, jobID, { message }).jobs] };
}

export interface LaunchFailedInput {
  intentTimestamp: string;
  type: JobType;
  /** Why the launch failed; must not carry credentials. */
  errorDetail: string;
  now: Date;
}

/**
 * AAP refused the launch or it never answered: the intent becomes a Failed record, so the retry backs off.
 * An intent already settled by someone else (the launcher and the stale-intent recovery race) changes nothing:
 * the phase and conditions then belong to whatever settled it, or to a newer job.
 */
export function onLaunchFailed(
  instance: ComputeInstance,
  { intentTimestamp, type, errorDetail, now }: LaunchFailedInput,
): StatusPatch {
  const { jobs: provisioningJobs, job: failed } = abandonIntent(
    jobs(instance),
    intentTimestamp,
    type,
    boundText(`launch failed: ${errorDetail}`, MAX_JOB_MESSAGE_LENGTH),
  );
  if (failed === undefined) return { provisioningJobs: [...provisioningJobs] };
  if (type === 'provision') return provisionFailed(instance, provisioningJobs, failed, now);
  return { phase: phaseFor(instance, instance.status?.phase), provisioningJobs: [...provisioningJobs] };
}

export interface JobProgressInput {
  jobID: string;
  type: JobType;
  state: JobState;
  /** AAP's `status` string, e.g. `running`. */
  message: string;
  errorDetail?: string;
  now: Date;
}

/**
 * A poll result. A terminal state is handed on to onProvisionFinished / onDeprovisionFinished, so one call per poll
 * keeps the job entry, the conditions and the phase consistent. An unchanged poll gives the same job array back.
 */
export function onJobProgress(
  instance: ComputeInstance,
  { jobID, type, state, message, errorDetail, now }: JobProgressInput,
): StatusPatch {
  if (isTerminalJobState(state)) {
    const finished = { jobID, state, message, errorDetail, now };
    return type === 'provision' ? onProvisionFinished(instance, finished) : onDeprovisionFinished(instance, finished);
  }
  findJob(instance, jobID, type);
  const { jobs: provisioningJobs } = updateJob(jobs(instance), jobID, {
    state,
    message: jobMessage(message, state, errorDetail),
  });
  return { provisioningJobs: [...provisioningJobs] };
}
