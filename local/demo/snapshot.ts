import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type ComputeInstance, GROUP, PLURAL, parseComputeInstance } from '../../lib/computeinstance';
import type { JobView } from '../aap-simulator';
import type { ExecutionRecord } from '../sfn-engine';
import type { LocalStack } from '../stack';

/**
 * What the live view shows at one moment: instances (phase, conditions, jobs), executions (with the state each
 * running one is in) and AAP jobs. Read in-process from the stack, so watching adds no traffic to the APIs the
 * system itself uses.
 */

export interface InstanceRow {
  readonly key: string;
  readonly phase: string;
  readonly deleting: boolean;
  readonly conditions: ReadonlyArray<{ type: string; status: string }>;
  readonly jobs: ReadonlyArray<{ jobID: string; type: string; state: string }>;
}

export interface ExecutionRow {
  readonly name: string;
  /** `provision` / `deprovision`: the state machine name without the service-stage prefix. */
  readonly machine: string;
  readonly status: string;
  /** The state a running execution is in. */
  readonly currentState: string | undefined;
}

export interface JobRow {
  readonly id: number;
  readonly template: string;
  readonly status: string;
  readonly vmKey: string | null;
}

export interface Snapshot {
  /** System (scaled) time, epoch milliseconds. */
  readonly at: number;
  readonly instances: readonly InstanceRow[];
  readonly executions: readonly ExecutionRow[];
  readonly jobs: readonly JobRow[];
  readonly vms: readonly string[];
}

export function enteredStateName(event: HistoryEvent): string | undefined {
  return event.type?.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : undefined;
}

/** `cloudkit-provisioner-local-provision` → `provision`. */
export function machineKind(stateMachineName: string): string {
  return stateMachineName.slice(stateMachineName.lastIndexOf('-') + 1);
}

export function instanceRow(instance: ComputeInstance): InstanceRow {
  const { namespace, name, deletionTimestamp } = instance.metadata;
  return {
    key: `${namespace}/${name}`,
    phase: instance.status?.phase ?? '-',
    deleting: deletionTimestamp !== undefined,
    conditions: (instance.status?.conditions ?? []).map(({ type, status }) => ({ type, status })),
    jobs: (instance.status?.provisioningJobs ?? []).map(({ jobID, type, state }) => ({ jobID, type, state })),
  };
}

export function executionRow(record: ExecutionRecord, history: readonly HistoryEvent[]): ExecutionRow {
  let currentState: string | undefined;
  if (record.status === 'RUNNING') {
    for (const event of history) currentState = enteredStateName(event) ?? currentState;
  }
  return { name: record.name, machine: machineKind(record.stateMachineName), status: record.status, currentState };
}

export function jobRow(job: JobView): JobRow {
  return { id: job.id, template: job.templateName, status: job.status, vmKey: job.vmKey };
}

export function takeSnapshot(stack: LocalStack): Snapshot {
  const instances = stack.kube
    .objects({ group: GROUP, plural: PLURAL })
    .map((object) => instanceRow(parseComputeInstance(object)))
    .sort((a, b) => a.key.localeCompare(b.key));
  const executions = stack.sfn
    .executions()
    .map((record) => executionRow(record, record.status === 'RUNNING' ? stack.sfn.history(record.executionArn) : []));
  return {
    at: stack.now().getTime(),
    instances,
    executions,
    jobs: stack.aap.world.jobs().map(jobRow),
    vms: stack.aap.world.vms().map((vm) => vm.key),
  };
}
