import type { SFNClient } from '@aws-sdk/client-sfn';
import { COMPUTE_INSTANCE_FINALIZER, type ComputeInstance, nextAction } from '../computeinstance';
import { executionName, type InstanceRef, type StartResult, startExecution } from '../sfn';

/**
 * Which workflow an instance needs started, decided from the object alone with the one shared decision
 * (`nextAction`). Work already under way (a job to poll, a launch in flight, a backoff being waited out) needs no
 * new execution: the one doing it carries on, and the reconciler restarts it if it died. So our own status writes,
 * which arrive as MODIFIED events, start nothing.
 */
export type WorkflowToStart =
  | { kind: 'provision'; generation: number; reason: string }
  /** `deletionTimestamp`: the deletion this run serves; it is part of the execution's name. */
  | { kind: 'deprovision'; deletionTimestamp: string; reason: string }
  | { kind: 'none'; reason: string };

export function workflowToStart(
  instance: ComputeInstance,
  now: Date,
  finalizer: string = COMPUTE_INSTANCE_FINALIZER,
): WorkflowToStart {
  const next = nextAction({ instance, now, finalizer });
  const generation = instance.metadata.generation ?? 1;
  switch (next.action) {
    case 'Trigger':
      return { kind: 'provision', generation, reason: `configuration ${next.configVersion} is not applied` };
    case 'Deprovision':
    case 'RemoveFinalizer': {
      // Only a deletion leads here (nextAction decides these while deletionTimestamp is set).
      const deletionTimestamp = instance.metadata.deletionTimestamp;
      if (deletionTimestamp === undefined) return { kind: 'none', reason: `${next.action} without a deletion` };
      return { kind: 'deprovision', deletionTimestamp, reason: 'being deleted' };
    }
    case 'Poll':
      return { kind: 'none', reason: `${next.jobType} job ${next.jobID} is running` };
    case 'WaitForLaunch':
      return { kind: 'none', reason: `a ${next.jobType} launch is in flight` };
    case 'Backoff':
      return {
        kind: 'none',
        reason: `the last ${next.jobType} job failed; retrying in ${Math.ceil(next.remainingMs / 1000)} s`,
      };
    case 'Skip':
    case 'Ignore':
      return { kind: 'none', reason: next.reason };
  }
}

export interface StateMachines {
  provisionArn: string;
  deprovisionArn: string;
}

export interface StartedWorkflow extends StartResult {
  kind: 'provision' | 'deprovision';
  executionName: string;
}

/**
 * Starts the workflow under its deterministic name with a reference as input. A webhook, its retry and the
 * reconciler racing each other start one execution: the others get ExecutionAlreadyExists, which is success.
 * `retry` > 0 starts the same work again after an earlier execution of it failed.
 */
export async function startWorkflow(
  sfn: SFNClient,
  machines: StateMachines,
  ref: InstanceRef,
  work: Exclude<WorkflowToStart, { kind: 'none' }>,
  retry = 0,
): Promise<StartedWorkflow> {
  if (work.kind === 'provision') {
    const name = executionName({ kind: 'provision', ref, generation: work.generation, retry });
    const started = await startExecution(sfn, machines.provisionArn, name, { ref, generation: work.generation });
    return { ...started, kind: 'provision', executionName: name };
  }
  const name = executionName({ kind: 'deprovision', ref, deletionTimestamp: work.deletionTimestamp, retry });
  const started = await startExecution(sfn, machines.deprovisionArn, name, {
    ref,
    deletionTimestamp: work.deletionTimestamp,
  });
  return { ...started, kind: 'deprovision', executionName: name };
}
