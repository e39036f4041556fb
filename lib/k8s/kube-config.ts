import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from './client-node';
import type { ClusterCredentials } from './clusters';

/**
 * A client-node KubeConfig built from a ClusterCredentials alone: no kubeconfig file, no environment, no exec plugins.
 * The token lives only inside it; never log the KubeConfig itself.
 */
export function kubeConfigFor(cluster: ClusterCredentials): KubeConfig {
  const server = cluster.server.replace(/\/+$/, '');
  // client-node refuses plain http unless skipTLSVerify is set; with no TLS there is nothing to verify, and the
  // schema already limited `server` to http(s), so an http URL is taken as a deliberate choice (local stacks).
  const plainHttp = new URL(server).protocol === 'http:';
  const kubeConfig = new (clientNode().KubeConfig)();
  kubeConfig.loadFromClusterAndUser(
    {
      name: cluster.id,
      server,
      caData: cluster.caData,
      skipTLSVerify: cluster.insecureSkipTLSVerify === true || plainHttp,
    },
    { name: `${cluster.id}-token`, token: cluster.token },
  );
  return kubeConfig;
}
