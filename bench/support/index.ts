/** What every benchmark shares: statistics, tables, targets, result files, arguments, Lambda bundles. */

export { BENCH_NAMES, type BenchArgs, BenchName, parseBenchArgs, USAGE } from './args';
export { BundleProcess, type BundleProcessOptions } from './child';
export { CpuProfile, profileWhile, type SelfTime, selfTimes } from './cpu-profile';
export {
  type BuiltBundle,
  bundleLikeServerless,
  type EsbuildSettings,
  EXTERNALS_PATH,
  includesPackage,
  type LambdaFunction,
  lambdaEnvironment,
  lambdaHeapFlags,
  NODE22,
  PROJECT_ROOT,
  readServerlessBuild,
  type ServerlessBuild,
} from './lambda-bundles';
export { type BenchResult, type Environment, environment, loadAverageNow, RESULTS_DIR, writeResult } from './results';
export { linearFit, mean, median, percentile, type Summary, summarize } from './stats';
export { type Cell, type Column, count, duration, fixed, kilobytes, renderTable, type Table } from './table';
export { describeVerdict, evaluateTarget, type Target, type TargetResult, targetsTable, type Verdict } from './targets';
