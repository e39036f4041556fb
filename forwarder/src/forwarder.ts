import type { Logger } from '../../lib/runtime/logger';
import { retryDelayMs } from '../../lib/runtime/retry';
import { pause } from './backoff';
import { WebhookSender } from './delivery';
import { type ChangeEvent, describeObject, objectKey } from './events';
import type { InstanceSource } from './kube-source';
import {
  ForwarderConfigError,
  type ForwarderOptions,
  type ForwarderOptionsInput,
  parseForwarderOptions,
} from './options';
import { EventQueue } from './queue';
import { InstanceWatcher } from './watcher';

/**
 * The forwarder: the watch fills a bounded queue, one sender empties it, POSTing each event signed to the
 * webhook. One sender, first in first out, so the events of each object arrive in the order they happened.
 *
 * Nothing is given up silently: every event is counted as delivered, rejected (the receiver refused it for good;
 * the object stays listed in the stats until a later event of it is accepted),
 * coalesced (superseded by a newer event of its object while the queue was full), dropped (the queue was full of
 * other objects' newest events), or is still queued when the forwarder stops; the last three are logged.
 */

export interface ForwarderCounters {
  /** Change events taken from the watch (and from re-lists). */
  readonly received: number;
  readonly delivered: number;
  /** POSTs answered 429 / 5xx or failed on the network, and tried again. */
  readonly retried: number;
  /** Events the receiver refused with a 4xx other than 429 (or another non-retryable answer); not sent again. */
  readonly rejected: number;
  readonly coalesced: number;
  readonly dropped: number;
}

/** An object whose latest event the webhook refused for good (a 4xx), with the webhook's own words. */
export interface RefusedObject {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  readonly type: ChangeEvent['type'];
  readonly status: number;
  readonly reason: string;
  /** When the refusal came (ISO 8601). */
  readonly at: string;
}

/** How many refused objects the stats (and /healthz) list; `refusing` still counts them all. */
export const MAX_REFUSED_LISTED = 50;
/** Refused objects remembered at most (the oldest refusal is forgotten first), so memory stays bounded. */
export const MAX_REFUSED_TRACKED = 1000;

export interface ForwarderStats extends ForwarderCounters {
  readonly state: ForwarderState;
  /**
   * Objects whose latest event was refused: they stay here, visible, until a later event of theirs is accepted.
   * The newest MAX_REFUSED_LISTED of them; `refusing` counts them all.
   */
  readonly refusedObjects: readonly RefusedObject[];
  readonly refusing: number;
  /** Waiting in the queue, plus the one being sent. */
  readonly queued: number;
  /** The first list is done: from here on the receiver hears about every change. */
  readonly synced: boolean;
  readonly lists: number;
  readonly reconnects: number;
}

export type ForwarderState = 'created' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface StopReport {
  readonly stats: ForwarderStats;
  /** Events still queued (or in a retry wait) when it stopped: never delivered. */
  readonly undelivered: number;
  /** Set when it stopped because a loop failed unexpectedly. */
  readonly failure?: string;
}

export interface ForwarderDependencies {
  readonly options: ForwarderOptionsInput;
  /** The HMAC key the webhook shares with this cluster. */
  readonly secret: string;
  readonly source: InstanceSource;
  readonly logger: Logger;
}

type MutableCounters = { -readonly [K in keyof ForwarderCounters]: number };

export class Forwarder {
  readonly options: ForwarderOptions;
  /** Resolves once the forwarder has stopped, whether through stop() or because a loop failed. */
  readonly finished: Promise<StopReport>;
  readonly #logger: Logger;
  readonly #sender: WebhookSender;
  readonly #queue: EventQueue;
  readonly #watcher: InstanceWatcher;
  readonly #abort = new AbortController();
  readonly #counters: MutableCounters = {
    received: 0,
    delivered: 0,
    retried: 0,
    rejected: 0,
    coalesced: 0,
    dropped: 0,
  };
  /** By objectKey, oldest refusal first (a Map keeps insertion order; a repeat refusal moves to the end). */
  readonly #refused = new Map<string, RefusedObject>();
  #state: ForwarderState = 'created';
  #inFlight: ChangeEvent | undefined;
  #wake: (() => void) | undefined;
  #loops: Promise<void> | undefined;
  #statsTimer: NodeJS.Timeout | undefined;
  #failure: string | undefined;
  #stopping: Promise<StopReport> | undefined;
  #resolveFinished!: (report: StopReport) => void;

  constructor(dependencies: ForwarderDependencies) {
    this.options = parseForwarderOptions(dependencies.options);
    if (dependencies.secret === '') throw new ForwarderConfigError('forwarder: the webhook secret is empty');
    this.#logger = dependencies.logger;
    this.#sender = new WebhookSender(this.options, dependencies.secret);
    this.#queue = new EventQueue(this.options.queueCapacity);
    this.#watcher = new InstanceWatcher(
      dependencies.source,
      (event) => this.#enqueue(event),
      { backoff: this.options.watchBackoff, minHealthyWatchMs: this.options.minHealthyWatchMs },
      this.#logger,
    );
    this.finished = new Promise((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  get state(): ForwarderState {
    return this.#state;
  }

  get endpoint(): string {
    return this.#sender.endpoint;
  }

  start(): void {
    if (this.#state !== 'created') throw new Error(`forwarder: cannot start a forwarder that is ${this.#state}`);
    this.#state = 'running';
    const { url, cluster, namespace, queueCapacity } = this.options;
    this.#logger.info('forwarder started', { endpoint: this.endpoint, url, cluster, namespace, queueCapacity });
    const signal = this.#abort.signal;
    this.#loops = Promise.all([
      this.#watcher.run(signal).catch((error) => this.#crash('watch', error)),
      this.#deliverAll(signal).catch((error) => this.#crash('delivery', error)),
    ]).then(() => undefined);
    if (this.options.statsIntervalMs > 0) {
      this.#statsTimer = setInterval(
        () => this.#logger.info('forwarder stats', { ...this.stats() }),
        this.options.statsIntervalMs,
      );
      this.#statsTimer.unref();
    }
  }

  stats(): ForwarderStats {
    const watch = this.#watcher.stats();
    return {
      state: this.#state,
      ...this.#counters,
      refusedObjects: [...this.#refused.values()].slice(-MAX_REFUSED_LISTED),
      refusing: this.#refused.size,
      queued: this.#queue.length + (this.#inFlight === undefined ? 0 : 1),
      synced: watch.synced,
      lists: watch.lists,
      reconnects: watch.reconnects,
    };
  }

  /**
   * Stops watching, lets a POST already on the wire finish (it is bounded by the request timeout), and reports
   * what is left undelivered. Safe to call more than once.
   */
  stop(): Promise<StopReport> {
    this.#stopping ??= this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<StopReport> {
    if (this.#state === 'running') this.#state = 'stopping';
    this.#abort.abort();
    this.#wake?.();
    clearInterval(this.#statsTimer);
    await this.#loops;
    if (this.#state !== 'failed') this.#state = 'stopped';
    const stats = this.stats();
    const report: StopReport = {
      stats,
      undelivered: stats.queued,
      ...(this.#failure === undefined ? {} : { failure: this.#failure }),
    };
    if (report.undelivered > 0) {
      this.#logger.warn('forwarder stopped with events still queued; they were not delivered', {
        undelivered: report.undelivered,
        events: this.#pending().map(describeEvent),
      });
    }
    this.#logger.info('forwarder stopped', { ...stats });
    this.#resolveFinished(report);
    return report;
  }

  #pending(): ChangeEvent[] {
    return this.#inFlight === undefined ? this.#queue.snapshot() : [this.#inFlight, ...this.#queue.snapshot()];
  }

  #crash(loop: string, error: unknown): void {
    this.#failure = `${loop} loop failed: ${error instanceof Error ? error.message : String(error)}`;
    this.#state = 'failed';
    this.#logger.error('forwarder loop failed unexpectedly; stopping', { loop, error: this.#failure });
    void this.stop();
  }

  #enqueue(event: ChangeEvent): void {
    this.#counters.received++;
    const { coalesced, dropped } = this.#queue.push(event);
    if (coalesced.length > 0) {
      this.#counters.coalesced += coalesced.length;
      this.#logger.warn('queue full: coalesced events superseded by a newer event of the same object', {
        capacity: this.#queue.capacity,
        coalesced: coalesced.map(describeEvent),
      });
    }
    for (const lost of dropped) {
      this.#counters.dropped++;
      this.#logger.warn('queue full of newest states: dropped the oldest event', {
        capacity: this.#queue.capacity,
        event: describeEvent(lost),
      });
    }
    this.#wake?.();
  }

  async #deliverAll(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const event = this.#queue.shift();
      if (event === undefined) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
        continue;
      }
      this.#inFlight = event;
      // An event whose retries were cut short by stop() stays in flight, so the stop report counts it.
      if (await this.#deliver(event, signal)) this.#inFlight = undefined;
    }
  }

  /**
   * Retrying a refusal would only repeat it, so the event is not sent again; but it is never dropped in silence:
   * counted, logged as an error with the object and the webhook's reason, and listed in the stats (/healthz)
   * until a later event of the same object is accepted. The reconciler, listing the cluster on its own, still
   * sees the object and reports on it.
   */
  #refuse(event: ChangeEvent, status: number, reason: string): void {
    this.#counters.rejected++;
    const { namespace, name, uid, resourceVersion } = event.object.metadata;
    const key = objectKey(event.object);
    this.#refused.delete(key);
    this.#refused.set(key, {
      namespace,
      name,
      uid,
      resourceVersion,
      type: event.type,
      status,
      reason,
      at: new Date().toISOString(),
    });
    if (this.#refused.size > MAX_REFUSED_TRACKED) {
      const oldest = this.#refused.keys().next().value;
      if (oldest !== undefined) this.#refused.delete(oldest);
    }
    this.#logger.error('the webhook rejected an event; listed under refusedObjects until a later change is accepted', {
      event: describeEvent(event),
      namespace,
      name,
      uid,
      resourceVersion,
      status,
      reason,
    });
  }

  /** Sends until the receiver answers for good; false when stopped while waiting to retry. */
  async #deliver(event: ChangeEvent, signal: AbortSignal): Promise<boolean> {
    for (let failures = 1; ; failures++) {
      const outcome = await this.#sender.send(event);
      if (outcome.kind === 'delivered') {
        this.#counters.delivered++;
        this.#refused.delete(objectKey(event.object));
        return true;
      }
      if (outcome.kind === 'rejected') {
        this.#refuse(event, outcome.status, outcome.reason);
        return true;
      }
      if (signal.aborted) return false;
      this.#counters.retried++;
      const delayMs = retryDelayMs(this.options.deliveryBackoff, failures, outcome.retryAfterMs);
      this.#logger.warn('delivery failed; retrying', {
        event: describeEvent(event),
        reason: outcome.reason,
        failures,
        delayMs,
      });
      await pause(delayMs, signal);
      if (signal.aborted) return false;
    }
  }
}

function describeEvent(event: ChangeEvent): string {
  return `${event.type} ${describeObject(event.object)}`;
}
