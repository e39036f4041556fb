import { isTerminalJobState, type JobState, type JobType } from '../domain/job-state';
import { initialConditions } from './conditions';
import { isLaunchIntent, latestJob } from './jobs';
import { isBeingDeleted } from './metadata';
import type { ComputeInstance, ComputeInstanceStatus, Condition, Phase, ProvisioningJob } from './schema';
import { boundText } from './text';

// What the status mutations share (status.ts for provisioning and the job lifecycle, deprovision-status.ts).

/**
 * The next status, as pure functions the workflows call at each step. Each returns a patch of only the status
 * fields this project owns; the rest of the status (IP, references, `Ready`) belongs to others and is never sent.
 * Arrays are returned whole: a merge patch replaces them.
 */
export type StatusPatch = Partial<
  Pick<
    ComputeInstanceStatus,
    'phase' | 'conditions' | 'desiredConfigVersion' | 'lastRestartedAt' | 'provisioningJobs' | 'tenantReference'
  >
>;

/** Job messages carry AAP tracebacks; keep them short enough for a status write. */
export const MAX_JOB_MESSAGE_LENGTH = 1024;

export const JobMessage = {
  provisionTriggered: 'Provisioning job triggered',
  deprovisionTriggered: 'Deprovision job triggered',
} as const;

/** AAP's own status word for a terminal state, used when the caller has no AAP status string at hand. */
export const AAP_STATUS: Readonly<Record<TerminalJobState, string>> = {
  Succeeded: 'successful',
  Failed: 'failed',
  Canceled: 'canceled',
};

export type TerminalJobState = Extract<JobState, 'Succeeded' | 'Failed' | 'Canceled'>;

/** `<AAP status>[: <error detail>]`, the detail only for a failure, bounded. */
export function jobMessage(aapStatus: string, state: JobState, errorDetail?: string): string {
  const text = state === 'Failed' && errorDetail ? `${aapStatus}: ${errorDetail}` : aapStatus;
  return boundText(text, MAX_JOB_MESSAGE_LENGTH);
}

/** The instance with a patch applied, as the API server would return it after a merge patch of the status. */
export function applyStatusPatch(instance: ComputeInstance, patch: StatusPatch): ComputeInstance {
  return { ...instance, status: { ...instance.status, ...patch } };
}

export function subject(instance: ComputeInstance): string {
  return `${instance.metadata.namespace}/${instance.metadata.name}`;
}

export function jobs(instance: ComputeInstance): readonly ProvisioningJob[] {
  return instance.status?.provisioningJobs ?? [];
}

/** Deletion wins over every other phase. */
export function phaseFor(instance: ComputeInstance, phase: Phase | undefined): Phase | undefined {
  return isBeingDeleted(instance.metadata) ? 'Deleting' : phase;
}

export function conditionsOf(instance: ComputeInstance, now: Date): readonly Condition[] {
  return initialConditions(instance.status?.conditions, now, instance.metadata.generation);
}

export function assertNothingInFlight(instance: ComputeInstance, type: JobType): void {
  const latest = latestJob(jobs(instance), type);
  if (latest === undefined) return;
  if (isLaunchIntent(latest)) {
    throw new Error(`${subject(instance)}: a ${type} launch of ${latest.timestamp} is already in flight`);
  }
  if (!isTerminalJobState(latest.state)) {
    throw new Error(`${subject(instance)}: ${type} job ${latest.jobID} is still ${latest.state}`);
  }
}

export function findJob(instance: ComputeInstance, jobID: string, type: JobType): ProvisioningJob {
  const job = jobs(instance).findLast((entry) => entry.jobID === jobID);
  if (job === undefined) {
    throw new Error(`${subject(instance)}: ${type} job ${jobID} is not in status.provisioningJobs`);
  }
  if (job.type !== type) {
    throw new Error(`${subject(instance)}: job ${jobID} is a ${job.type} job, not a ${type} job`);
  }
  return job;
}

export function assertTerminal(state: JobState): asserts state is TerminalJobState {
  if (!isTerminalJobState(state)) throw new Error(`expected a terminal job state, got ${state}`);
}
