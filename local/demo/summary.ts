import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import { isTerminalJobState, JobState } from '../../lib/domain/job-state';
import type { JobView, Violation, VmRecord } from '../aap-simulator';
import type { RequestLogEntry } from '../kube-simulator';
import type { ExecutionRecord } from '../sfn-engine';
import { enteredStateName, machineKind } from './snapshot';
import type { StepState } from './view';

/**
 * The demo's verdict, computed from the records the parts keep themselves (the AAP simulator's jobs, VMs and
 * violations, the engine's execution histories, the API server's request log), not from anything the demo saw.
 */

export interface ExecutionSummary {
  readonly name: string;
  readonly machine: string;
  readonly status: string;
  /** States entered. */
  readonly transitions: number;
  readonly path: string;
}

export interface DemoSummary {
  readonly steps: { readonly done: number; readonly total: number; readonly failed: readonly string[] };
  readonly jobsLaunched: {
    readonly provision: number;
    readonly deprovision: number;
    readonly byTemplate: Readonly<Record<string, number>>;
  };
  readonly executions: readonly ExecutionSummary[];
  /** Job finished in AAP → its terminal state recorded in the instance's status (system time). */
  readonly detectionLag: {
    readonly samplesMs: readonly number[];
    readonly medianMs: number | undefined;
    readonly maxMs: number | undefined;
    /** Finished jobs whose end never reached a status (the object was already gone, say). */
    readonly notRecorded: readonly number[];
  };
  readonly vmsLeft: readonly string[];
  readonly violations: readonly string[];
  readonly ok: boolean;
}

export interface SummaryInputs {
  readonly steps: readonly StepState[];
  /** `namespace/name` of the instances the demo made. */
  readonly instanceKeys: readonly string[];
  readonly jobs: readonly JobView[];
  readonly executions: ReadonlyArray<{ record: ExecutionRecord; history: readonly HistoryEvent[] }>;
  /** Job ID → system time its terminal state was first written to a status (see `terminalStatusTimes`). */
  readonly terminalRecordedAt: ReadonlyMap<string, number>;
  readonly vms: readonly VmRecord[];
  readonly violations: readonly Violation[];
}

const StatusPatchBody = z.looseObject({
  status: z.looseObject({
    provisioningJobs: z.array(z.looseObject({ jobID: z.string(), state: JobState })),
  }),
});

/**
 * For every job ID, when the API server first accepted a `/status` write recording that job as ended, from its
 * request log (system time, epoch milliseconds).
 */
export function terminalStatusTimes(log: readonly RequestLogEntry[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of log) {
    if (!['PATCH', 'PUT'].includes(entry.method) || !entry.path.endsWith('/status')) continue;
    if (entry.status < 200 || entry.status >= 300) continue;
    const body = StatusPatchBody.safeParse(entry.body);
    if (!body.success) continue;
    const time = Date.parse(entry.time);
    for (const job of body.data.status.provisioningJobs) {
      if (!isTerminalJobState(job.state)) continue;
      const known = times.get(job.jobID);
      if (known === undefined || time < known) times.set(job.jobID, time);
    }
  }
  return times;
}

/** Keeps the earlier time per job: the log is a rolling window, so it is read more than once. */
export function mergeEarliest(into: Map<string, number>, more: ReadonlyMap<string, number>): void {
  for (const [jobID, time] of more) {
    const known = into.get(jobID);
    if (known === undefined || time < known) into.set(jobID, time);
  }
}

/**
 * A state path with its loops folded: `A → (B → C) ×3 → D`. At each point the repetition covering the most states
 * wins (cycles of up to four states).
 */
export function compressPath(states: readonly string[]): string {
  const parts: string[] = [];
  let i = 0;
  while (i < states.length) {
    let best = { length: 1, count: 1 };
    for (let length = 1; length <= 4 && i + length <= states.length; length += 1) {
      const cycle = states.slice(i, i + length).join('\n');
      let count = 1;
      while (states.slice(i + count * length, i + (count + 1) * length).join('\n') === cycle) count += 1;
      if (count > 1 && count * length > best.count * best.length) best = { length, count };
    }
    const cycle = states.slice(i, i + best.length);
    if (best.count === 1) parts.push(cycle[0] as string);
    else parts.push(best.length === 1 ? `${cycle[0]} ×${best.count}` : `(${cycle.join(' → ')}) ×${best.count}`);
    i += best.length * best.count;
  }
  return parts.join(' → ');
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function summarize(inputs: SummaryInputs): DemoSummary {
  const keys = new Set(inputs.instanceKeys);
  const jobs = inputs.jobs.filter((job) => job.vmKey !== null && keys.has(job.vmKey));
  const byTemplate: Record<string, number> = {};
  for (const job of jobs) byTemplate[job.templateName] = (byTemplate[job.templateName] ?? 0) + 1;

  const samplesMs: number[] = [];
  const notRecorded: number[] = [];
  for (const job of jobs) {
    if (job.finishedAt === null) continue;
    const recordedAt = inputs.terminalRecordedAt.get(String(job.id));
    if (recordedAt === undefined) notRecorded.push(job.id);
    else samplesMs.push(recordedAt - job.finishedAt);
  }

  const executions = inputs.executions.map(({ record, history }): ExecutionSummary => {
    const states = history.map(enteredStateName).filter((name): name is string => name !== undefined);
    return {
      name: record.name,
      machine: machineKind(record.stateMachineName),
      status: record.status,
      transitions: states.length,
      path: compressPath(states),
    };
  });

  const done = inputs.steps.filter((step) => step.status === 'done').length;
  const failed = inputs.steps
    .filter((step) => step.status === 'failed')
    .map((step) => `${step.title}: ${step.detail ?? 'failed'}`);
  const vmsLeft = inputs.vms.map((vm) => vm.key);
  const violations = inputs.violations.map((violation) => violation.message);
  return {
    steps: { done, total: inputs.steps.length, failed },
    jobsLaunched: {
      provision: jobs.filter((job) => job.effect === 'create-vm').length,
      deprovision: jobs.filter((job) => job.effect === 'delete-vm').length,
      byTemplate,
    },
    executions,
    detectionLag: {
      samplesMs,
      medianMs: median(samplesMs),
      maxMs: samplesMs.length ? Math.max(...samplesMs) : undefined,
      notRecorded,
    },
    vmsLeft,
    violations,
    ok: done === inputs.steps.length && vmsLeft.length === 0 && violations.length === 0,
  };
}

const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)} s`);

/** The table printed at the end; the `label: value` lines are stable for scripts (`VMs left: 0`). */
export function renderSummary(summary: DemoSummary): string {
  const lines: string[] = ['Summary'];
  const row = (label: string, value: string) => lines.push(`  ${`${label}:`.padEnd(20)} ${value}`);
  row('steps', `${summary.steps.done} of ${summary.steps.total} done`);
  for (const failure of summary.steps.failed) lines.push(`  ${''.padEnd(20)} failed: ${failure}`);
  const templates = Object.entries(summary.jobsLaunched.byTemplate)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  row(
    'AAP jobs launched',
    `provision ${summary.jobsLaunched.provision}, deprovision ${summary.jobsLaunched.deprovision}${templates ? `  (${templates})` : ''}`,
  );
  const lag = summary.detectionLag;
  const unrecorded = lag.notRecorded.length ? `; not recorded (object gone): job ${lag.notRecorded.join(', ')}` : '';
  row(
    'detection lag',
    `median ${seconds(lag.medianMs)}, max ${seconds(lag.maxMs)} over ${lag.samplesMs.length} jobs (job finished in AAP → status recorded, system time)${unrecorded}`,
  );
  row('executions', `${summary.executions.length} (state transitions from the engine's history)`);
  for (const execution of summary.executions) {
    lines.push(
      `    ${execution.status.padEnd(10)} ${execution.machine.padEnd(12)} ${String(execution.transitions).padStart(3)}  ${execution.name}`,
    );
    lines.push(`    ${''.padEnd(27)}  ${execution.path}`);
  }
  row('VMs left', `${summary.vmsLeft.length}${summary.vmsLeft.length ? `  (${summary.vmsLeft.join(', ')})` : ''}`);
  row('violations', `${summary.violations.length}`);
  for (const violation of summary.violations) lines.push(`  ${''.padEnd(20)} ${violation}`);
  row('result', summary.ok ? 'PASS' : 'FAIL');
  return lines.join('\n');
}
