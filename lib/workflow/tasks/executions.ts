import { deletingPhasePatch } from '../../computeinstance';
import {
  continuationName,
  executionNamePrefix,
  listRunningExecutions,
  startExecution,
  stopExecutions,
} from '../../sfn';
import type { TaskContext } from '../context';
import type { CancelCarried, CancelState, ContinueInput, StopInput } from '../wire';
import { describe, firstPollDelay, writeStatus } from './common';

// StopProvisionWorkflows / ContinueAsNewExecution

/** Phase Deleting, and no provision execution of this instance runs on beside the deprovision. */
export async function stopProvisioning(ctx: TaskContext, { ref, execution, executionInput }: StopInput) {
  const access = await ctx.cluster(ref.cluster);
  await writeStatus(access, ref, deletingPhasePatch);
  const arn = ctx.settings.PROVISION_STATE_MACHINE_ARN;
  let stoppedExecutions: string[] = [];
  if (arn) {
    const running = await listRunningExecutions(ctx.sfn, arn, `${executionNamePrefix('provision', ref)}-`);
    stoppedExecutions = await stopExecutions(
      ctx.sfn,
      running,
      'InstanceDeleting',
      `${describe(ref)} is being deleted; deprovision execution ${execution} takes over`,
    );
  }
  const carried = carriedCancel(executionInput?.cancel);
  return { settled: false, waitSeconds: firstPollDelay(ctx), stoppedExecutions, ...carried } satisfies CancelState;
}

function carriedCancel(cancel: Partial<CancelCarried> | undefined): CancelCarried {
  if (cancel?.requestedFor === undefined) return {};
  return {
    requestedFor: cancel.requestedFor,
    ...(cancel.requestedAt === undefined ? {} : { requestedAt: cancel.requestedAt }),
  };
}

/** A long wait goes on in a fresh execution, named after this one so a repeated hand-over starts nothing twice. */
export async function continueAsNew(ctx: TaskContext, input: ContinueInput) {
  const name = continuationName(input.execution);
  const payload = {
    ref: input.ref,
    ...(input.generation === undefined ? {} : { generation: input.generation }),
    ...(input.deletionTimestamp === undefined ? {} : { deletionTimestamp: input.deletionTimestamp }),
    ...(input.cancel?.requestedFor === undefined ? {} : { cancel: carriedCancel(input.cancel) }),
  };
  const { executionArn, started } = await startExecution(ctx.sfn, input.stateMachineArn, name, payload);
  return { executionName: name, executionArn, started };
}
