import { type ChangeEvent, InstanceWatcher, KubeInstanceSource } from '../../forwarder/src';
import type { ClusterConfig } from '../../lib/k8s/clusters';
import { kubeConfigFor } from '../../lib/k8s/kube-config';
import { SILENT_LOGGER } from '../../lib/runtime/logger';

/**
 * The events a cluster sends, from the cluster's own watch: the forwarder's list-then-watch (resumed from the last
 * resourceVersion after a broken stream, re-listed after 410 Gone) against the API-server simulator. Only its
 * delivery is replaced, by the chaotic channel.
 */

export interface EventSource {
  /** Watch restarts and re-lists so far (API-server restarts and errors cause them). */
  stats(): { lists: number; reconnects: number };
  stop(): Promise<void>;
}

const silent = SILENT_LOGGER;

export function startEventSource(
  cluster: ClusterConfig,
  namespace: string,
  emit: (event: ChangeEvent) => void,
): EventSource {
  const source = new KubeInstanceSource({
    kubeConfig: kubeConfigFor(cluster),
    namespace,
    pageSize: 500,
    requestTimeoutMs: 10_000,
    logger: silent,
  });
  const watcher = new InstanceWatcher(
    source,
    emit,
    // Short waits: the local API server is back within milliseconds of a restart.
    { backoff: { baseDelayMs: 20, maxDelayMs: 500 }, minHealthyWatchMs: 50 },
    silent,
  );
  const abort = new AbortController();
  const running = watcher.run(abort.signal);
  return {
    stats: () => {
      const { lists, reconnects } = watcher.stats();
      return { lists, reconnects };
    },
    async stop() {
      abort.abort();
      await running;
    },
  };
}
