import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ComputeInstance } from '../../lib/computeinstance';
import type { JobView } from '../../local/aap-simulator';
import type { LifecycleOutcome } from './lifecycle';
import { describeStep } from './plan';

/**
 * What an engineer needs to diagnose one breach, from every record the run kept about one instance: its plan, the
 * fate of its webhooks, AAP's jobs with their transitions, each execution's path through its state machine (with
 * the errors its tasks threw), and its last status. Times are simulated seconds since the run started.
 */

export interface ExecutionTrace {
  name: string;
  status: string;
  error?: string;
  /** Simulated seconds since the run started. */
  startedAtSeconds: number;
  path: string;
}

export interface Evidence {
  name: string;
  lines: string[];
}

export interface ForensicsInput {
  outcome: LifecycleOutcome | undefined;
  name: string;
  runStartMs: number;
  jobs: readonly JobView[];
  executions: readonly ExecutionTrace[];
  instance: ComputeInstance | undefined;
  webhookLog: readonly string[];
}

const at = (ms: number | null, runStartMs: number) => (ms === null ? '-' : `${((ms - runStartMs) / 1000).toFixed(0)}s`);

/** `FetchInstance > EnsureFinalizer > LaunchProvisionJob!LaunchNotNeeded > …`, runs of one state collapsed. */
export function executionPath(events: readonly HistoryEvent[]): string {
  const tokens: string[] = [];
  for (const event of events) {
    const entered = event.stateEnteredEventDetails?.name;
    if (entered !== undefined) tokens.push(entered);
    const failed = event.lambdaFunctionFailedEventDetails?.error ?? event.taskFailedEventDetails?.error;
    // A task's error belongs to the state just entered.
    if (failed !== undefined && tokens.length > 0) tokens[tokens.length - 1] += `!${failed}`;
  }
  const steps: string[] = [];
  for (let i = 0; i < tokens.length; ) {
    let run = 1;
    while (tokens[i + run] === tokens[i]) run++;
    steps.push(run > 1 ? `${tokens[i]}×${run}` : (tokens[i] as string));
    i += run;
  }
  return steps.join(' > ');
}

export function gatherEvidence(input: ForensicsInput): Evidence {
  const { outcome, runStartMs } = input;
  const lines: string[] = [];
  if (outcome !== undefined) {
    const plan = outcome.plan;
    lines.push(
      `plan: start ${plan.startAfterSeconds}s, runStrategy ${plan.runStrategy}, groups [${plan.groups.join(',')}]; ${plan.steps.map(describeStep).join('; ') || '(no steps)'}`,
      `uid ${outcome.uid ?? '(never created)'}; delete requested: ${outcome.deleteRequested}; missed moments: ${outcome.missedMoments.join(', ') || 'none'}${outcome.error ? `; error: ${outcome.error}` : ''}`,
    );
  }
  if (input.webhookLog.length > 0) lines.push(`webhooks: ${input.webhookLog.join(' | ')}`);
  for (const job of input.jobs) {
    const transitions = job.transitions.map((t) => `${t.status}@${at(t.time, runStartMs)}`).join(' ');
    const flags = [
      job.cancelRequested ? `cancel@${at(job.canceledOn, runStartMs)}` : '',
      job.effectApplied ? 'effect-applied' : '',
      job.purged ? 'purged' : '',
      job.held ? 'held' : '',
    ].filter(Boolean);
    lines.push(
      `AAP job ${job.id} ${job.effect} ${job.status}: ${transitions}${flags.length ? ` [${flags.join(', ')}]` : ''}`,
    );
  }
  for (const execution of input.executions) {
    lines.push(
      `execution ${execution.name} ${execution.status}${execution.error ? ` (${execution.error})` : ''} from ${execution.startedAtSeconds.toFixed(0)}s: ${execution.path}`,
    );
  }
  if (input.instance === undefined) lines.push('instance: gone');
  else {
    const { metadata, status } = input.instance;
    const jobs = (status?.provisioningJobs ?? [])
      .map((j) => `${j.type}:${j.jobID || 'intent'}:${j.state}@${j.timestamp.slice(11, 19)}`)
      .join(' ');
    lines.push(
      `instance: generation ${metadata.generation}, deletionTimestamp ${metadata.deletionTimestamp ?? '-'}, finalizers [${(metadata.finalizers ?? []).join(',')}], phase ${status?.phase}, jobs ${jobs}`,
    );
  }
  return { name: input.name, lines };
}
