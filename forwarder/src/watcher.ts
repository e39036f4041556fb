import type { Logger } from '../../lib/runtime/logger';
import { type Backoff, backoffDelayMs } from '../../lib/runtime/retry';
import { pause } from './backoff';
import type { ChangeEvent } from './events';
import { KnownObjects } from './known-objects';
import type { InstanceSource, WatchEnd } from './kube-source';

/**
 * List, then watch from the list's resourceVersion, for as long as it runs:
 * - a watch that ends or breaks is resumed from the last resourceVersion seen, so nothing in between is missed;
 * - a resourceVersion the server no longer remembers (410 Gone) is answered with a fresh list, whose differences
 *   to what was already emitted become events (changed → MODIFIED, vanished → DELETED, new → ADDED);
 * - failures in a row back off exponentially with jitter; a watch that worked resets the count.
 */

export interface WatcherOptions {
  readonly backoff: Backoff;
  /**
   * A watch that delivered nothing and lasted less than this counts as failed, as client-go's reflector counts it:
   * a server that accepts and at once closes every watch must not be hammered.
   */
  readonly minHealthyWatchMs: number;
}

export interface WatcherStats {
  /** True once the first list has been emitted. */
  readonly synced: boolean;
  readonly lists: number;
  readonly reconnects: number;
  readonly resourceVersion: string | undefined;
}

export class InstanceWatcher {
  readonly #source: InstanceSource;
  readonly #emit: (event: ChangeEvent) => void;
  readonly #options: WatcherOptions;
  readonly #logger: Logger;
  readonly #known = new KnownObjects();
  #resourceVersion: string | undefined;
  #lists = 0;
  #reconnects = 0;

  constructor(source: InstanceSource, emit: (event: ChangeEvent) => void, options: WatcherOptions, logger: Logger) {
    this.#source = source;
    this.#emit = emit;
    this.#options = options;
    this.#logger = logger;
  }

  stats(): WatcherStats {
    return {
      synced: this.#lists > 0,
      lists: this.#lists,
      reconnects: this.#reconnects,
      resourceVersion: this.#resourceVersion,
    };
  }

  /** Runs until `signal` aborts; I/O failures are retried, never thrown. */
  async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const from = this.#resourceVersion;
      if (from === undefined) {
        try {
          await this.#list(signal);
        } catch (error) {
          if (signal.aborted) return;
          failures++;
          const delayMs = backoffDelayMs(this.#options.backoff, failures);
          this.#logger.warn('listing failed; trying again', {
            source: this.#source.description,
            error: (error as Error).message,
            failures,
            delayMs,
          });
          await pause(delayMs, signal);
        }
        continue;
      }
      const started = performance.now();
      let received = 0;
      const end = await this.#source.watch(
        from,
        {
          change: (event) => {
            received++;
            this.#resourceVersion = event.object.metadata.resourceVersion;
            this.#known.apply(event);
            this.#emit(event);
          },
          bookmark: (resourceVersion) => {
            received++;
            this.#resourceVersion = resourceVersion;
          },
        },
        signal,
      );
      if (signal.aborted) return;
      const healthy =
        received > 0 || (isEstablished(end) && performance.now() - started >= this.#options.minHealthyWatchMs);
      failures = healthy ? 0 : failures + 1;
      const delayMs = backoffDelayMs(this.#options.backoff, failures + 1);
      const context = { source: this.#source.description, detail: end.detail, failures, delayMs };
      if (end.kind === 'expired') {
        this.#resourceVersion = undefined;
        this.#logger.info('the watch resourceVersion expired (410 Gone); listing again', context);
      } else {
        this.#reconnects++;
        const message = 'the watch ended; resuming it from the last resourceVersion seen';
        if (healthy) this.#logger.debug(message, { ...context, resourceVersion: this.#resourceVersion });
        else this.#logger.warn(message, { ...context, resourceVersion: this.#resourceVersion });
      }
      await pause(delayMs, signal);
    }
  }

  async #list(signal: AbortSignal): Promise<void> {
    const listing = await this.#source.list(signal);
    if (signal.aborted) return;
    const events = this.#known.replaceAll(listing.items);
    for (const event of events) this.#emit(event);
    this.#resourceVersion = listing.resourceVersion;
    this.#lists++;
    this.#logger.info('listed', {
      source: this.#source.description,
      objects: listing.items.length,
      events: events.length,
      resourceVersion: listing.resourceVersion,
    });
  }
}

function isEstablished(end: WatchEnd): boolean {
  return end.kind === 'closed' && end.established;
}
