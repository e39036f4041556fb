/**
 * Every benchmark, one after another: prints each table (the baseline beside what replaces it), the targets with
 * their verdicts, and writes each benchmark's figures to bench/results/<name>.json. Changes nothing else.
 *
 *   npx tsx bench/run.ts [--only lifecycle,webhook,reconcile,receiver] [--quick]
 */
import './support/quiet';
import { UsageError } from '../local/command-line';
import { runLifecycleBench } from './lifecycle.bench';
import { runReceiverBench } from './receiver.bench';
import { runReconcileBench } from './reconcile.bench';
import { type BenchName, type BenchResult, parseBenchArgs, renderTable, USAGE, writeResult } from './support';
import { runWebhookBench } from './webhook.bench';

type Bench = (options: { quick: boolean; log: (line: string) => void }) => Promise<BenchResult>;

const BENCHES: Record<BenchName, Bench> = {
  lifecycle: runLifecycleBench,
  webhook: runWebhookBench,
  reconcile: runReconcileBench,
  receiver: runReceiverBench,
};

/** Progress goes to stderr, tables to stdout: `> results.md` keeps only what is worth keeping. */
const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(argv: readonly string[]): Promise<number> {
  const args = parseBenchArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  let missed = 0;
  for (const name of args.only) {
    log(`${name}${args.quick ? ' (quick)' : ''}: running`);
    const result = await BENCHES[name]({ quick: args.quick, log });
    const { environment: env } = result;
    console.log(`## ${name}${result.quick ? ' (--quick: not figures to quote)' : ''}\n`);
    console.log(
      `Node ${env.node}, ${env.cpus} × ${env.cpuModel}, load average ${env.loadAverage.start} → ${env.loadAverage.end}, ${Math.round(result.elapsedSeconds)} s\n`,
    );
    for (const table of result.tables) console.log(`${renderTable(table)}\n`);
    const file = writeResult(result);
    log(`${name}: figures written to ${file}`);
    missed += result.targets.filter((target) => target.verdict === 'missed').length;
  }
  if (missed > 0) log(`${missed} target(s) missed: see the targets tables for by how much and why`);
  // A benchmark reports; a missed target is a finding, not a failed run.
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
