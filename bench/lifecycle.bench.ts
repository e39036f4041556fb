/**
 * Detection lag and cost per job: how soon the workflow sees an AAP job end, and what that costs in state
 * transitions and AAP calls, for the adaptive poll schedule against fixed polls (the 30 s poll of the system this
 * replaces, and an aggressive 2 s one). Everything is counted, not estimated: transitions from the local engine's
 * history, AAP calls and job end times from the AAP simulator's own records.
 *
 *   npx tsx bench/lifecycle.bench.ts [--durations 10,60,600,1800,7200] [--scale 0.01]
 */
import { startLocalStack } from '../local/stack';
import { ClusterClient, sfnClient, startProvision } from '../test/e2e/harness';

interface Strategy {
  name: string;
  env: Record<string, string>;
}

const STRATEGIES: Strategy[] = [
  { name: 'adaptive (5 s..5 min, 10%)', env: {} },
  { name: 'fixed 30 s (baseline)', env: { POLL_MIN_SECONDS: '30', POLL_MAX_SECONDS: '30' } },
  { name: 'fixed 2 s', env: { POLL_MIN_SECONDS: '2', POLL_MAX_SECONDS: '2' } },
];

export interface LifecycleRow {
  strategy: string;
  durationSeconds: number;
  detectionLagSeconds: number;
  transitions: number;
  aapCalls: number;
  polls: number;
}

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

async function measure(strategy: Strategy, durationSeconds: number, timeScale: number): Promise<LifecycleRow> {
  const stack = await startLocalStack({
    timeScale,
    templates: [
      {
        name: 'osac-create-compute-instance',
        effect: 'create-vm',
        durations: { pending: 0, waiting: 0, running: durationSeconds },
      },
    ],
    env: strategy.env,
  });
  try {
    const cluster = new ClusterClient(stack);
    const created = await cluster.create(`vm-${durationSeconds}s`);
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    const record = await stack.sfn.settled(executionArn);
    if (record.status !== 'SUCCEEDED') {
      throw new Error(
        `${strategy.name}/${durationSeconds}s: ${record.status} ${record.error ?? ''} ${record.cause ?? ''}`,
      );
    }
    const job = stack.aap.world.jobs().find((j) => j.effect === 'create-vm');
    if (!job?.finishedAt) throw new Error('the AAP simulator recorded no finished job');
    const jobPath = new RegExp(`/v2/jobs/${job.id}/$`);
    const jobCalls = stack.aap.requestLog().filter((r) => jobPath.test(r.path));
    const seen = jobCalls.find((r) => r.time >= (job.finishedAt as number));
    // Every AAP request of the execution: template lookups, the launch and the polls.
    const aapCalls = stack.aap.requestLog().filter((r) => r.path.includes('/v2/')).length;
    return {
      strategy: strategy.name,
      durationSeconds,
      detectionLagSeconds: seen ? (seen.time - job.finishedAt) / 1000 : Number.NaN,
      transitions: record.stateTransitions,
      aapCalls,
      polls: jobCalls.length,
    };
  } finally {
    await stack.close();
  }
}

export async function runLifecycleBench(durations: number[], timeScale: number): Promise<LifecycleRow[]> {
  const rows: LifecycleRow[] = [];
  for (const durationSeconds of durations) {
    for (const strategy of STRATEGIES) rows.push(await measure(strategy, durationSeconds, timeScale));
  }
  return rows;
}

async function main(): Promise<void> {
  const durations = argument('durations', '10,60,600,1800').split(',').map(Number);
  const timeScale = Number(argument('scale', '0.01'));
  const rows = await runLifecycleBench(durations, timeScale);
  console.table(
    rows.map((r) => ({
      'job duration': `${r.durationSeconds} s`,
      strategy: r.strategy,
      'detection lag (s)': r.detectionLagSeconds.toFixed(1),
      'state transitions': r.transitions,
      'AAP calls': r.aapCalls,
      polls: r.polls,
    })),
  );
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
