import type { CustomObjectsApi, KubeConfig, Middleware } from '@kubernetes/client-node';
import * as z from 'zod';
import { API_VERSION, GROUP, KIND, PLURAL, VERSION } from '../../lib/computeinstance/schema';
import { toStoreError } from '../../lib/k8s/api-errors';
import { clientNode } from '../../lib/k8s/client-node';
import { isStoreError } from '../../lib/k8s/errors';
import { describeIssues } from '../../lib/runtime/issues';
import type { Logger } from '../../lib/runtime/logger';
import { jitter } from '../../lib/runtime/retry';
import { type ChangeEvent, WatchedObject, WatchLine } from './events';

/**
 * The API-server side of the forwarder: paged LIST and WATCH of ComputeInstances through `@kubernetes/client-node`,
 * in one namespace or all of them. It reports what happened; what to do about it (re-list, back off) is the
 * watcher's decision.
 */

export interface Listing {
  readonly items: WatchedObject[];
  /** The collection's resourceVersion: the watch resumes from here. */
  readonly resourceVersion: string;
}

export interface WatchHandlers {
  change(event: ChangeEvent): void;
  bookmark(resourceVersion: string): void;
}

export type WatchEnd =
  /** The resourceVersion is older than the server's history (410 Gone): only a fresh list can continue. */
  | { readonly kind: 'expired'; readonly detail: string }
  /** The stream ended or never started; `established` says whether the server had accepted it. */
  | { readonly kind: 'closed'; readonly established: boolean; readonly detail?: string };

export interface InstanceSource {
  /** `computeinstances in namespace x` / `computeinstances in all namespaces`, for log lines. */
  readonly description: string;
  list(signal: AbortSignal): Promise<Listing>;
  /** Resolves when the stream is over; aborting `signal` ends it. */
  watch(resourceVersion: string, handlers: WatchHandlers, signal: AbortSignal): Promise<WatchEnd>;
}

export interface KubeInstanceSourceOptions {
  readonly kubeConfig: KubeConfig;
  /** Omitted: all namespaces. */
  readonly namespace?: string;
  /** Items per LIST page. */
  readonly pageSize: number;
  /** Per LIST request. */
  readonly requestTimeoutMs: number;
  readonly logger: Logger;
}

const ListEnvelope = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string().min(1), continue: z.string().optional() }),
  items: z.array(z.unknown()),
});

// The server ends a watch after this long; spread over a range so many forwarders do not reconnect in step
// (client-go does the same, 5 to 10 minutes).
const MIN_WATCH_SECONDS = 300;

/** An HTTP status carried by whatever client-node threw, read by shape (it may come from another realm). */
function statusCodeOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  for (const value of [statusCode, code]) if (typeof value === 'number' && value >= 100 && value <= 599) return value;
  return undefined;
}

/** A failed or broken watch in a few words, never the request (it holds the bearer token). */
function describeWatchFailure(error: unknown): string {
  const status = statusCodeOf(error);
  if (status !== undefined) return `HTTP ${status}`;
  const { name, cause, message } = (error ?? {}) as { name?: unknown; cause?: unknown; message?: unknown };
  if (name === 'TimeoutError') return 'no data within the watch inactivity timeout';
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') return `network error (${code})`;
  // undici's words for a dropped stream ("terminated", "other side closed") name no request detail.
  if (typeof message === 'string' && message.length <= 80) return `stream failed: ${message}`;
  return `stream failed (${typeof name === 'string' ? name : typeof error})`;
}

export class KubeInstanceSource implements InstanceSource {
  readonly description: string;
  readonly #options: KubeInstanceSourceOptions;
  readonly #api: CustomObjectsApi;
  readonly #watchPath: string;

  constructor(options: KubeInstanceSourceOptions) {
    this.#options = options;
    const { namespace } = options;
    this.description = `${PLURAL}.${GROUP} in ${namespace === undefined ? 'all namespaces' : `namespace ${namespace}`}`;
    this.#watchPath =
      namespace === undefined
        ? `/apis/${GROUP}/${VERSION}/${PLURAL}`
        : `/apis/${GROUP}/${VERSION}/namespaces/${encodeURIComponent(namespace)}/${PLURAL}`;
    this.#api = makeApi(options.kubeConfig, options.requestTimeoutMs);
  }

  async list(signal: AbortSignal): Promise<Listing> {
    // An expired continue token (410) means the snapshot being paged moved out of the server's history:
    // start the listing over, the pages already read cannot be combined with newer ones.
    for (;;) {
      try {
        return await this.#listAllPages(signal);
      } catch (error) {
        if (!(isStoreError(error, 'Conflict') && error.statusCode === 410) || signal.aborted) throw error;
        this.#options.logger.info('the list snapshot expired while paging; listing again', {
          source: this.description,
        });
      }
    }
  }

  async #listAllPages(signal: AbortSignal): Promise<Listing> {
    const what = `list ${this.description}`;
    const items: WatchedObject[] = [];
    let continueToken: string | undefined;
    for (;;) {
      if (signal.aborted) throw new Error(`${what}: stopped`);
      const query = { group: GROUP, version: VERSION, plural: PLURAL, limit: this.#options.pageSize };
      const page = { ...query, ...(continueToken === undefined ? {} : { _continue: continueToken }) };
      let raw: unknown;
      try {
        const { namespace } = this.#options;
        raw = await (namespace === undefined
          ? this.#api.listClusterCustomObject(page)
          : this.#api.listNamespacedCustomObject({ ...page, namespace }));
      } catch (error) {
        throw toStoreError(error, { what, secrets: [] });
      }
      const envelope = ListEnvelope.safeParse(raw);
      if (!envelope.success) throw new Error(`${what}: unexpected answer: ${describeIssues(envelope.error)}`);
      for (const item of envelope.data.items) {
        // The list envelope, not each item, guarantees apiVersion and kind: restore them so every forwarded object
        // is complete, whether it came from a list or a watch.
        const parsed = WatchedObject.safeParse({ apiVersion: API_VERSION, kind: KIND, ...(item as object) });
        if (parsed.success) items.push(parsed.data);
        else this.#skipInvalid(what, describeIssues(parsed.error));
      }
      continueToken = envelope.data.metadata.continue || undefined;
      if (continueToken === undefined) return { items, resourceVersion: envelope.data.metadata.resourceVersion };
    }
  }

  watch(resourceVersion: string, handlers: WatchHandlers, signal: AbortSignal): Promise<WatchEnd> {
    const what = `watch ${this.description}`;
    return new Promise<WatchEnd>((resolve) => {
      let settled = false;
      let established = false;
      let controller: AbortController | undefined;
      const finish = (end: WatchEnd): void => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', abort);
        controller?.abort();
        resolve(end);
      };
      const abort = (): void => finish({ kind: 'closed', established, detail: 'stopped' });
      const onLine = (_phase: string, _object: unknown, line: unknown): void => {
        if (settled) return;
        const parsed = WatchLine.safeParse(line);
        if (!parsed.success) {
          this.#skipInvalid(what, describeIssues(parsed.error));
          return;
        }
        const event = parsed.data;
        switch (event.type) {
          case 'BOOKMARK':
            handlers.bookmark(event.object.metadata.resourceVersion);
            return;
          case 'ERROR': {
            const status = `${event.object.code ?? '?'} ${event.object.reason ?? ''}`.trim();
            const detail = `${status}${event.object.message ? `: ${event.object.message}` : ''}`;
            finish(event.object.code === 410 ? { kind: 'expired', detail } : { kind: 'closed', established, detail });
            return;
          }
          default:
            handlers.change({ type: event.type, object: event.object });
        }
      };
      const onDone = (error: unknown): void => {
        if (settled) return;
        if (statusCodeOf(error) === 410) finish({ kind: 'expired', detail: 'HTTP 410' });
        else finish({ kind: 'closed', established, ...(error ? { detail: describeWatchFailure(error) } : {}) });
      };
      if (signal.aborted) {
        abort();
        return;
      }
      signal.addEventListener('abort', abort, { once: true });
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(jitter(2 * MIN_WATCH_SECONDS)),
      };
      new (clientNode().Watch)(this.#options.kubeConfig)
        .watch(this.#watchPath, query, onLine, onDone)
        .then((started) => {
          controller = started;
          // done() already ran when the server refused the stream; otherwise the stream is open.
          if (settled) started.abort();
          else established = true;
        }, onDone);
    });
  }

  #skipInvalid(what: string, issues: string): void {
    this.#options.logger.warn('skipped an object the API server sent without the fields the forwarder needs', {
      operation: what,
      issues,
    });
  }
}

function makeApi(kubeConfig: KubeConfig, requestTimeoutMs: number): CustomObjectsApi {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error('the kubeconfig has no current cluster');
  const { CustomObjectsApi, createConfiguration, ServerConfiguration } = clientNode();
  const timeout: Middleware = {
    pre: async (context) => {
      context.setSignal(AbortSignal.timeout(requestTimeoutMs));
      return context;
    },
    post: async (response) => response,
  };
  return new CustomObjectsApi(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kubeConfig },
      promiseMiddleware: [timeout],
    }),
  );
}
