import type { HistoryEvent, HistoryEventType } from '@aws-sdk/client-sfn';
import type { ExecutionClock } from './execution-clock';

/** Step Functions fails a Standard execution whose history would grow past this many events. */
export const HISTORY_EVENT_LIMIT = 25_000;

export type HistoryEventDetails = Omit<HistoryEvent, 'id' | 'previousEventId' | 'timestamp' | 'type'>;

/** When an event happened: on the wall clock (most events), or directly on the execution clock (deadlines). */
export type EventTime = { readonly realMs: number } | { readonly virtualMs: number };

export interface HistoryEntry {
  readonly type: HistoryEventType;
  readonly details?: HistoryEventDetails;
}

/** One execution's events in AWS shape, numbered from 1, each pointing at the one before it. */
export class ExecutionHistory {
  private readonly events: HistoryEvent[] = [];
  private lastTimestampMs = 0;
  private enteredStates = 0;

  constructor(private readonly clock: ExecutionClock) {}

  get length(): number {
    return this.events.length;
  }

  /** How many states were entered: the state transitions Step Functions bills and a benchmark counts. */
  get stateTransitions(): number {
    return this.enteredStates;
  }

  /** Appends at `when` (default: now); a wall-clock instant is converted to the execution's time. */
  append(entry: HistoryEntry, when?: EventTime): HistoryEvent {
    const virtualMs =
      when === undefined ? this.clock.now() : 'realMs' in when ? this.clock.toVirtual(when.realMs) : when.virtualMs;
    // Events arrive from two sources (the library's log and the Lambda runner); time must never run backwards.
    this.lastTimestampMs = Math.max(this.lastTimestampMs, virtualMs);
    const event: HistoryEvent = {
      id: this.events.length + 1,
      previousEventId: this.events.length,
      timestamp: new Date(this.lastTimestampMs),
      type: entry.type,
      ...entry.details,
    };
    this.events.push(event);
    if (entry.type.endsWith('StateEntered')) this.enteredStates += 1;
    return event;
  }

  list(): readonly HistoryEvent[] {
    return this.events;
  }
}
