import * as z from 'zod';
import { parseCommandLine, UsageError } from '../../local/command-line';

export const BENCH_NAMES = ['lifecycle', 'webhook', 'reconcile', 'receiver'] as const;
export const BenchName = z.enum(BENCH_NAMES);
export type BenchName = z.infer<typeof BenchName>;

export interface BenchArgs {
  /** The benchmarks to run, in the order given (all three when not said). */
  only: BenchName[];
  /** Fewer jobs, durations and sizes: a smoke run in about two minutes, not figures to quote. */
  quick: boolean;
  help: boolean;
}

export const USAGE = `usage: tsx bench/run.ts [--only ${BENCH_NAMES.join(',')}] [--quick]

  --only a,b   run only these benchmarks (default: all, in this order)
  --quick      shorter runs (fewer jobs, no 2 h jobs, 1,000 instances only): checks the benches work
  --help       this text

Tables are printed; each benchmark's figures are also written to bench/results/<name>.json.`;

/** Reads `--only a,b` / `--only=a,b`, `--quick`, `--help`; anything else is a usage error naming it. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  const values = parseCommandLine(argv, {
    only: { type: 'string' },
    quick: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const args: BenchArgs = { only: [...BENCH_NAMES], quick: values.quick ?? false, help: values.help ?? false };
  if (values.only !== undefined) {
    if (values.only === '') throw new UsageError('--only needs a list, e.g. --only webhook');
    const names = values.only.split(',').map((name) => name.trim());
    const parsed = z.array(BenchName).min(1).safeParse(names);
    if (!parsed.success) {
      const unknown = names.filter((name) => !BenchName.safeParse(name).success);
      throw new UsageError(`--only: unknown benchmark ${unknown.join(', ')} (known: ${BENCH_NAMES.join(', ')})`);
    }
    args.only = [...new Set(parsed.data)];
  }
  return args;
}
