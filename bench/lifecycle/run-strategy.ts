import { setTimeout as delay } from 'node:timers/promises';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { type ComputeInstance, GROUP, PLURAL, VERSION } from '../../lib/computeinstance';
import { executionNamePrefix } from '../../lib/sfn';
import { RUNNING_SECONDS_ANNOTATION } from '../../local/aap-simulator';
import { sampleInstance, tenantAnnotations } from '../../local/fixtures/sample-instance';
import { LOCAL_TENANT } from '../../local/fixtures/sample-tenant';
import type { ExecutionRecord } from '../../local/sfn-engine';
import { DEFAULT_NAMESPACE, type LocalStack, startLocalStack } from '../../local/stack';
import { refOf, sfnClient, startProvision } from '../../test/e2e/harness';
import {
  type AapCallBreakdown,
  breakDownAapCalls,
  type ExecutionTrace,
  type JobMeasurement,
  measureJob,
} from './measure';
import { type PlannedJob, planJobs, type Strategy } from './strategies';

export interface MeasuredJob extends JobMeasurement {
  cellSeconds: number;
  /**
   * With notifications: from the job's end to AAP sending its notification (the AAP simulator's notification record,
   * `created`; a delay fault would add to it), on the stack clock; NaN when it was lost (or never sent). Everything
   * after it (the request, the receiver, the resumed execution, the poll) is this project's and counts as lag beyond
   * delivery.
   */
  deliverySeconds: number;
}

/** When AAP sent the job's notification, as the AAP simulator recorded it (`GET jobs/{id}/notifications/`). */
async function notificationSentAt(stack: LocalStack, jobId: number): Promise<number> {
  const response = await fetch(`${stack.aap.url}/api/v2/jobs/${jobId}/notifications/`, {
    headers: { authorization: `Bearer ${stack.aap.token}` },
  });
  if (response.status !== 200) throw new Error(`notifications of AAP job ${jobId}: ${response.status}`);
  const { results } = (await response.json()) as { results: Array<{ status: string; created: string }> };
  const delivered = results.filter((n) => n.status === 'successful').map((n) => Date.parse(n.created));
  return delivered.length === 0 ? Number.NaN : Math.min(...delivered);
}

const LOST_NOTIFICATIONS_SEED = 1313;

export interface StrategyRun {
  strategy: Strategy;
  /** The stack's clock: the strategy's, or a slower one for its short cells. */
  timeScale: number;
  durations: number[];
  jobs: MeasuredJob[];
  aapCalls: AapCallBreakdown;
  wallSeconds: number;
  /** CPU time of this process over wall time: near 100 % the single thread was saturated and lags grow. */
  cpuBusyShare: number;
}

/** The create template runs as long as each instance's annotation asks; nothing else of it matters here. */
const CREATE_TEMPLATE = {
  name: 'osac-create-compute-instance',
  effect: 'create-vm' as const,
  durations: { pending: 0, waiting: 0, running: 20 },
};

async function createInstance(stack: LocalStack, job: PlannedJob): Promise<ComputeInstance> {
  const url = `${stack.kube.url}/apis/${GROUP}/${VERSION}/namespaces/${DEFAULT_NAMESPACE}/${PLURAL}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.kube.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(
      sampleInstance({
        name: job.name,
        namespace: DEFAULT_NAMESPACE,
        annotations: {
          ...tenantAnnotations(LOCAL_TENANT),
          [RUNNING_SECONDS_ANNOTATION]: String(job.requestedSeconds),
        },
      }),
    ),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`creating ${job.name}: ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text) as ComputeInstance;
}

/** Waits for the execution and every continuation it handed over to; returns them in order. */
async function settleChain(stack: LocalStack, executionArn: string): Promise<ExecutionRecord[]> {
  const chain: ExecutionRecord[] = [];
  let next: string | undefined = executionArn;
  while (next !== undefined) {
    const record = await stack.sfn.settled(next);
    chain.push(record);
    const output = JSON.parse(record.output ?? '{}') as { continuedAs?: { executionArn?: string } };
    next = output.continuedAs?.executionArn;
  }
  return chain;
}

interface Launched {
  planned: PlannedJob;
  instance: ComputeInstance;
  executionArn: string;
}

function collect(
  stack: LocalStack,
  launched: Launched,
  chain: readonly ExecutionRecord[],
): JobMeasurement & { cellSeconds: number } {
  const { planned, instance } = launched;
  const where = `${planned.name} (${planned.requestedSeconds} s)`;
  const failed = chain.find((record) => record.status !== 'SUCCEEDED');
  if (failed) throw new Error(`${where}: execution ${failed.name} ended ${failed.status} ${failed.error ?? ''}`);
  const vmKey = `${DEFAULT_NAMESPACE}/${planned.name}`;
  const jobs = stack.aap.world.jobs().filter((job) => job.vmKey === vmKey && job.effect === 'create-vm');
  const job = jobs[0];
  if (jobs.length !== 1 || job === undefined) throw new Error(`${where}: expected one AAP job, found ${jobs.length}`);
  if (job.status !== 'successful') throw new Error(`${where}: AAP job ${job.id} ended ${job.status}`);
  const prefix = `${executionNamePrefix('provision', refOf(instance))}-`;
  const traces: ExecutionTrace[] = stack.sfn
    .executions()
    .filter((record) => record.name.startsWith(prefix))
    .map((record) => ({ stateTransitions: record.stateTransitions, history: stack.sfn.history(record.executionArn) }));
  const measured = measureJob(job, planned.requestedSeconds, stack.aap.requestLog(), traces);
  // A job that ran the template's 20 s instead of its own length would make every figure of its cell wrong.
  if (measured.ranSeconds < planned.requestedSeconds * 0.99) {
    throw new Error(`${where}: the AAP job ran ${measured.ranSeconds} s; the annotation was not applied`);
  }
  return { ...measured, cellSeconds: planned.cellSeconds };
}

/**
 * One stack for the strategy; every job of every duration runs in it at once (launched a little apart), so the
 * run takes as long as its longest job and all jobs see the same load. Returns what the records say.
 */
export async function runStrategy(
  strategy: Strategy,
  durations: readonly number[],
  jobsPerDuration: number,
  log: (line: string) => void,
  timeScale: number = strategy.timeScale,
): Promise<StrategyRun> {
  const stack = await startLocalStack({
    timeScale,
    templates: [CREATE_TEMPLATE],
    env: strategy.env,
    notifications: strategy.notifications !== undefined,
  });
  if (strategy.notifications && strategy.notifications.lostFraction > 0) {
    // A fixed seed: every run loses the same notifications.
    stack.aap.setFaults({
      seed: LOST_NOTIFICATIONS_SEED,
      notifications: { lostFraction: strategy.notifications.lostFraction },
    });
  }
  let sfn: SFNClient | undefined;
  try {
    sfn = sfnClient(stack);
    const plan = planJobs(durations, jobsPerDuration);
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    const launched: Launched[] = [];
    const settling: Array<Promise<ExecutionRecord[]>> = [];
    for (const planned of plan) {
      const instance = await createInstance(stack, planned);
      const { executionArn } = await startProvision(stack, sfn, instance);
      launched.push({ planned, instance, executionArn });
      settling.push(settleChain(stack, executionArn));
      await delay(strategy.launchSpacingMs);
    }
    const longest = Math.max(...durations);
    log(
      `  ${strategy.label}: ${plan.length} jobs launched; time scale ${timeScale}, waiting for the longest (${longest} s ≈ ${Math.round(longest * 1.1 * timeScale)} s real)`,
    );
    const chains = await Promise.all(settling);
    const wallSeconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const measured = launched.map((job, i) => collect(stack, job, chains[i] ?? []));
    // Read before the notification records are asked for, which the request log would count too.
    const aapCalls = breakDownAapCalls(stack.aap.requestLog());
    const jobs: MeasuredJob[] = [];
    for (const job of measured) {
      const sentAt = strategy.notifications ? await notificationSentAt(stack, job.jobId) : Number.NaN;
      const finishedAt = stack.aap.world.jobs().find((j) => j.id === job.jobId)?.finishedAt ?? Number.NaN;
      jobs.push({ ...job, deliverySeconds: (sentAt - finishedAt) / 1000 });
    }
    return {
      strategy,
      timeScale,
      durations: [...durations],
      jobs,
      aapCalls,
      wallSeconds,
      cpuBusyShare: (cpu.user + cpu.system) / 1e6 / wallSeconds,
    };
  } finally {
    sfn?.destroy();
    await stack.close();
  }
}
