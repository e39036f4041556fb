export { AapClient, type CancelOutcome, JOBS_BATCH_SIZE } from './client';
export {
  AapError,
  type AapErrorCode,
  type AapErrorName,
  type AapJobKind,
  type AapTemplateType,
  AmbiguousTemplate,
  CredentialsIgnored,
  Forbidden,
  type IgnoredFieldsError,
  InvalidResponse,
  isIgnoredFieldsError,
  JobNotFound,
  LaunchRejected,
  TemplateNotFound,
  TooManyCandidates,
  Transient,
  Unauthorized,
  VariablesIgnored,
} from './errors';
export { type AapJob, parseExtraVars } from './job';
export { buildErrorDetail, ERROR_DETAIL_MAX_LENGTH, mapAapStatus } from './job-status';
export {
  buildLaunchBody,
  DEFAULT_JOB_VARS,
  JobVarsEnvelope,
  type LaunchInput,
  type LaunchResult,
} from './launch';
export { DEFAULT_LAUNCH_SEARCH_LIMIT, type FindLaunchedJobsInput } from './launched-jobs';
export { type AapStatus, MemoryAap, type MemoryJob, type MemoryTemplate } from './memory';
export type { AapClientDeps, AapClientOptions, AapTokenProvider } from './options';
export type { AapPort } from './port';
export { AapJobRef } from './schemas';
export type { AapTemplateRef } from './templates';
