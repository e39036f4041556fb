import type { ExecutionClock } from './execution-clock';
import type { EventTime, HistoryEntry } from './history';

/** What a running Task (a Lambda call or an engine-driven Wait) may see and do of its execution. */
export interface TaskPort {
  readonly region: string;
  readonly clock: ExecutionClock;
  /** Aborted when the execution stops or fails, so pending pauses end at once. */
  readonly closed: AbortSignal;
  isRunning(): boolean;
  /** Appends to the history (at `when`, default now); ignored once the execution is closed. */
  record(entry: HistoryEntry, when?: EventTime): void;
  /**
   * What `$$.Task.Token` evaluates to while the library fills in Parameters: the library has one Context Object per
   * execution, so each `.waitForTaskToken` task swaps this stand-in for its own token afterwards.
   */
  readonly taskTokenPlaceholder: string;
  /** The Context Object (`$$`) as seen from inside the named state. */
  contextObject(stateName: string): unknown;
  /**
   * Resolves once the library's earlier events are in the history. The library calls a Task synchronously right
   * after announcing it; without this turn, a LambdaFunctionScheduled could precede its TaskStateEntered.
   */
  catchUp(): Promise<void>;
}
