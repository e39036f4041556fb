import type { SFNClient } from '@aws-sdk/client-sfn';
import type { WorkflowToStart } from '../computeinstance';
import { executionName, type InstanceRef, type StartResult, startExecution } from '../sfn';

/** Which workflow an instance needs started is decided by `needsOf` (lib/computeinstance/needs.ts). */
export type { WorkflowToStart };

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
