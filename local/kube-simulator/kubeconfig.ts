import { stringify } from 'yaml';

/** Where the simulator also accepts its token: the first path segments of the request URL. */
export const PATH_TOKEN_PREFIX = '/_token/';

export interface KubeconfigOptions {
  /** Default namespace of the context. */
  namespace?: string;
  /** Name of the cluster, user and context entries. */
  name?: string;
  /**
   * Also carry the token in the server URL path (`<url>/_token/<token>`). Needed for kubectl: client-go never sends
   * a bearer token over plain HTTP (kubernetes/kubectl#744). Keep it off for code that logs its server URL.
   */
  tokenInServerPath?: boolean;
}

/**
 * A kubeconfig for the simulator (server = its URL, user = its token) for `KubeConfig.loadFromString` of
 * @kubernetes/client-node, and, with `tokenInServerPath`, for kubectl.
 */
export function kubeconfigFor(sim: { url: string; token: string }, options: KubeconfigOptions = {}): string {
  const name = options.name ?? 'kube-simulator';
  const server = options.tokenInServerPath ? `${sim.url}${PATH_TOKEN_PREFIX}${encodeURIComponent(sim.token)}` : sim.url;
  const context: Record<string, string> = { cluster: name, user: name };
  if (options.namespace) context.namespace = options.namespace;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // client-node 2.x refuses a plain http:// server unless TLS verification is marked as skipped.
    clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
    contexts: [{ name, context }],
    'current-context': name,
    users: [{ name, user: { token: sim.token } }],
    preferences: {},
  });
}
