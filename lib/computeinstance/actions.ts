import { isTerminalJobState, type JobType } from '../domain/job-state';
import { deprovisionBackoff, provisionBackoff, remainingBackoffMs } from './backoff';
import { desiredConfigVersion } from './config-version';
import { isLaunchIntent, latestJob } from './jobs';
import { hasFinalizer, isBeingDeleted, managementState } from './metadata';
import { COMPUTE_INSTANCE_FINALIZER, type ComputeInstance, type ProvisioningJob } from './schema';

/**
 * What to do next for one ComputeInstance, decided from the object alone. The webhook, the scheduled reconciler
 * and the workflows all ask this, so they agree; the I/O (launch, poll, cancel, patch) is theirs.
 */
export type NextAction =
  /** Not ours to touch now (unmanaged, manual, or our finalizer is already gone). */
  | { action: 'Ignore'; reason: string }
  /** Launch a provision job for this spec version. `addFinalizer`: ours is missing and must be added first. */
  | { action: 'Trigger'; configVersion: string; addFinalizer: boolean }
  /** A job of that type is running in AAP: poll it. */
  | { action: 'Poll'; jobType: JobType; jobID: string }
  /** A launch is in flight (intent written, AAP id not recorded yet): wait for it, never launch a second one. */
  | { action: 'WaitForLaunch'; jobType: JobType; intentTimestamp: string }
  /** The current spec is applied. */
  | { action: 'Skip'; reason: string }
  /** The latest job failed: retry when `remainingMs` has passed. */
  | { action: 'Backoff'; jobType: JobType; remainingMs: number; configVersion?: string }
  /** Launch a deprovision job, after cancelling `cancelProvisionJobID` and waiting for it to end, when set. */
  | { action: 'Deprovision'; cancelProvisionJobID?: string }
  /** Deletion may go ahead: remove our finalizer. */
  | { action: 'RemoveFinalizer'; reason: string };

export interface NextActionInput {
  instance: ComputeInstance;
  now: Date;
  /** The finalizer we own; defaults to `osac.openshift.io/computeinstance`. */
  finalizer?: string;
}

function describeJob(job: ProvisioningJob): string {
  return job.jobID === '' ? `${job.type} launch of ${job.timestamp}` : `${job.type} job ${job.jobID}`;
}

/** In flight: an intent to wait for, or a real job to poll; undefined when the job has ended. */
function inFlight(job: ProvisioningJob): NextAction | undefined {
  if (isLaunchIntent(job)) return { action: 'WaitForLaunch', jobType: job.type, intentTimestamp: job.timestamp };
  if (!isTerminalJobState(job.state)) return { action: 'Poll', jobType: job.type, jobID: job.jobID };
  return undefined;
}

/**
 * Deprovision, cancelling a provision job that is still running first: provision and deprovision templates may
 * run at the same time in AAP, and must not for one VM. A provision launch in flight is awaited, since there is
 * no id to cancel yet.
 */
function deprovision(jobs: readonly ProvisioningJob[] | undefined): NextAction {
  const provision = latestJob(jobs, 'provision');
  if (provision === undefined) return { action: 'Deprovision' };
  const running = inFlight(provision);
  if (running?.action === 'Poll') return { action: 'Deprovision', cancelProvisionJobID: running.jobID };
  return running ?? { action: 'Deprovision' };
}

function whileDeleting(instance: ComputeInstance, now: Date, finalizer: string): NextAction {
  if (!hasFinalizer(instance.metadata, finalizer)) {
    return { action: 'Ignore', reason: `being deleted and finalizer ${finalizer} is already gone` };
  }
  if (managementState(instance.metadata) === 'manual') {
    return { action: 'RemoveFinalizer', reason: 'management-state is manual: no deprovision job is run' };
  }
  const jobs = instance.status?.provisioningJobs;
  const latest = latestJob(jobs, 'deprovision');
  if (latest === undefined) return deprovision(jobs);
  const running = inFlight(latest);
  if (running !== undefined) return running;
  if (latest.state === 'Succeeded') {
    return { action: 'RemoveFinalizer', reason: `${describeJob(latest)} succeeded` };
  }
  if (latest.blockDeletionOnFailure !== true) {
    return {
      action: 'RemoveFinalizer',
      reason: `${describeJob(latest)} ended ${latest.state} and does not block deletion`,
    };
  }
  const remainingMs = remainingBackoffMs(latest, deprovisionBackoff(jobs), now);
  if (remainingMs > 0) return { action: 'Backoff', jobType: 'deprovision', remainingMs };
  return deprovision(jobs);
}

function whileLive(instance: ComputeInstance, now: Date, finalizer: string): NextAction {
  const management = managementState(instance.metadata);
  if (management !== 'managed') {
    return { action: 'Ignore', reason: `management-state is ${management}` };
  }
  const configVersion = desiredConfigVersion(instance.spec);
  const trigger: NextAction = {
    action: 'Trigger',
    configVersion,
    addFinalizer: !hasFinalizer(instance.metadata, finalizer),
  };
  const jobs = instance.status?.provisioningJobs;
  // Only the latest provision job counts, so a spec reverted A→B→A is provisioned again.
  const latest = latestJob(jobs, 'provision');
  if (latest === undefined) return trigger;
  const running = inFlight(latest);
  if (running !== undefined) return running;
  const jobVersion = latest.configVersion ?? '';
  if (jobVersion === '' && latest.state === 'Succeeded') {
    // Jobs from before configVersion was recorded: trust their success rather than re-provision every instance.
    return { action: 'Skip', reason: `${describeJob(latest)} succeeded (recorded without a config version)` };
  }
  if (jobVersion !== configVersion) return trigger;
  if (latest.state === 'Succeeded') {
    return { action: 'Skip', reason: `configuration ${configVersion} applied by ${describeJob(latest)}` };
  }
  const remainingMs = remainingBackoffMs(latest, provisionBackoff(jobs, configVersion), now);
  if (remainingMs > 0) return { action: 'Backoff', jobType: 'provision', remainingMs, configVersion };
  return trigger;
}

export function nextAction({ instance, now, finalizer = COMPUTE_INSTANCE_FINALIZER }: NextActionInput): NextAction {
  return isBeingDeleted(instance.metadata)
    ? whileDeleting(instance, now, finalizer)
    : whileLive(instance, now, finalizer);
}
