import type { SFNClient } from '@aws-sdk/client-sfn';
import { deadlineSignal } from '../runtime/deadline';
import { stepFunctionsSdk as sdk } from './sdk';

export interface StartResult {
  executionArn: string;
  /** False when an execution with this name already existed: the same work was already started, which is fine. */
  started: boolean;
}

/** Builds the ARN Step Functions gives an execution, so a duplicate start can still answer with it. */
export function executionArnFor(stateMachineArn: string, name: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;
}

/**
 * Starts an execution under its deterministic name. ExecutionAlreadyExists means this work was already started
 * (by a duplicate webhook, the reconciler, or an earlier attempt of this very call) and counts as success.
 */
export async function startExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: unknown,
): Promise<StartResult> {
  const { StartExecutionCommand } = sdk();
  try {
    const out = await inBudget('StartExecution', (options) =>
      sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }), options),
    );
    return { executionArn: out.executionArn ?? executionArnFor(stateMachineArn, name), started: true };
  } catch (err) {
    if ((err as { name?: string }).name === 'ExecutionAlreadyExists') {
      return { executionArn: executionArnFor(stateMachineArn, name), started: false };
    }
    throw err;
  }
}

export interface RunningExecution {
  executionArn: string;
  name: string;
}

/** Every RUNNING execution of a state machine whose name starts with `prefix`, following pagination. */
export async function listRunningExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  prefix: string,
): Promise<RunningExecution[]> {
  const { ListExecutionsCommand } = sdk();
  const found: RunningExecution[] = [];
  let nextToken: string | undefined;
  do {
    const page = await inBudget('ListExecutions', (options) =>
      sfn.send(
        new ListExecutionsCommand({ stateMachineArn, statusFilter: 'RUNNING', maxResults: 1000, nextToken }),
        options,
      ),
    );
    for (const e of page.executions ?? []) {
      if (e.name?.startsWith(prefix) && e.executionArn) found.push({ executionArn: e.executionArn, name: e.name });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return found;
}

/** Stops the given executions; one that already ended in between is not an error. */
export async function stopExecutions(
  sfn: SFNClient,
  executions: RunningExecution[],
  error: string,
  cause: string,
): Promise<string[]> {
  const { StopExecutionCommand } = sdk();
  const stopped: string[] = [];
  for (const e of executions) {
    try {
      await inBudget('StopExecution', (options) =>
        sfn.send(new StopExecutionCommand({ executionArn: e.executionArn, error, cause }), options),
      );
      stopped.push(e.name);
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name !== 'ExecutionDoesNotExist') throw err;
    }
  }
  return stopped;
}

export async function describeExecutionStatus(sfn: SFNClient, executionArn: string): Promise<string | undefined> {
  return (await describeExecution(sfn, executionArn))?.status;
}

/** Status and, once it ended, the stop time of an execution; undefined when no execution has that ARN. */
export async function describeExecution(
  sfn: SFNClient,
  executionArn: string,
): Promise<{ status: string | undefined; stopDate?: Date } | undefined> {
  const { DescribeExecutionCommand } = sdk();
  try {
    const out = await inBudget('DescribeExecution', (options) =>
      sfn.send(new DescribeExecutionCommand({ executionArn }), options),
    );
    return { status: out.status, ...(out.stopDate === undefined ? {} : { stopDate: new Date(out.stopDate) }) };
  } catch (err) {
    if ((err as { name?: string }).name === 'ExecutionDoesNotExist') return undefined;
    throw err;
  }
}

/** A Step Functions call cut off at the invocation's deadline; named Transient so the state machines retry it. */
export class SfnCallOutOfTime extends Error {
  override readonly name = 'Transient';
}

/** A call aborted when the invocation's time budget is spent (lib/runtime/deadline.ts). */
export async function inBudget<T>(
  what: string,
  call: (options: { abortSignal?: AbortSignal }) => Promise<T>,
): Promise<T> {
  const abortSignal = deadlineSignal();
  try {
    return await call(abortSignal ? { abortSignal } : {});
  } catch (error) {
    if (abortSignal?.aborted)
      throw new SfnCallOutOfTime(`Step Functions ${what} did not answer within the time budget`);
    throw error;
  }
}
