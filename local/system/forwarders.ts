import type { ClusterConfig } from '../../lib/k8s/clusters';

export interface ClosableForwarder {
  readonly cluster: string;
  readonly namespace: string | undefined;
  readonly endpoint: string;
  stop(): Promise<{ undelivered: number }>;
}

/**
 * One forwarder per cluster in the registry, as each cluster would run it in-cluster: watching the namespaces the
 * webhook serves for it (all of them when unrestricted) and signing with the cluster's current webhook secret.
 */
export async function startForwarders(clusters: readonly ClusterConfig[], url: string): Promise<ClosableForwarder[]> {
  const { createForwarder, createForwarderLogger } = await import('../../forwarder/src');
  const { kubeConfigFor } = await import('../../lib/k8s/kube-config');
  const logger = createForwarderLogger();
  const started: ClosableForwarder[] = [];
  for (const cluster of clusters) {
    // The registry holds the current key first; a second one is only there while it is being rotated out.
    const [secret] = cluster.webhookSecrets as [string, ...string[]];
    for (const namespace of cluster.namespaces ?? [undefined]) {
      const forwarder = createForwarder({
        options: { url, cluster: cluster.id, ...(namespace === undefined ? {} : { namespace }), statsIntervalMs: 0 },
        secret,
        kubeConfig: kubeConfigFor(cluster),
        logger,
      });
      forwarder.start();
      started.push({ cluster: cluster.id, namespace, endpoint: forwarder.endpoint, stop: () => forwarder.stop() });
    }
  }
  return started;
}
