import type { SFNClient } from '@aws-sdk/client-sfn';
import { type ExecutionSeen, ExecutionStatus, nextProbe, type ProbeLimits, type Work } from '../reconcile/plan';
import { describeExecution, executionArnFor, type InstanceRef } from '../sfn';
import { type StartedWorkflow, type StateMachines, startWorkflow } from '../workflow/start';
import type { WorkflowWork } from './decide';

export type IntakeStart =
  /** Started now, or already running (`started: false`): the name is the live execution's. */
  | { kind: 'running'; workflow: StartedWorkflow }
  /** Every execution of this work so far failed and it is stalled: the reconciler starts the next at `dueAt`. */
  | { kind: 'backing-off'; reason: string };

function existing(kind: WorkflowWork['kind'], machine: string, name: string): StartedWorkflow {
  return { kind, executionName: name, executionArn: executionArnFor(machine, name), started: false };
}

function workOf(work: WorkflowWork): Work {
  return work.kind === 'provision'
    ? { kind: 'provision', generation: work.generation }
    : { kind: 'deprovision', deletionTimestamp: work.deletionTimestamp };
}

/**
 * Starts the work under its first name; when that name is taken, makes sure the execution behind it still runs.
 * A taken name whose execution failed, timed out or was aborted is not "already started": the same walk over the
 * deterministic retry names the reconciler uses (`nextProbe`) finds the live one, or the next retry to start, or,
 * for stalled work, the backoff the reconciler is waiting out.
 */
export async function startOrRetry(
  sfn: SFNClient,
  machines: StateMachines,
  ref: InstanceRef,
  work: WorkflowWork,
  limits: ProbeLimits,
  now: Date,
): Promise<IntakeStart> {
  const first = await startWorkflow(sfn, machines, ref, work);
  if (first.started) return { kind: 'running', workflow: first };

  const machine = work.kind === 'provision' ? machines.provisionArn : machines.deprovisionArn;
  const observed = new Map<string, ExecutionSeen>();
  for (;;) {
    const step = nextProbe(workOf(work), ref, observed, limits, now);
    switch (step.step) {
      case 'describe': {
        const described = await describeExecution(sfn, executionArnFor(machine, step.name));
        const status = ExecutionStatus.parse(described === undefined ? 'ABSENT' : described.status);
        observed.set(step.name, described?.stopDate ? { status, stoppedAt: described.stopDate } : { status });
        continue;
      }
      case 'running':
        return { kind: 'running', workflow: existing(work.kind, machine, step.name) };
      case 'start': {
        const previous = step.previous;
        if (previous?.status === 'SUCCEEDED') {
          // It finished; the object sent may be older than what it finished on. Whether the work is still needed
          // is the reconciler's to judge on a fresh read, so this is the duplicate it most likely is.
          return { kind: 'running', workflow: existing(work.kind, machine, previous.name) };
        }
        // A racing webhook or reconciler may take this name first: then it runs, which is all this wants.
        return { kind: 'running', workflow: await startWorkflow(sfn, machines, ref, work, step.retry) };
      }
      case 'backoff':
        return {
          kind: 'backing-off',
          reason:
            `${step.retry} executions of this ${work.kind} ended without finishing it (last: ${step.previous.name}, ` +
            `${step.previous.status}); the reconciler starts retry ${step.retry} at ${step.dueAt.toISOString()}`,
        };
    }
  }
}
