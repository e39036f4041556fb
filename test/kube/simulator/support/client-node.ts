import {
  ApiException,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { type JsonObject, type KubeSimulator, kubeconfigFor } from '../../../../local/kube-simulator';

/** client-node helpers for the simulator suites: clients, patch content types, failures, recorded watches. */

export interface Clients {
  kc: KubeConfig;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  watch: Watch;
}

export function clientsFor(sim: KubeSimulator): Clients {
  const kc = new KubeConfig();
  kc.loadFromString(kubeconfigFor(sim));
  return {
    kc,
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    watch: new Watch(kc),
  };
}

/** client-node sends JSON patches by default; these pick the other patch types. */
export const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
export const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

/** The Status a client-node call failed with (ApiException body), or the error itself when it is something else. */
export async function failure(call: Promise<unknown>): Promise<{ code: number; status: JsonObject }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) {
      const body = typeof error.body === 'string' ? JSON.parse(error.body) : error.body;
      return { code: error.code, status: body as JsonObject };
    }
    throw error;
  }
  throw new Error('expected the call to fail, it succeeded');
}

export interface WatchEvent {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: watch objects are inspected field by field in assertions
  object: any;
}

/**
 * A client-node watch that records its events and lets a test await a condition on them (no sleeping).
 * `ended` resolves with the error (or null) the watch finished with.
 */
export class RecordedWatch {
  readonly events: WatchEvent[] = [];
  readonly ended: Promise<unknown>;
  private controller: AbortController | undefined;
  private waiters: Array<{ check: () => boolean; resolve: () => void }> = [];
  private endResolve!: (error: unknown) => void;

  private constructor() {
    this.ended = new Promise((resolve) => {
      this.endResolve = resolve;
    });
  }

  static async start(
    clients: Clients,
    path: string,
    query: Record<string, string | number | boolean | undefined> = {},
  ): Promise<RecordedWatch> {
    const recorded = new RecordedWatch();
    recorded.controller = await clients.watch.watch(
      path,
      query,
      (type, object) => {
        recorded.events.push({ type, object });
        recorded.notify();
      },
      (error) => {
        recorded.endResolve(error ?? null);
        recorded.notify();
      },
    );
    return recorded;
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.check()) {
        this.waiters = this.waiters.filter((candidate) => candidate !== waiter);
        waiter.resolve();
      }
    }
  }

  /** Resolves once `predicate` holds for the recorded events (checked on every event). */
  until(predicate: (events: WatchEvent[]) => boolean): Promise<void> {
    if (predicate(this.events)) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ check: () => predicate(this.events), resolve });
    });
  }

  /** The events as `TYPE name` strings, bookmarks left out. */
  summary(): string[] {
    return this.events.filter((e) => e.type !== 'BOOKMARK').map((e) => `${e.type} ${e.object?.metadata?.name}`);
  }

  stop(): void {
    this.controller?.abort();
  }
}
