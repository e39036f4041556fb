/**
 * The local console: a page that shows the embedded stack at work (ComputeInstances, Step Functions executions drawn
 * as their state graphs with the path taken, AAP simulator jobs and VMs), live, mounted in any node:http server.
 */
export {
  AslDefinition,
  describeChoiceRule,
  InvalidDefinitionError,
  parseAslDefinition,
  type Transition,
  transitionsOf,
} from './asl';
export {
  type Console,
  createConsole,
  MAX_EVENTS,
  redactSecrets,
  STREAM_INTERVAL_MS,
} from './console';
export { loadStateMachineDefinitions, type StateMachineDefinition } from './definitions';
export { ExecutionPath, executionPath, StateOnPath, StateRun } from './execution-path';
export { type ConsoleSource, type ConsoleSourceOptions, consoleSourceFor } from './source';
export { GraphEdge, GraphLayout, GraphNode, GraphPoint, layoutGraph } from './state-graph';
export {
  AapJobRow,
  ConsoleSnapshot,
  EventView,
  ExecutionDetail,
  ExecutionSummary,
  eventViews,
  InstanceView,
  redactTaskTokens,
  TASK_TOKEN_LABEL,
  VmRow,
} from './views';
