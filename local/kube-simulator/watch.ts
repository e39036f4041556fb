import type { JsonObject } from './json';
import { childObject, cloneJson } from './json';
import { resourceExpired } from './status';
import type { HistoryEntry, Store, WatchEventType, Watcher } from './store';

/**
 * One watch stream: the initial state (synthetic ADDED events, or replay from a resourceVersion out of the bounded
 * history, or a 410 ERROR event when that is too old), then live events filtered by namespace and selectors —
 * an object moving into or out of the selection is seen as ADDED or DELETED, as the watch cache does — with
 * periodic BOOKMARKs when asked for, until `timeoutSeconds` or the server ends it.
 */

export type WireEventType = WatchEventType | 'BOOKMARK' | 'ERROR';

export interface WatchEvent {
  type: WireEventType;
  object: JsonObject;
}

export interface WatchSink {
  write(event: WatchEvent): void;
  end(): void;
}

export interface WatchRequest {
  typeKey: string;
  /** Only this namespace's events (undefined: all namespaces or a cluster-scoped resource). */
  namespace?: string;
  predicate: (object: JsonObject) => boolean;
  /** The `resourceVersion` parameter: absent, "" or "0" start from the current state. */
  resourceVersion?: string;
  sendInitialEvents: boolean;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  timeoutSeconds?: number;
  /** The current objects of the resource (for the initial ADDED events). */
  currentObjects: () => Array<{ namespace: string; object: JsonObject }>;
  /** The object as the client asked to see it (version, Table). */
  present: (object: JsonObject) => JsonObject;
  /** The minimal object a BOOKMARK carries. */
  bookmark: (resourceVersion: string, annotations?: Record<string, string>) => JsonObject;
}

export interface ActiveWatch {
  stop(): void;
}

function withResourceVersion(object: JsonObject, rv: number): JsonObject {
  const copy = cloneJson(object);
  childObject(copy, 'metadata').resourceVersion = String(rv);
  return copy;
}

/** The event a watcher with this selection sees for a store event, if any. */
export function eventFor(
  entry: HistoryEntry,
  request: Pick<WatchRequest, 'namespace' | 'predicate'>,
): WatchEvent | undefined {
  if (request.namespace !== undefined && entry.namespace !== request.namespace) return undefined;
  const matchesNow = request.predicate(entry.object);
  switch (entry.event) {
    case 'ADDED':
      return matchesNow ? { type: 'ADDED', object: entry.object } : undefined;
    case 'DELETED':
      return matchesNow ? { type: 'DELETED', object: entry.object } : undefined;
    case 'MODIFIED': {
      const matchedBefore = entry.previous !== undefined && request.predicate(entry.previous);
      if (matchesNow) return { type: matchedBefore ? 'MODIFIED' : 'ADDED', object: entry.object };
      if (matchedBefore && entry.previous) {
        return { type: 'DELETED', object: withResourceVersion(entry.previous, entry.rv) };
      }
      return undefined;
    }
  }
}

export function startWatch(store: Store, request: WatchRequest, sink: WatchSink): ActiveWatch {
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  const send = (event: WatchEvent): void => {
    if (!stopped) sink.write({ type: event.type, object: request.present(event.object) });
  };
  const watcher: Watcher = {
    typeKey: request.typeKey,
    deliver(entry) {
      const event = eventFor(entry, request);
      if (event) send(event);
    },
    terminate() {
      stop();
    },
  };
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    for (const timer of timers) clearTimeout(timer);
    store.removeWatcher(watcher);
    sink.end();
  };
  const sendBookmark = (annotations?: Record<string, string>): void => {
    if (!stopped) {
      sink.write({
        type: 'BOOKMARK',
        object: request.bookmark(String(store.currentResourceVersion()), annotations),
      });
    }
  };

  const fromVersion = request.resourceVersion;
  if (request.sendInitialEvents || !fromVersion || fromVersion === '0') {
    for (const { namespace, object } of request.currentObjects()) {
      if (request.namespace !== undefined && namespace !== request.namespace) continue;
      if (request.predicate(object)) send({ type: 'ADDED', object });
    }
    if (request.sendInitialEvents && request.allowBookmarks) sendBookmark({ 'k8s.io/initial-events-end': 'true' });
  } else {
    const since = Number(fromVersion);
    const replay = store.eventsAfter(request.typeKey, since);
    if (!replay) {
      const expired = resourceExpired(`too old resource version: ${since} (${store.oldestReplayable()})`);
      sink.write({ type: 'ERROR', object: expired.status as unknown as JsonObject });
      stopped = true;
      sink.end();
      return { stop };
    }
    for (const entry of replay) {
      const event = eventFor(entry, request);
      if (event) send(event);
    }
  }
  store.addWatcher(watcher);
  if (request.allowBookmarks) {
    const interval = setInterval(() => sendBookmark(), request.bookmarkIntervalMs);
    timers.push(interval);
  }
  if (request.timeoutSeconds !== undefined && request.timeoutSeconds > 0) {
    timers.push(setTimeout(stop, request.timeoutSeconds * 1000));
  }
  return { stop };
}
