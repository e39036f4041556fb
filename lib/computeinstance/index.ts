/**
 * The ComputeInstance model and the pure decisions about it: no I/O, `now` is always passed in.
 */
export { type NextAction, type NextActionInput, nextAction } from './actions';
export {
  backoffAfterFailures,
  deprovisionBackoff,
  MAX_BACKOFF_MS,
  MIN_BACKOFF_MS,
  provisionBackoff,
  remainingBackoffMs,
} from './backoff';
export {
  ConditionType,
  type ConditionUpdate,
  findCondition,
  initialConditions,
  OWNED_CONDITION_TYPES,
  REASON_PATTERN,
  setCondition,
  UNPROCESSABLE_CONDITION,
  UNPROCESSABLE_REASON,
  unprocessableConditions,
} from './conditions';
export { canonicalJson, desiredConfigVersion, fnv1a64Hex } from './config-version';
export {
  abandonIntent,
  appendJob,
  DEFAULT_MAX_JOB_HISTORY,
  type IntentAbandonment,
  isLaunchIntent,
  type JobPatch,
  type JobsChange,
  latestJob,
  resolveIntent,
  trimJobs,
  updateJob,
} from './jobs';
export { hasFinalizer, isBeingDeleted, type ManagementState, managementState } from './metadata';
export {
  type Needs,
  needsOf,
  projectNeeds,
  type Underway,
  type Work,
  type WorkflowStep,
  type WorkflowToStart,
} from './needs';
export {
  isRestartPending,
  RESTART_CLOCK_SKEW_MS,
  RESTART_REQUESTED_IN_FUTURE,
  type RestartRequest,
  restartAfterSuccess,
  restartRequest,
} from './restart';
export {
  API_VERSION,
  COMPUTE_INSTANCE_FINALIZER,
  COMPUTE_INSTANCE_UUID_LABEL,
  ComputeInstance,
  ComputeInstanceSpec,
  ComputeInstanceStatus,
  Condition,
  ConditionStatus,
  GROUP,
  InvalidComputeInstanceError,
  KIND,
  LIST_KIND,
  MANAGEMENT_STATE_ANNOTATION,
  ObjectMeta,
  Phase,
  PLURAL,
  ProvisioningJob,
  parseComputeInstance,
  RunStrategy,
  SINGULAR,
  SUBNET_TARGET_NAMESPACE_ANNOTATION,
  TENANT_ANNOTATION,
  TenantReference,
  VERSION,
} from './schema';
export {
  applyStatusPatch,
  type DeprovisionFinishedInput,
  type DeprovisionStartedOptions,
  type JobLaunchedInput,
  JobMessage,
  type JobProgressInput,
  jobMessage,
  type LaunchFailedInput,
  MAX_JOB_MESSAGE_LENGTH,
  onDeprovisionFinished,
  onDeprovisionStarted,
  onJobLaunched,
  onJobProgress,
  onLaunchFailed,
  onProvisionFinished,
  onProvisionLaunchIntent,
  onWorkStalled,
  type ProvisionFinishedInput,
  type ProvisionLaunchIntentInput,
  STALLED_CONDITION,
  type StalledUpdate,
  type StatusPatch,
} from './status';
export {
  deletingPhasePatch,
  deprovisionIntentPatch,
  type IntentOptions,
  type IntentRefusal,
  isIntentRefusal,
  type JobSighting,
  jobProgressPatch,
  PURGED_MESSAGE,
  provisionIntentPatch,
} from './task-mutations';
export {
  onTenantResolution,
  resolveTenant,
  TENANT_RESOLVED_CONDITION,
  type TenantFacts,
  type TenantResolution,
  TenantUnresolvedReason,
  tenantNameOf,
  tenantUnreadable,
} from './tenant';
export { compareInstants, formatMetaTime, instantMs, isDateTime, parseDateTime } from './time';
