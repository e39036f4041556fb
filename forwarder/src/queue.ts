import { type ChangeEvent, objectKey } from './events';

/**
 * The bounded FIFO between the watch and the sender. Pure: no timers, no I/O; the caller counts and logs what a
 * push gave up.
 *
 * When full, it first coalesces: per object (namespace/name/uid) only the newest event is kept, because the
 * receiver acts on an object's current state and a newer state supersedes an older one. Events of one object
 * stay in their order (only older ones are removed), so per-object delivery order holds. Only when every queued
 * event is the sole one of its object does it drop, and then the oldest: the newest states are worth the most.
 */

export interface EnqueueResult {
  /** Older events removed because a newer event of the same object is queued. */
  readonly coalesced: ReadonlyArray<ChangeEvent>;
  /** Events given up although nothing newer of their object is queued. */
  readonly dropped: ReadonlyArray<ChangeEvent>;
}

const NOTHING_LOST: EnqueueResult = { coalesced: [], dropped: [] };

export class EventQueue {
  readonly capacity: number;
  #events: ChangeEvent[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a whole number >= 1, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get length(): number {
    return this.#events.length;
  }

  push(event: ChangeEvent): EnqueueResult {
    this.#events.push(event);
    if (this.#events.length <= this.capacity) return NOTHING_LOST;
    const coalesced = this.#coalesce();
    const excess = this.#events.length - this.capacity;
    const dropped = excess > 0 ? this.#events.splice(0, excess) : [];
    return { coalesced, dropped };
  }

  shift(): ChangeEvent | undefined {
    return this.#events.shift();
  }

  /** The queued events, oldest first (a copy). */
  snapshot(): ChangeEvent[] {
    return [...this.#events];
  }

  /** Keeps the newest event of each object where it stands; returns the removed ones, oldest first. */
  #coalesce(): ChangeEvent[] {
    const seen = new Set<string>();
    const kept: ChangeEvent[] = [];
    const removed: ChangeEvent[] = [];
    for (let index = this.#events.length - 1; index >= 0; index--) {
      const event = this.#events[index] as ChangeEvent;
      const key = objectKey(event.object);
      if (seen.has(key)) removed.push(event);
      else {
        seen.add(key);
        kept.push(event);
      }
    }
    this.#events = kept.reverse();
    return removed.reverse();
  }
}
