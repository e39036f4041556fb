/**
 * The chaos run from the command line: seeded, randomized lifecycles over the local stack under faults, then the
 * invariant table. Exit code 0 when every invariant holds, 1 on a breach (the seed and the replay line are printed),
 * 2 on bad arguments.
 *
 *   npx tsx bench/chaos.ts [--seed S] [--lifecycles 200] [--concurrency 24] [--time-scale 0.01]
 *                          [--faults none|standard|heavy] [--faults-json '{"base":"heavy","webhookLossRate":0.5}']
 *                          [--settle-seconds 3600] [--notifications on|off] [--env KEY=VALUE]... [--json FILE]
 *
 * AAP's job notifications are on by default (receiver, forger and notification faults); `--notifications off` runs
 * the workflows on polling alone, as before issue 13.
 *
 * Set LOG_LEVEL (e.g. WARN) to see the task functions' logs; they are silent by default.
 */
import { randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from '../local/command-line';

const USAGE =
  'usage: tsx bench/chaos.ts [--seed S] [--lifecycles N] [--concurrency N] [--time-scale X] [--faults NAME | --faults-json JSON] [--settle-seconds N] [--notifications on|off] [--env KEY=VALUE]... [--json FILE]';

interface Arguments {
  seed: string;
  lifecycles: number;
  concurrency: number;
  timeScale: number;
  faults: unknown;
  settleSeconds: number;
  notifications: boolean;
  env: Record<string, string>;
  json: string | undefined;
}

function parseArguments(argv: readonly string[]): Arguments {
  const values = parseCommandLine(argv, {
    help: { type: 'boolean', short: 'h' },
    seed: { type: 'string' },
    lifecycles: { type: 'string' },
    concurrency: { type: 'string' },
    'time-scale': { type: 'string' },
    faults: { type: 'string' },
    'faults-json': { type: 'string' },
    'settle-seconds': { type: 'string' },
    notifications: { type: 'string' },
    env: { type: 'string', multiple: true },
    json: { type: 'string' },
  });
  if (values.help) throw new UsageError(USAGE);
  const number = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} needs a number, got "${value}"`);
    return n;
  };
  let faults: unknown = values.faults ?? 'standard';
  if (values['faults-json'] !== undefined) {
    try {
      faults = JSON.parse(values['faults-json']);
    } catch {
      throw new UsageError(`--faults-json is not JSON: ${values['faults-json']}`);
    }
  }
  const notifications = values.notifications ?? 'on';
  if (notifications !== 'on' && notifications !== 'off') {
    throw new UsageError(`--notifications needs on or off, got "${notifications}"`);
  }
  const env: Record<string, string> = {};
  for (const pair of values.env ?? []) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--env needs KEY=VALUE, got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return {
    seed: values.seed ?? String(randomInt(1, 2 ** 31)),
    lifecycles: number('lifecycles', values.lifecycles, 200),
    concurrency: number('concurrency', values.concurrency, 24),
    timeScale: number('time-scale', values['time-scale'], 0.01),
    faults,
    settleSeconds: number('settle-seconds', values['settle-seconds'], 3600),
    notifications: notifications === 'on',
    env,
    json: values.json,
  };
}

function outagesLine(o: Awaited<ReturnType<typeof import('../test/chaos').runChaos>>['outages']): string {
  const hours = (seconds: number) => `${(seconds / 3600).toFixed(2)} h`;
  const hung =
    o.longHungInstance === undefined
      ? 'no provision job to hold'
      : `${o.longHungInstance}'s provision job held ${hours(o.longHangSeconds)} (its deletion ${o.longHungDeletedDuringHang ? 'asked during the hang' : 'NOT asked during the hang'})`;
  return `outages: AAP black hole ${hours(o.blackHoleSeconds)} with ${o.deletionsDuringBlackHole} deletions during it; ${hung}, ${o.deletionsDuringLongHang} deletions meanwhile`;
}

function notificationsLine(n: Awaited<ReturnType<typeof import('../test/chaos').runChaos>>['notifications']): string {
  if (n === undefined) return 'notifications: off (polling alone)';
  const a = n.aap;
  const f = n.forged;
  const kinds = Object.entries(f.byKind)
    .map(([kind, count]) => `${kind} ${count}`)
    .join(', ');
  return [
    `notifications: AAP sent ${a.sent} (${a.delivered} delivered, ${a.lost} lost, ${a.delayed} delayed, ${a.reordered} reordered, ${a.duplicated} duplicated, ${a.failed} failed otherwise)`,
    `forged ${f.sent} (${kinds}; ${f.lies} lies accepted, ${f.unexpected} answered wrongly)`,
    `waits resumed ${n.waits.resumed}, timed out ${n.waits.timedOut}, failed ${n.waits.failed}; waiter rows left ${n.waiterRows} (${n.waiterRowsUnexpired} unexpired)`,
  ].join('; ');
}

async function main(): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return 2;
  }
  // Powertools reads its level when the task functions' modules load: decide it before they are imported.
  process.env.POWERTOOLS_LOG_LEVEL ??= process.env.LOG_LEVEL ?? 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const { InvalidChaosOptions, runChaos } = await import('../test/chaos');
  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  let result: Awaited<ReturnType<typeof runChaos>>;
  try {
    result = await runChaos({
      seed: args.seed,
      lifecycles: args.lifecycles,
      concurrency: args.concurrency,
      timeScale: args.timeScale,
      faults: args.faults as never,
      settleSeconds: args.settleSeconds,
      notifications: args.notifications,
      env: args.env,
      log,
    });
  } catch (error) {
    if (error instanceof InvalidChaosOptions) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const w = result.webhooks;
  const f = result.weather;
  process.stdout.write(
    [
      '',
      `seed ${result.seed}: ${result.lifecycles.length} lifecycles in ${(result.durationMs / 1000).toFixed(1)} s real (settled in ${result.settleSeconds.toFixed(0)} simulated s)`,
      `webhooks: ${w.events} events, ${w.lost} lost, ${w.duplicated} duplicated, ${w.delayed} delayed; ${w.accepted} accepted, ${w.ignored} ignored, ${w.retried} retried, ${w.refused} refused`,
      `faults: ${f.periods} periods; AAP 5xx ${f.aapErrorPeriods}, 429 ${f.rateLimitPeriods}, slow ${f.slowPeriods}, drops ${f.dropPeriods}, slow cancels ${f.slowCancelPeriods}; ${f.failuresInjected} failed jobs, ${f.hungJobs} hung jobs, ${f.purgedJobs} purged; API server 409 storms ${f.conflictStormPeriods}, 5xx ${f.kubeErrorPeriods}, restarts ${f.apiRestarts}`,
      outagesLine(result.outages),
      notificationsLine(result.notifications),
      `AAP jobs ${result.aapJobs}; executions ${result.executions.total} ${JSON.stringify(result.executions.byStatus)}; reconciler ${result.reconciler.runs} runs, started ${result.reconciler.started}, restarted ${result.reconciler.restarted}; user retries ${result.userRetries}; watch re-lists ${result.watch.lists}, reconnects ${result.watch.reconnects}`,
      '',
      result.table,
      '',
    ].join('\n'),
  );
  if (args.json !== undefined) {
    const { lifecycles, evaluation, ...rest } = result;
    const summary = { ...rest, lifecycles: lifecycles.map(({ plan, ...outcome }) => ({ ...outcome, plan })) };
    writeFileSync(args.json, `${JSON.stringify({ ...summary, trimmed: evaluation.trimmedJobRecords }, null, 2)}\n`);
  }
  return result.ok ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
