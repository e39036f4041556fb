import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Table } from './table';
import type { TargetResult } from './targets';

export const RESULTS_DIR = path.resolve(__dirname, '..', 'results');

/** What the figures depend on: on a shared 2-core machine the load average explains more than the code. */
export interface Environment {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMB: number;
  /** 1-minute load average when the benchmark started and when it ended. */
  loadAverage: { start: number; end: number };
}

export function loadAverageNow(): number {
  return Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
}

export function environment(loadAtStart: number): Environment {
  return {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    totalMemoryMB: Math.round(os.totalmem() / 1024 / 1024),
    loadAverage: { start: loadAtStart, end: loadAverageNow() },
  };
}

/** One benchmark's outcome: the tables as printed, the targets, and the raw figures for comparing runs. */
export interface BenchResult<Data = unknown> {
  name: string;
  command: string;
  startedAt: string;
  elapsedSeconds: number;
  quick: boolean;
  environment: Environment;
  tables: Table[];
  targets: TargetResult[];
  data: Data;
}

/** Writes `bench/results/<name>.json` (gitignored) and returns its path. */
export function writeResult(result: BenchResult, directory = RESULTS_DIR): string {
  mkdirSync(directory, { recursive: true });
  const file = path.join(directory, `${result.name}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
