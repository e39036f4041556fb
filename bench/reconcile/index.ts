/**
 * The reconcile benchmark's protocol. world.ts (forked from source) and handler-runner.ts (bundled and forked)
 * are child-process entry points, never imported.
 */
export type {
  Counters,
  RunnerCommand,
  RunnerMessage,
  RunResult,
  WorldCommand,
  WorldEndpoints,
} from './protocol';
