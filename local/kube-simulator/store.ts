import type { ResourceType } from './crd';
import { childObject, cloneJson, type JsonObject } from './json';
import type { ManagerEntry } from './managed-fields';

/**
 * The simulator's etcd: every object keyed like etcd keys (so lists come out in etcd order), one global
 * resourceVersion counter shared by all resources, a bounded event history for watch resumption and consistent
 * paginated lists, and the open watchers.
 */

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  type: ResourceType;
  namespace: string;
  name: string;
  /** The object as stored (storage version), with `metadata.resourceVersion` of its last write. */
  object: JsonObject;
  managers: ManagerEntry[];
}

export interface HistoryEntry {
  rv: number;
  event: WatchEventType;
  typeKey: string;
  namespace: string;
  key: string;
  /** The object after the event; for DELETED, its last state carrying the deletion's resourceVersion. */
  object: JsonObject;
  /** The object before the event (absent for ADDED). */
  previous?: JsonObject;
}

export interface Watcher {
  typeKey: string;
  deliver(entry: HistoryEntry): void;
  /** Ends the watch (server restart, reset, close). */
  terminate(): void;
}

export const typeKeyOf = (type: ResourceType): string => `${type.group}/${type.plural}`;
export const objectKey = (type: ResourceType, namespace: string, name: string): string =>
  `${typeKeyOf(type)}/${namespace}/${name}`;

export class Store {
  private rv = 0;
  private readonly objects = new Map<string, StoredObject>();
  private history: HistoryEntry[] = [];
  /** Events up to and including this resourceVersion are no longer replayable. */
  private compactedThrough = 0;
  private readonly watchers = new Set<Watcher>();

  constructor(private readonly historyLimit: number) {}

  currentResourceVersion(): number {
    return this.rv;
  }

  oldestReplayable(): number {
    return this.compactedThrough + 1;
  }

  get(type: ResourceType, namespace: string, name: string): StoredObject | undefined {
    return this.objects.get(objectKey(type, namespace, name));
  }

  /** Objects of a type (in one namespace, or all), in key order. */
  list(type: ResourceType, namespace?: string): StoredObject[] {
    const prefix = namespace === undefined ? `${typeKeyOf(type)}/` : `${typeKeyOf(type)}/${namespace}/`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, stored]) => stored);
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  /**
   * Writes an event: assigns the next resourceVersion, updates the object map, records history and tells the
   * watchers. Returns the object as written.
   */
  commit(event: WatchEventType, stored: StoredObject): JsonObject {
    const key = objectKey(stored.type, stored.namespace, stored.name);
    const previous = this.objects.get(key)?.object;
    const rv = ++this.rv;
    const object = cloneJson(stored.object);
    childObject(object, 'metadata').resourceVersion = String(rv);
    if (event === 'DELETED') this.objects.delete(key);
    else this.objects.set(key, { ...stored, object });
    const entry: HistoryEntry = {
      rv,
      event,
      typeKey: typeKeyOf(stored.type),
      namespace: stored.namespace,
      key,
      object,
    };
    if (previous) entry.previous = previous;
    this.history.push(entry);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedThrough = dropped.rv;
    }
    for (const watcher of [...this.watchers]) if (watcher.typeKey === entry.typeKey) watcher.deliver(entry);
    return cloneJson(object);
  }

  /** History entries of a type after `rv`, or undefined when part of that range was compacted away. */
  eventsAfter(typeKey: string, rv: number): HistoryEntry[] | undefined {
    if (rv < this.compactedThrough) return undefined;
    return this.history.filter((entry) => entry.rv > rv && entry.typeKey === typeKey);
  }

  /** The objects of a type as they were at `rv`, or undefined when history no longer reaches back that far. */
  snapshotAt(type: ResourceType, rv: number): Map<string, JsonObject> | undefined {
    if (rv < this.compactedThrough || rv > this.rv) return undefined;
    const typeKey = typeKeyOf(type);
    const snapshot = new Map<string, JsonObject>();
    for (const stored of this.list(type)) snapshot.set(objectKey(type, stored.namespace, stored.name), stored.object);
    for (const entry of [...this.history].reverse()) {
      if (entry.rv <= rv) break;
      if (entry.typeKey !== typeKey) continue;
      if (entry.previous) snapshot.set(entry.key, entry.previous);
      else snapshot.delete(entry.key);
    }
    return snapshot;
  }

  addWatcher(watcher: Watcher): void {
    this.watchers.add(watcher);
  }

  removeWatcher(watcher: Watcher): void {
    this.watchers.delete(watcher);
  }

  terminateWatchers(): void {
    for (const watcher of [...this.watchers]) watcher.terminate();
    this.watchers.clear();
  }

  /** Forget all history: every resourceVersion issued so far becomes too old to resume from. */
  compact(): void {
    this.history = [];
    this.compactedThrough = this.rv;
  }

  /** Drop every object and the history; the resourceVersion counter keeps counting up. */
  clear(): void {
    this.objects.clear();
    this.compact();
  }
}
