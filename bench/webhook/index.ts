/**
 * The webhook benchmark's parts: realistic events, bundle load timing, and the protocol of the intake runner
 * (intake-runner.ts itself is a child-process entry point, bundled and forked, never imported).
 */
export { type BenchObjects, makeBenchObjects, NAMESPACE } from './events';
export { type LoadSample, type LoadTarget, type LoadTiming, measureLoadTimes } from './load-time';
export {
  type LoopResult,
  RUNNER_RUNS,
  type RunnerMessage,
  RunnerPlan,
  type RunnerReport,
  RunnerRun,
} from './runner-protocol';
