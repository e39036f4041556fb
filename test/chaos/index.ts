/**
 * The chaos suite: seeded, randomized ComputeInstance lifecycles over the local stack while AAP, the API server and
 * the webhook channel misbehave, then the product's invariants checked from the simulators' own records.
 * `runChaos` is the driver; `bench/chaos.ts` its command line; `chaos.test.ts` the bounded CI run.
 */
export { ClusterUser, ClusterUserError, type UserSpec } from './cluster-user';
export { type EventSource, startEventSource } from './event-source';
export { FaultWeather, type WeatherStats, type WeatherTargets } from './fault-weather';
export { type Evidence, type ExecutionTrace, executionPath, gatherEvidence } from './forensics';
export {
  type ChaosSnapshot,
  type Evaluation,
  type ExecutionSummary,
  effectlessSuccesses,
  evaluate,
  FAULT_ERRORS,
  type InvariantKey,
  type InvariantRow,
  type LifecycleRecord,
  type NotificationSnapshot,
  trimmedByHistoryLimit,
  type WaiterRow,
} from './invariants';
export { type LifecycleContext, type LifecycleOutcome, playLifecycle } from './lifecycle';
export {
  EXPECTED_ANSWER,
  FORGERY_KINDS,
  type ForgedLie,
  type ForgerStats,
  type ForgeryKind,
  NotificationForger,
} from './notification-forger';
export { Observer } from './observer';
export {
  ChaosOptions,
  type ChaosOptionsInput,
  FAULT_PROFILES,
  FaultProfile,
  FaultProfileName,
  InvalidChaosOptions,
  JobDurations,
  parseChaosOptions,
} from './options';
export {
  DEFAULT_PLAN_SETTINGS,
  type DeleteMoment,
  describeStep,
  type LifecyclePlan,
  lifecycleName,
  type Moment,
  type PlanSettings,
  planLifecycle,
  planLifecycles,
  SECURITY_GROUPS,
  type Step,
} from './plan';
export { Prng } from './prng';
export { ReconcilerSchedule } from './reconciler-schedule';
export { formatTable, replayCommand } from './report';
export {
  type ChaosResult,
  type ChaosRunDependencies,
  CREATE_TEMPLATE,
  DELETE_TEMPLATE,
  faultsArgument,
  type NotificationReport,
  runChaos,
} from './run';
export { WebhookChannel, type WebhookChannelOptions, type WebhookStats, type WebhookWeather } from './webhook-channel';
