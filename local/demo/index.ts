import { setTimeout as delay } from 'node:timers/promises';
import { GROUP, PLURAL } from '../../lib/computeinstance';
import type { LocalStack } from '../stack';
import { KubeApi } from './kube-api';
import { type DemoOutput, LiveView } from './live-view';
import { type DemoContext, type DemoInstances, lifecycleSteps, runSteps } from './scenario';
import { type DemoSummary, mergeEarliest, renderSummary, summarize, terminalStatusTimes } from './summary';
import type { StepState } from './view';

/**
 * `npm start -- --demo`: walks one instance through its whole lifecycle (create, provision, restart, halt, delete)
 * and deletes a second one while it is being provisioned, on a running system, showing it live; then prints a
 * summary whose invariants decide the exit code.
 */

export { KubeApi, KubeApiError } from './kube-api';
export { type DemoOutput, LiveView } from './live-view';
export {
  aapJobsOf,
  type DemoContext,
  type DemoInstances,
  type DemoStep,
  demoInstance,
  lifecycleSteps,
  runSteps,
} from './scenario';
export {
  type ExecutionRow,
  executionRow,
  type InstanceRow,
  instanceRow,
  type JobRow,
  jobRow,
  machineKind,
  type Snapshot,
  takeSnapshot,
} from './snapshot';
export {
  compressPath,
  type DemoSummary,
  type ExecutionSummary,
  mergeEarliest,
  renderSummary,
  type SummaryInputs,
  summarize,
  terminalStatusTimes,
} from './summary';
export { changeLines, elapsed, renderFrame, type StepState, type StepStatus, type ViewState } from './view';

export interface DemoOptions {
  readonly output: DemoOutput;
  /** Namespace of the local cluster to create the instances in. */
  readonly namespace: string;
  readonly instances?: DemoInstances;
  /** Stops the demo between steps and while waiting (Ctrl-C). */
  readonly signal?: AbortSignal;
  /** How often the view refreshes (real milliseconds). */
  readonly refreshMs?: number;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly summary: DemoSummary;
}

const DEFAULT_INSTANCES: DemoInstances = { first: 'demo-web', second: 'demo-db' };
/** How often a step looks for what it waits for: 1 s of system time, but not more often than every 20 ms. */
const MIN_POLL_MS = 20;
const POLL_SYSTEM_MS = 1000;
/** How often the API server's request log is read for status writes (real time; it holds the last 2000 requests). */
const LOG_READ_MS = 1000;
/** A step may take this much system time (a job is ~22 s), and never less than this much real time. */
const STEP_SYSTEM_SECONDS = 900;
const MIN_STEP_MS = 20_000;

function waiter(timeoutMs: number, pollMs: number, signal: AbortSignal | undefined): DemoContext['waitFor'] {
  return async (what, probe) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (signal?.aborted) throw new Error(`stopped while waiting for ${what}`);
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
      await delay(pollMs, undefined, { signal }).catch(() => undefined);
    }
  };
}

export async function runDemo(stack: LocalStack, options: DemoOptions): Promise<DemoResult> {
  const timeScale = Number(stack.env.TIME_SCALE ?? '1');
  const instances = options.instances ?? DEFAULT_INSTANCES;
  const namespace = options.namespace;
  const ctx: DemoContext = {
    stack,
    kube: new KubeApi(stack.kube.url, stack.kube.token),
    namespace,
    waitFor: waiter(
      Math.max(MIN_STEP_MS, STEP_SYSTEM_SECONDS * 1000 * timeScale),
      Math.max(MIN_POLL_MS, POLL_SYSTEM_MS * timeScale),
      options.signal,
    ),
  };
  const steps = lifecycleSteps(instances);
  // The API server's request log is a rolling window: read it often enough that no status write is missed.
  const terminalRecordedAt = new Map<string, number>();
  const collect = () => mergeEarliest(terminalRecordedAt, terminalStatusTimes(stack.kube.requestLog()));
  const collecting = setInterval(collect, LOG_READ_MS);

  const view = new LiveView({
    output: options.output,
    stack,
    steps: steps.map((step): StepState => ({ title: step.title, status: 'pending' })),
    startedAt: stack.now().getTime(),
    timeScale,
    refreshMs: options.refreshMs ?? 100,
  });
  view.start();
  let states: StepState[];
  try {
    states = await runSteps(
      steps,
      ctx,
      (changed) => {
        collect();
        view.setSteps(changed);
      },
      options.signal,
    );
  } finally {
    clearInterval(collecting);
    view.stop();
  }
  collect();

  const keys = [instances.first, instances.second].map((name) => `${namespace}/${name}`);
  const live = stack.kube.objects({ group: GROUP, plural: PLURAL }).map((object) => {
    const metadata = object.metadata as { namespace?: string; name?: string } | undefined;
    return `${metadata?.namespace}/${metadata?.name}`;
  });
  // A VM whose instance no longer exists is an orphan: the simulator records it as a violation.
  stack.aap.world.checkOrphans(live);
  const summary = summarize({
    steps: states,
    instanceKeys: keys,
    jobs: stack.aap.world.jobs(),
    executions: stack.sfn.executions().map((record) => ({ record, history: stack.sfn.history(record.executionArn) })),
    terminalRecordedAt,
    vms: stack.aap.world.vms(),
    violations: stack.aap.world.violations(),
  });
  options.output.write(`\n${renderSummary(summary)}\n`);
  return { ok: summary.ok, summary };
}
