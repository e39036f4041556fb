/**
 * Scheduled reconciliation: repairs what a lost webhook or a dead execution left behind, by starting (or
 * restarting) the deterministic executions the instances need. Pure decisions in `plan`, I/O in `run`.
 */
export { forEachLimited } from './limit';
export {
  afterJobCheck,
  type ExecutionSeen,
  ExecutionStatus,
  type InstanceNeed,
  type JobObservation,
  nextProbe,
  type Observed,
  type PlanOptions,
  type PreviousAttempt,
  type ProbeLimits,
  type ProbeStep,
  planInstance,
  type Work,
} from './plan';
export { emptyReport, type MetricSink, publishReport, type ReconcileReport, reportMetrics } from './report';
export { type ReconcileContext, reconcile } from './run';
export {
  DEADLINE_MARGIN_MS,
  InvalidReconcileSettings,
  loadReconcileLimits,
  MissingStateMachine,
  parseReconcileLimits,
  ReconcileLimits,
  type ReconcileLimitsInput,
  reconcileStateMachines,
  runDeadlineMs,
  scheduledRunLimits,
} from './settings';
