/**
 * The workflow tasks, one module per group of states. Each takes the task context (its ports: AAP, the store,
 * Step Functions, clock, logs, metrics) and the state's parsed input (lib/workflow/wire.ts).
 */
export * from '../wire';
export { awaitJobEnd } from './await-job';
export { cancelProvision } from './cancel';
export { continueAsNew, stopProvisioning } from './executions';
export { ensureFinalizer, removeFinalizer } from './finalizer';
export { decisionFor, inspect } from './inspect';
export { launch } from './launch';
export { poll } from './poll';
