import type { ChangeEvent, WatchedObject } from './events';

/**
 * What the receiver has been told about each object (the last event queued for it), so that a re-list after a
 * lost watch (410 Gone) can be turned into the events the watch would have delivered: nothing happening
 * in between is lost, only intermediate states of one object are folded into its latest.
 */

/** Objects by `namespace/name`: at most one object lives under a name at a time. */
export type ObjectsByName = ReadonlyMap<string, WatchedObject>;

function nameKey(object: WatchedObject): string {
  return `${object.metadata.namespace}/${object.metadata.name}`;
}

/**
 * The events that take a receiver from `known` to `listed`:
 * - DELETED (with the last known state) for every known object that is gone, or whose name now holds another uid;
 * - ADDED for every listed object not known under its uid; MODIFIED for one whose resourceVersion moved.
 * Deletions come first, so a name re-created under a new uid is seen deleted before its successor is added.
 */
export function diffListing(known: ObjectsByName, listed: ReadonlyArray<WatchedObject>): ChangeEvent[] {
  const listedByName = new Map(listed.map((object) => [nameKey(object), object]));
  const deleted: ChangeEvent[] = [];
  for (const [key, before] of [...known].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (listedByName.get(key)?.metadata.uid !== before.metadata.uid) deleted.push({ type: 'DELETED', object: before });
  }
  const changed: ChangeEvent[] = [];
  for (const object of listed) {
    const before = known.get(nameKey(object));
    if (before?.metadata.uid !== object.metadata.uid) changed.push({ type: 'ADDED', object });
    else if (before.metadata.resourceVersion !== object.metadata.resourceVersion) {
      changed.push({ type: 'MODIFIED', object });
    }
  }
  return [...deleted, ...changed];
}

export class KnownObjects {
  #byName = new Map<string, WatchedObject>();

  get size(): number {
    return this.#byName.size;
  }

  /** Records a change the watch delivered. */
  apply(event: ChangeEvent): void {
    if (event.type === 'DELETED') this.#byName.delete(nameKey(event.object));
    else this.#byName.set(nameKey(event.object), event.object);
  }

  /** Replaces everything with a fresh listing; returns the events that describe the difference. */
  replaceAll(listed: ReadonlyArray<WatchedObject>): ChangeEvent[] {
    const events = diffListing(this.#byName, listed);
    this.#byName = new Map(listed.map((object) => [nameKey(object), object]));
    return events;
  }
}
