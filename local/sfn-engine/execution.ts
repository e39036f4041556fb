import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import type { RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { runCallbackTask } from './callback-task';
import type { FunctionIndex, PreparedDefinition } from './definition';
import { ExecutionClock, retryPauseCeilingMs } from './execution-clock';
import { type EventTime, ExecutionHistory, HISTORY_EVENT_LIMIT, type HistoryEntry } from './history';
import {
  executionAborted,
  executionFailed,
  executionStarted,
  executionSucceeded,
  executionTimedOut,
  mapIteration,
  type StateType,
  stateEntered,
  stateExited,
} from './history-events';
import type { LambdaRuntime } from './lambda-runtime';
import { runLambdaTask } from './lambda-task';
import { exceedsPayloadLimit } from './payload-limit';
import type { TaskPort } from './task-port';
import type { TaskTokens } from './task-tokens';
import { MAX_TIMER_MS } from './timers';
import { runWait } from './wait-task';

type Run = ReturnType<StateMachine['run']>;
type LibraryEvent = Run['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;
type JsonValue = Parameters<StateMachine['run']>[0];
type LocalHandlers = NonNullable<NonNullable<RunOptions['overrides']>['taskResourceLocalHandlers']>;
type Context = NonNullable<RunOptions['context']>;

/** A state machine loaded from serverless.yml, validated and ready to run. */
export interface PreparedStateMachine {
  readonly key: string;
  readonly name: string;
  readonly arn: string;
  readonly roleArn: string;
  readonly creationDate: Date;
  readonly prepared: PreparedDefinition;
  readonly runner: StateMachine;
}

export interface ExecutionDependencies {
  readonly runtime: LambdaRuntime;
  readonly functions: FunctionIndex;
  readonly region: string;
  readonly timeScale: number;
  readonly tokens: TaskTokens;
}

/** A read-only copy of an execution's state, as tests and DescribeExecution see it. */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly input: string;
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly startDate: Date;
  readonly stopDate?: Date;
  /** States entered so far (every `*StateEntered` event). */
  readonly stateTransitions: number;
  readonly historyEventCount: number;
}

interface Outcome {
  output?: string;
  error?: string;
  cause?: string;
}

/**
 * One Standard workflow execution: the library interprets the ASL, this class turns its event log into AWS history,
 * runs the Tasks and Waits the library hands over, and owns the status. Once closed (succeeded, failed, timed out,
 * aborted) nothing more is recorded, whatever the library or a still-running handler does afterwards.
 */
export class Execution {
  readonly startDate: Date;
  private status: ExecutionStatus = 'RUNNING';
  private outcome: Outcome = {};
  private stopDate?: Date;
  private readonly clock: ExecutionClock;
  private readonly history: ExecutionHistory;
  private readonly closing = new AbortController();
  private abortRun: () => void = () => undefined;
  private readonly failedAt = new Map<string, number>();
  private readonly watchers = new Set<() => void>();
  private readonly port: TaskPort;
  /** The Context Object (`$$`) the library and the engine's own path lookups share. */
  private readonly context: Context;

  constructor(
    readonly machine: PreparedStateMachine,
    readonly executionArn: string,
    readonly name: string,
    readonly input: string,
    /** Start order across the engine; ListExecutions sorts on it. */
    readonly sequence: number,
    private readonly deps: ExecutionDependencies,
  ) {
    this.clock = new ExecutionClock(deps.timeScale);
    this.history = new ExecutionHistory(this.clock);
    this.startDate = new Date(Date.now());
    const parsedInput = JSON.parse(input) as JsonValue;
    const taskTokenPlaceholder = `sfn-engine-task-token-${randomUUID()}`;
    this.context = {
      Execution: {
        Id: executionArn,
        Name: name,
        RoleArn: machine.roleArn,
        StartTime: this.startDate.toISOString(),
        Input: parsedInput,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
      Task: { Token: taskTokenPlaceholder },
    };
    this.port = {
      region: deps.region,
      clock: this.clock,
      closed: this.closing.signal,
      isRunning: () => this.status === 'RUNNING',
      record: (entry, when) => this.record(entry, when),
      taskTokenPlaceholder,
      contextObject: (stateName) => ({ ...this.context, State: { Name: stateName } }),
      catchUp: () => nextTurn(),
    };
  }

  start(): void {
    this.history.append(executionStarted(this.input, this.machine.roleArn), { realMs: this.startDate.getTime() });
    // Shared with the Context Object: the library copies its input before working on it.
    const run = this.machine.runner.run(this.context.Execution?.Input ?? null, {
      overrides: { taskResourceLocalHandlers: this.localHandlers() },
      noThrowOnAbort: true,
      context: this.context,
    });
    this.abortRun = run.abort;
    // The outcome is read from the event log; the result promise only needs its rejection handled.
    run.result.catch(() => undefined);
    void this.follow(run.eventLogs);
    const { timeoutSeconds } = this.machine.prepared;
    if (timeoutSeconds !== undefined) this.enforceTimeout(this.startDate.getTime() + timeoutSeconds * 1000);
  }

  /**
   * The execution's TimeoutSeconds, counted on the execution clock like everything in its history: scaled pauses
   * bring the deadline closer at their own pace. Re-armed whenever that pace changes.
   */
  private enforceTimeout(deadline: number): void {
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      if (this.status !== 'RUNNING') return;
      const remaining = deadline - this.clock.now();
      if (remaining <= 0) {
        // Stamped at the deadline itself, as AWS does, not at the (scaled-up) lateness of the timer.
        this.close('TIMED_OUT', executionTimedOut(), { error: 'States.Timeout' }, { virtualMs: deadline });
        return;
      }
      timer = setTimeout(arm, Math.min(Math.ceil(remaining / this.clock.rate()), MAX_TIMER_MS));
    };
    const unsubscribe = this.clock.onChange(arm);
    this.closing.signal.addEventListener('abort', () => {
      clearTimeout(timer);
      unsubscribe();
    });
    arm();
  }

  /** StopExecution: ABORTED at once; pending pauses end, a running handler finishes unobserved. */
  stop(error: string | undefined, cause: string | undefined): Date {
    this.close('ABORTED', executionAborted(error, cause), { error, cause });
    return this.stopDate ?? new Date(this.clock.now());
  }

  record(entry: HistoryEntry, when?: EventTime): void {
    if (this.status !== 'RUNNING') return;
    if (this.history.length >= HISTORY_EVENT_LIMIT - 1) {
      this.failNow(
        'States.Runtime',
        `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`,
      );
      return;
    }
    this.history.append(entry, when);
    this.notify();
  }

  snapshot(): ExecutionRecord {
    return {
      executionArn: this.executionArn,
      stateMachineArn: this.machine.arn,
      stateMachineName: this.machine.name,
      name: this.name,
      status: this.status,
      input: this.input,
      ...this.outcome,
      startDate: this.startDate,
      ...(this.stopDate === undefined ? {} : { stopDate: this.stopDate }),
      stateTransitions: this.history.stateTransitions,
      historyEventCount: this.history.length,
    };
  }

  events(): readonly HistoryEvent[] {
    return this.history.list();
  }

  /** Resolves with the closed execution. */
  settled(): Promise<ExecutionRecord> {
    return this.whenever(() => (this.status === 'RUNNING' ? undefined : this.snapshot()));
  }

  /** Resolves with the first history event (already written or still to come) that matches; rejects if none ever can. */
  historyEvent(matches: (event: HistoryEvent) => boolean): Promise<HistoryEvent> {
    return this.whenever(() => {
      const found = this.history.list().find(matches);
      if (found !== undefined || this.status === 'RUNNING') return found;
      throw new Error(`execution ${this.executionArn} closed (${this.status}) without a matching history event`);
    });
  }

  private whenever<T>(check: () => T | undefined): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = () => {
        try {
          const value = check();
          if (value === undefined) return false;
          resolve(value);
        } catch (error) {
          reject(error);
        }
        this.watchers.delete(watcher);
        return true;
      };
      const watcher = () => void attempt();
      if (!attempt()) this.watchers.add(watcher);
    });
  }

  private notify(): void {
    for (const watcher of [...this.watchers]) watcher();
  }

  private localHandlers(): LocalHandlers {
    const handlers: LocalHandlers = {};
    const lambda = { port: this.port, runtime: this.deps.runtime, functions: this.deps.functions };
    const callback = { ...lambda, tokens: this.deps.tokens };
    for (const binding of this.machine.prepared.bindings.values()) {
      handlers[binding.stateName] =
        binding.kind === 'wait'
          ? (input) => runWait(this.port, binding.stateName, binding.timing, input)
          : binding.kind === 'lambda-callback'
            ? async (input) => (await runCallbackTask(callback, binding, input)) as JsonValue
            : async (input) => (await runLambdaTask(lambda, binding, input)) as JsonValue;
    }
    return handlers;
  }

  private async follow(events: AsyncGenerator<LibraryEvent>): Promise<void> {
    try {
      for await (const event of events) {
        if (this.status !== 'RUNNING') break;
        this.apply(event);
      }
    } catch (error) {
      this.failNow('States.Runtime', `The local engine could not follow the execution: ${(error as Error).message}`);
    }
  }

  /** Translates one library event into AWS history (or into execution-clock bookkeeping). */
  private apply(event: LibraryEvent): void {
    const at = { realMs: event.timestamp };
    switch (event.type) {
      case 'StateEntered': {
        const type = this.declaredType(event.state.name, event.state.type);
        this.record(stateEntered(type, event.state.name, json(event.state.input)), at);
        if (type === 'Parallel') this.record({ type: 'ParallelStateStarted' }, at);
        if (type === 'Map') this.record({ type: 'MapStateStarted', details: { mapStateStartedEventDetails: {} } }, at);
        return;
      }
      case 'StateExited': {
        const type = this.declaredType(event.state.name, event.state.type);
        const output = json(event.state.output);
        if (exceedsPayloadLimit(output)) {
          this.failNow(
            'States.DataLimitExceeded',
            `The state/task '${event.state.name}' returned a result with a size exceeding the maximum number of bytes service limit.`,
            at,
          );
          return;
        }
        if (type === 'Parallel') this.record({ type: 'ParallelStateSucceeded' }, at);
        if (type === 'Map') this.record({ type: 'MapStateSucceeded' }, at);
        if (type !== 'Fail') this.record(stateExited(type, event.state.name, output), at);
        return;
      }
      case 'StateFailed': {
        this.failedAt.set(attemptKey(event.state.name, event.index), event.timestamp);
        const type = this.declaredType(event.state.name, event.state.type);
        if (type === 'Parallel') this.record({ type: 'ParallelStateFailed' }, at);
        if (type === 'Map') this.record({ type: 'MapStateFailed' }, at);
        return;
      }
      case 'StateRetried': {
        // The library paused (scaled) between the failure and this event; book it at full length.
        const failedAt = this.failedAt.get(attemptKey(event.state.name, event.index));
        if (failedAt === undefined) return;
        const ceiling = retryPauseCeilingMs(event.retry.retrier, event.retry.attempt);
        this.clock.recordPause(failedAt, failedAt + Math.min(event.timestamp - failedAt, ceiling));
        return;
      }
      case 'MapIterationStarted':
        this.record(mapIteration('Started', event.parentState.name, event.index), at);
        return;
      case 'MapIterationSucceeded':
        this.record(mapIteration('Succeeded', event.parentState.name, event.index), at);
        return;
      case 'MapIterationFailed':
        this.record(mapIteration('Failed', event.parentState.name, event.index), at);
        return;
      case 'ExecutionSucceeded': {
        const output = json(event.output);
        this.close('SUCCEEDED', executionSucceeded(output), { output }, at);
        return;
      }
      case 'ExecutionFailed': {
        const cause = typeof event.Cause === 'string' ? event.Cause : json(event.Cause);
        this.close('FAILED', executionFailed(event.Error, cause), { error: event.Error, cause }, at);
        return;
      }
      default:
        // ExecutionStarted is written at start, ExecutionAborted by stop(), ExecutionTimedOut by enforceTimeout();
        // StateCaught and branch events have no AWS twin.
        return;
    }
  }

  private failNow(error: string, cause: string, when?: EventTime): void {
    this.close('FAILED', executionFailed(error, cause), { error, cause }, when);
  }

  /**
   * Ends the execution once: the terminal event, the status, then every pending pause and the library run are
   * stopped (stopping a run that already finished by itself does nothing).
   */
  private close(status: Exclude<ExecutionStatus, 'RUNNING'>, entry: HistoryEntry, outcome: Outcome, when?: EventTime) {
    if (this.status !== 'RUNNING') return;
    const event = this.history.append(entry, when);
    this.status = status;
    this.stopDate = event.timestamp;
    this.outcome = Object.fromEntries(Object.entries(outcome).filter(([, value]) => value !== undefined));
    this.closing.abort();
    this.abortRun();
    this.notify();
  }

  private declaredType(stateName: string, libraryType: StateType): StateType {
    // Waits run as engine Tasks inside the library; the history must still say Wait.
    return this.machine.prepared.stateTypes.get(stateName) ?? libraryType;
  }
}

function attemptKey(stateName: string, mapIndex: number | undefined): string {
  return mapIndex === undefined ? stateName : `${stateName}#${mapIndex}`;
}

function json(value: unknown): string {
  return JSON.stringify(value === undefined ? null : value);
}
