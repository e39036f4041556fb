import type { JobType } from '../domain/job-state';
import { type NextAction, nextAction } from './actions';
import { COMPUTE_INSTANCE_FINALIZER, type ComputeInstance, type ObjectMeta } from './schema';

/**
 * What the webhook, the reconciler and the workflow tasks each need, projected from one evaluation of the shared
 * decision (`nextAction`) in one switch, so they cannot drift apart and no caller evaluates it twice for one read.
 * The I/O each view leads to (starting an execution, asking AAP, polling) stays with its caller.
 */

/** The work an execution does for one instance; with the instance's ref it fixes the execution's name. */
export type Work = { kind: 'provision'; generation: number } | { kind: 'deprovision'; deletionTimestamp: string };

/**
 * Which workflow an instance needs started. Work already under way (a job to poll, a launch in flight, a backoff
 * being waited out) needs no new execution: the one doing it carries on, and the reconciler restarts it if it
 * died. So our own status writes, which arrive as MODIFIED events, start nothing.
 */
export type WorkflowToStart =
  | { kind: 'provision'; generation: number; reason: string }
  /** `deletionTimestamp`: the deletion this run serves; it is part of the execution's name. */
  | { kind: 'deprovision'; deletionTimestamp: string; reason: string }
  | { kind: 'none'; reason: string };

/**
 * Work an execution is doing that a dead execution would leave behind: a job nobody follows, a launch nobody
 * settles. `work`: what the execution that carries on does (deprovision once deletion started, else provision).
 */
export type Underway =
  | { kind: 'job'; work: Work; jobType: JobType; jobID: string }
  | { kind: 'launch'; work: Work; jobType: JobType; intentTimestamp: string };

/** The step a running workflow takes next; Poll and WaitForLaunch are completed by the task with AAP's answers. */
export type WorkflowStep =
  | { action: 'Trigger'; configVersion: string }
  | { action: 'Poll'; jobType: JobType }
  | { action: 'WaitForLaunch'; jobType: JobType; intentTimestamp: string }
  | { action: 'Backoff'; waitSeconds: number; reason: string }
  | { action: 'Deprovision' }
  | { action: 'RemoveFinalizer'; reason: string }
  | { action: 'Done'; reason: string };

export interface Needs {
  /** Webhook and reconciler: the execution that must be started, or why none. */
  start: WorkflowToStart;
  /** Reconciler: what is under way without a new execution, when a dead one would leave it stuck. */
  underway?: Underway;
  /** Workflow tasks: the next step of the running execution. */
  step: WorkflowStep;
}

function currentWork(metadata: ObjectMeta): Work {
  return metadata.deletionTimestamp !== undefined
    ? { kind: 'deprovision', deletionTimestamp: metadata.deletionTimestamp }
    : { kind: 'provision', generation: metadata.generation ?? 1 };
}

/** The views of one decision about the instance whose metadata this is. */
export function projectNeeds(next: NextAction, metadata: ObjectMeta): Needs {
  switch (next.action) {
    case 'Trigger':
      return {
        start: {
          kind: 'provision',
          generation: metadata.generation ?? 1,
          reason: `configuration ${next.configVersion} is not applied`,
        },
        step: { action: 'Trigger', configVersion: next.configVersion },
      };
    case 'Deprovision':
    case 'RemoveFinalizer': {
      // Only a deletion leads here (nextAction decides these while deletionTimestamp is set).
      const deletionTimestamp = metadata.deletionTimestamp;
      const start: WorkflowToStart =
        deletionTimestamp === undefined
          ? { kind: 'none', reason: `${next.action} without a deletion` }
          : { kind: 'deprovision', deletionTimestamp, reason: 'being deleted' };
      const step: WorkflowStep =
        next.action === 'Deprovision' ? { action: 'Deprovision' } : { action: 'RemoveFinalizer', reason: next.reason };
      return { start, step };
    }
    case 'Poll':
      return {
        start: { kind: 'none', reason: `${next.jobType} job ${next.jobID} is running` },
        underway: { kind: 'job', work: currentWork(metadata), jobType: next.jobType, jobID: next.jobID },
        step: { action: 'Poll', jobType: next.jobType },
      };
    case 'WaitForLaunch': {
      const { jobType, intentTimestamp } = next;
      return {
        start: { kind: 'none', reason: `a ${jobType} launch is in flight` },
        underway: { kind: 'launch', work: currentWork(metadata), jobType, intentTimestamp },
        step: { action: 'WaitForLaunch', jobType, intentTimestamp },
      };
    }
    case 'Backoff': {
      const seconds = Math.ceil(next.remainingMs / 1000);
      const failed = `the last ${next.jobType} job failed`;
      return {
        start: { kind: 'none', reason: `${failed}; retrying in ${seconds} s` },
        step: { action: 'Backoff', waitSeconds: Math.max(1, seconds), reason: failed },
      };
    }
    case 'Skip':
    case 'Ignore':
      return { start: { kind: 'none', reason: next.reason }, step: { action: 'Done', reason: next.reason } };
  }
}

/** Decides once for the instance as read, and projects that decision for every consumer. */
export function needsOf(instance: ComputeInstance, now: Date, finalizer = COMPUTE_INSTANCE_FINALIZER): Needs {
  return projectNeeds(nextAction({ instance, now, finalizer }), instance.metadata);
}
