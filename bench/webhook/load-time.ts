import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import * as z from 'zod';
import { EXTERNALS_PATH, NODE22 } from '../support/lambda-bundles';
import { median, percentile } from '../support/stats';

const run = promisify(execFile);

/**
 * What a cold start pays before the handler runs: `require` of the bundle in a fresh Node 22 process, timed from
 * inside it (wall and CPU), so process start-up itself (the runtime's, not ours) stays out.
 */
const LoadSample = z.object({ wallMs: z.number().nonnegative(), cpuMs: z.number().nonnegative() });
export type LoadSample = z.infer<typeof LoadSample>;

export interface LoadTarget {
  label: string;
  /** What to require: an absolute bundle path or a package name. */
  module: string;
  execArgv: readonly string[];
}

export interface LoadTiming {
  label: string;
  samples: LoadSample[];
  wallMsMedian: number;
  wallMsP95: number;
  cpuMsMedian: number;
}

const PROBE = `
const cpu = process.cpuUsage();
const started = performance.now();
require(process.argv[1]);
const wallMs = performance.now() - started;
const used = process.cpuUsage(cpu);
process.stdout.write(JSON.stringify({ wallMs, cpuMs: (used.user + used.system) / 1000 }));
`;

async function loadOnce(target: LoadTarget, env: Record<string, string>): Promise<LoadSample> {
  const { stdout } = await run(NODE22, [...target.execArgv, '-e', PROBE, target.module], {
    env: { PATH: process.env.PATH ?? '', NODE_PATH: EXTERNALS_PATH, ...env },
    timeout: 60_000,
  });
  const parsed = LoadSample.safeParse(JSON.parse(stdout));
  if (!parsed.success) throw new Error(`loading ${target.label} printed ${stdout.slice(0, 200)}`);
  return parsed.data;
}

/**
 * `spawns` fresh processes per target, taken round-robin so that a change in the machine's load hits every target
 * alike rather than whichever happened to run then.
 */
export async function measureLoadTimes(
  targets: readonly LoadTarget[],
  spawns: number,
  env: Record<string, string>,
): Promise<LoadTiming[]> {
  const samples = targets.map(() => [] as LoadSample[]);
  for (let round = 0; round < spawns; round++) {
    for (const [i, target] of targets.entries()) samples[i]?.push(await loadOnce(target, env));
  }
  return targets.map((target, i) => {
    const taken = samples[i] ?? [];
    return {
      label: target.label,
      samples: taken,
      wallMsMedian: median(taken.map((s) => s.wallMs)),
      wallMsP95: percentile(
        taken.map((s) => s.wallMs),
        95,
      ),
      cpuMsMedian: median(taken.map((s) => s.cpuMs)),
    };
  });
}
