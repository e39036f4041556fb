/** Detection lag and cost per job: strategies, the schedule model, and the figures read from the simulators. */
export {
  type AapCallBreakdown,
  breakDownAapCalls,
  type ExecutionTrace,
  type JobMeasurement,
  measureJob,
  scheduledWaits,
} from './measure';
export { type MeasuredJob, runStrategy, type StrategyRun } from './run-strategy';
export {
  allowedLagSeconds,
  minimumPollsWithinLagTarget,
  type ScheduledPolls,
  schedulePolls,
  scheduleTradeOff,
  type TradeOff,
  type TransitionModel,
  transitionsFor,
} from './schedule';
export {
  clockGroups,
  JOB_DURATIONS,
  LEAN_FALLBACK_POLL_SCHEDULE,
  type PlannedJob,
  planJobs,
  QUICK_JOB_DURATIONS,
  STRATEGIES,
  type Strategy,
  type StrategyKey,
} from './strategies';
