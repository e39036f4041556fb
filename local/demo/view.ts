import type { ExecutionRow, InstanceRow, JobRow, Snapshot } from './snapshot';

/**
 * The demo's terminal view, as pure functions of what is going on: a frame redrawn in place on a terminal, or the
 * lines that changed, appended, when the output is a file or a CI log.
 */

export type StepStatus = 'pending' | 'running' | 'done' | 'failed';

export interface StepState {
  readonly title: string;
  readonly status: StepStatus;
  /** What the step found (done) or what went wrong (failed). */
  readonly detail?: string;
}

export interface ViewState {
  readonly steps: readonly StepState[];
  readonly snapshot: Snapshot;
  /** System time the demo started at, epoch milliseconds. */
  readonly startedAt: number;
  readonly timeScale: number;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const MAX_EXECUTION_ROWS = 6;
const MAX_JOB_ROWS = 6;
/** Header (2), blank + "Instances" (2), "Executions", "AAP jobs", "VMs". */
const FIXED_LINES = 7;

/** `+01:05`: system time since the demo started. */
export function elapsed(startedAt: number, at: number): string {
  const seconds = Math.max(0, Math.floor((at - startedAt) / 1000));
  const minutes = Math.floor(seconds / 60);
  return `+${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

function stepMark(status: StepStatus, tick: number): string {
  switch (status) {
    case 'pending':
      return '·';
    case 'running':
      return SPINNER[tick % SPINNER.length] as string;
    case 'done':
      return '✔';
    case 'failed':
      return '✘';
  }
}

function conditionsText(instance: InstanceRow): string {
  return instance.conditions.map((condition) => `${condition.type}=${condition.status}`).join(' ');
}

function jobsText(instance: InstanceRow): string {
  const recent = instance.jobs.slice(-2).map((job) => `${job.jobID || '(launching)'} ${job.type} ${job.state}`);
  return recent.length === 0 ? '' : `jobs: ${recent.join(', ')}`;
}

/** Running executions first, then the most recent ones that ended. */
function visibleExecutions(executions: readonly ExecutionRow[], limit: number): ExecutionRow[] {
  const running = executions.filter((execution) => execution.status === 'RUNNING');
  const ended = executions.filter((execution) => execution.status !== 'RUNNING');
  return [...running, ...ended.slice(-Math.max(0, limit - running.length))].slice(0, limit);
}

/**
 * How many execution and job rows fit: a redraw moves the cursor up over the last frame, which only works while
 * the frame fits on the screen.
 */
function rowBudget(state: ViewState, height: number | undefined): { executions: number; jobs: number } {
  if (height === undefined) return { executions: MAX_EXECUTION_ROWS, jobs: MAX_JOB_ROWS };
  const fixed = FIXED_LINES + state.steps.length + Math.max(1, state.snapshot.instances.length);
  const free = Math.max(2, height - 1 - fixed);
  const executions = Math.max(1, Math.min(MAX_EXECUTION_ROWS, Math.ceil(free / 2)));
  return { executions, jobs: Math.max(1, Math.min(MAX_JOB_ROWS, free - executions)) };
}

function clip(line: string, width: number): string {
  const chars = [...line];
  return chars.length <= width ? line : `${chars.slice(0, Math.max(1, width - 1)).join('')}…`;
}

/**
 * The whole view; each line fits `width` so a redraw can count the lines it wrote, and with `height` the older
 * executions and jobs give way so the frame fits the screen.
 */
export function renderFrame(state: ViewState, width: number, tick: number, height?: number): string[] {
  const { snapshot } = state;
  const budget = rowBudget(state, height);
  const lines: string[] = [];
  const scale = state.timeScale === 1 ? '' : ` · TIME_SCALE ${state.timeScale}`;
  lines.push(`cloudkit-provisioner demo · system time ${elapsed(state.startedAt, snapshot.at)}${scale}`, '');
  state.steps.forEach((step, index) => {
    const detail = step.detail === undefined || step.status === 'pending' ? '' : ` — ${step.detail}`;
    lines.push(`  ${stepMark(step.status, tick)} ${index + 1}. ${step.title}${detail}`);
  });
  lines.push('', 'Instances');
  if (snapshot.instances.length === 0) lines.push('  (none)');
  for (const instance of snapshot.instances) {
    const phase = instance.deleting ? `${instance.phase} (deleting)` : instance.phase;
    lines.push(`  ${instance.key.padEnd(34)} ${phase.padEnd(20)} ${conditionsText(instance)}  ${jobsText(instance)}`);
  }
  lines.push('Executions');
  const executions = visibleExecutions(snapshot.executions, budget.executions);
  if (executions.length === 0) lines.push('  (none)');
  for (const execution of executions) {
    const at = execution.currentState === undefined ? '' : `  at ${execution.currentState}`;
    lines.push(`  ${execution.status.padEnd(10)} ${execution.machine.padEnd(12)} ${execution.name}${at}`);
  }
  lines.push('AAP jobs');
  const jobs = snapshot.jobs.slice(-budget.jobs);
  if (jobs.length === 0) lines.push('  (none)');
  for (const job of jobs) {
    lines.push(`  ${String(job.id).padEnd(6)} ${job.template.padEnd(30)} ${job.status.padEnd(11)} ${job.vmKey ?? ''}`);
  }
  lines.push(`VMs: ${snapshot.vms.length === 0 ? '(none)' : snapshot.vms.join(', ')}`);
  return lines.map((line) => clip(line.trimEnd(), width));
}

function byKey<T>(rows: readonly T[], key: (row: T) => string): Map<string, T> {
  return new Map(rows.map((row) => [key(row), row]));
}

function instanceChanges(before: InstanceRow | undefined, after: InstanceRow | undefined, key: string): string[] {
  if (after === undefined) return before === undefined ? [] : [`instance ${key}: gone`];
  if (before === undefined) return [`instance ${key}: created`];
  const lines: string[] = [];
  if (!before.deleting && after.deleting) lines.push(`instance ${key}: deletion requested`);
  if (before.phase !== after.phase) lines.push(`instance ${key}: phase ${before.phase} → ${after.phase}`);
  const previous = new Map(before.conditions.map((condition) => [condition.type, condition.status]));
  const changed = after.conditions.filter((condition) => previous.get(condition.type) !== condition.status);
  if (changed.length > 0) {
    lines.push(`instance ${key}: ${changed.map((condition) => `${condition.type}=${condition.status}`).join(' ')}`);
  }
  return lines;
}

function executionChanges(before: ExecutionRow | undefined, after: ExecutionRow): string[] {
  if (before === undefined) {
    const status = after.status === 'RUNNING' ? 'started' : `started and ${after.status}`;
    return [`execution ${after.name} (${after.machine}) ${status}`];
  }
  return before.status === after.status ? [] : [`execution ${after.name} ${after.status}`];
}

function jobChanges(before: JobRow | undefined, after: JobRow): string[] {
  if (before === undefined) return [`AAP job ${after.id} ${after.template}: ${after.status} (${after.vmKey ?? '-'})`];
  return before.status === after.status ? [] : [`AAP job ${after.id}: ${after.status}`];
}

function stepChanges(before: StepState | undefined, after: StepState, number: number): string[] {
  if (before?.status === after.status) return [];
  const detail = after.detail === undefined ? '' : ` — ${after.detail}`;
  switch (after.status) {
    case 'pending':
      return [];
    case 'running':
      return [`▶ step ${number}: ${after.title}`];
    case 'done':
      return [`✔ step ${number}: ${after.title}${detail}`];
    case 'failed':
      return [`✘ step ${number}: ${after.title}${detail}`];
  }
}

/** The lines that say what changed between two views, each stamped with the system time. */
export function changeLines(before: ViewState | undefined, after: ViewState): string[] {
  const lines: string[] = [];
  const beforeInstances = byKey(before?.snapshot.instances ?? [], (row) => row.key);
  const afterInstances = byKey(after.snapshot.instances, (row) => row.key);
  for (const key of new Set([...beforeInstances.keys(), ...afterInstances.keys()])) {
    lines.push(...instanceChanges(beforeInstances.get(key), afterInstances.get(key), key));
  }
  const beforeExecutions = byKey(before?.snapshot.executions ?? [], (row) => row.name);
  for (const execution of after.snapshot.executions) {
    lines.push(...executionChanges(beforeExecutions.get(execution.name), execution));
  }
  const beforeJobs = byKey(before?.snapshot.jobs ?? [], (row) => String(row.id));
  for (const job of after.snapshot.jobs) lines.push(...jobChanges(beforeJobs.get(String(job.id)), job));
  // After what the system did: a step ends because of it, and the next one starts after that.
  after.steps.forEach((step, index) => {
    lines.push(...stepChanges(before?.steps[index], step, index + 1));
  });
  const stamp = `[${elapsed(after.startedAt, after.snapshot.at)}]`;
  return lines.map((line) => `${stamp} ${line}`);
}
