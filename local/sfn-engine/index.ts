/**
 * A local AWS Step Functions endpoint for this project's serverless.yml, built on aws-local-stepfunctions:
 * the project's own @aws-sdk/client-sfn code runs unchanged against `endpoint`.
 */
export { SfnApiError } from './api-errors';
export { DefinitionError } from './definition';
export { type SfnEngine, type StateMachineSummary, startSfnEngine } from './engine';
export type { ExecutionRecord } from './execution';
export { HISTORY_EVENT_LIMIT } from './history';
export type { LambdaContext, LoadHandler } from './lambda-runtime';
export type { SfnEngineOptions } from './options';
export { PAYLOAD_LIMIT_BYTES } from './payload-limit';
export { ServerlessConfigError } from './serverless-variables';
export { TASK_TOKEN_SOURCE } from './task-tokens';
