import type { ResourceType, ServedVersion } from './crd';
import { PATH_TOKEN_PREFIX } from './kubeconfig';

/** Request paths: the credential path prefix, and which served resource a `/api…` or `/apis…` path names. */

export interface ResolvedResource {
  type: ResourceType;
  version: ServedVersion;
  namespace?: string;
  name?: string;
  subresource?: 'status';
}

/**
 * client-go (kubectl) never sends a bearer token over plain HTTP (kubernetes/kubectl#744), so the token is also
 * accepted as a path prefix `/_token/<token>`, the server URL `kubeconfigFor(sim, { tokenInServerPath: true })`
 * writes. The prefix is stripped before routing and never appears in the request log.
 */
export function splitPathCredential(raw: URL): { url: URL; pathToken?: string; prefix: string } {
  if (!raw.pathname.startsWith(PATH_TOKEN_PREFIX)) return { url: raw, prefix: '' };
  const rest = raw.pathname.slice(PATH_TOKEN_PREFIX.length);
  const slash = rest.indexOf('/');
  const encodedToken = slash < 0 ? rest : rest.slice(0, slash);
  const url = new URL(raw.href);
  url.pathname = slash < 0 ? '/' : rest.slice(slash);
  return { url, pathToken: decodeURIComponent(encodedToken), prefix: `${PATH_TOKEN_PREFIX}${encodedToken}` };
}

export function isPlainApiPath(pathname: string): boolean {
  return pathname === '/api' || pathname.startsWith('/api/') || pathname === '/apis' || pathname.startsWith('/apis/');
}

/** Maps `<version>/<rest…>` to a served resource, or undefined for a path no resource answers. */
export function resolveResource(
  types: readonly ResourceType[],
  group: string,
  versionName: string,
  parts: string[],
): ResolvedResource | undefined {
  const inVersion = (type: ResourceType): ServedVersion | undefined =>
    type.group === group ? type.versions.find((version) => version.name === versionName) : undefined;
  const build = (type: ResourceType, tail: string[], namespace?: string): ResolvedResource | undefined => {
    const version = inVersion(type);
    if (!version || tail.length > 2) return undefined;
    const [name, subresource] = tail;
    if (subresource !== undefined && (subresource !== 'status' || !version.statusSubresource)) return undefined;
    const resolved: ResolvedResource = { type, version };
    if (namespace !== undefined) resolved.namespace = namespace;
    if (name !== undefined) resolved.name = name;
    if (subresource === 'status') resolved.subresource = 'status';
    return resolved;
  };
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    const [, namespace, plural, ...tail] = parts;
    const type = types.find((candidate) => candidate.namespaced && candidate.plural === plural && inVersion(candidate));
    if (type) return build(type, tail, namespace);
  }
  const [plural, ...tail] = parts;
  const type = types.find((candidate) => candidate.plural === plural && inVersion(candidate));
  if (!type) return undefined;
  // A namespaced resource is reachable without a namespace only for cluster-wide list and watch.
  if (type.namespaced && tail.length > 0) return undefined;
  return build(type, tail);
}
