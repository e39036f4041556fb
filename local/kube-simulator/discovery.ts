import { apiVersionOf, compareKubeVersions, NAMESPACE_RESOURCE, type ResourceType } from './crd';
import type { JsonObject } from './json';

/**
 * Discovery documents: the legacy ones (`/api`, `/api/v1`, `/apis`, `/apis/<g>`, `/apis/<g>/<v>`) and the
 * aggregated `apidiscovery.k8s.io` lists kubectl ≥1.26 asks for first.
 */

/** The CRD resource itself, served read-only so clients can see what is installed. */
const CUSTOM_RESOURCE_VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const NAMESPACE_VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export function verbsFor(type: ResourceType): string[] {
  if (type === NAMESPACE_RESOURCE) return NAMESPACE_VERBS;
  return CUSTOM_RESOURCE_VERBS;
}

function hasStatus(type: ResourceType, version: string): boolean {
  return type.versions.find((served) => served.name === version)?.statusSubresource === true;
}

/** The API groups served under /apis, each with its versions in preference order. */
function groups(types: readonly ResourceType[]): Array<{ name: string; versions: string[] }> {
  const byGroup = new Map<string, Set<string>>();
  for (const type of types) {
    if (type.group === '') continue;
    const versions = byGroup.get(type.group) ?? new Set<string>();
    for (const version of type.versions) versions.add(version.name);
    byGroup.set(type.group, versions);
  }
  return [...byGroup.entries()].map(([name, versions]) => ({
    name,
    versions: [...versions].sort(compareKubeVersions),
  }));
}

export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupDocument(group: { name: string; versions: string[] }): JsonObject {
  const versions = group.versions.map((version) => ({ groupVersion: `${group.name}/${version}`, version }));
  return { name: group.name, versions, preferredVersion: versions[0] ?? null };
}

export function apiGroupList(types: readonly ResourceType[]): JsonObject {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups(types).map(groupDocument) };
}

export function apiGroup(types: readonly ResourceType[], name: string): JsonObject | undefined {
  const group = groups(types).find((candidate) => candidate.name === name);
  return group ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group) } : undefined;
}

export function apiResourceList(
  types: readonly ResourceType[],
  group: string,
  version: string,
): JsonObject | undefined {
  const served = types.filter((type) => type.group === group && type.versions.some((v) => v.name === version));
  if (served.length === 0) return undefined;
  const resources: JsonObject[] = [];
  for (const type of served) {
    const resource: JsonObject = {
      name: type.plural,
      singularName: type.singular,
      namespaced: type.namespaced,
      kind: type.kind,
      verbs: verbsFor(type),
    };
    if (type.shortNames.length > 0) resource.shortNames = type.shortNames;
    if (type.categories.length > 0) resource.categories = type.categories;
    resources.push(resource);
    if (hasStatus(type, version)) {
      resources.push({
        name: `${type.plural}/status`,
        singularName: '',
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: STATUS_VERBS,
      });
    }
  }
  const list: JsonObject = { kind: 'APIResourceList', groupVersion: apiVersionOf(group, version), resources };
  if (group !== '') list.apiVersion = 'v1';
  return list;
}

export const AGGREGATED_DISCOVERY_VERSIONS = ['v2', 'v2beta1'] as const;
export type AggregatedDiscoveryVersion = (typeof AGGREGATED_DISCOVERY_VERSIONS)[number];

function discoveryResource(type: ResourceType, version: string): JsonObject {
  const responseKind = { group: type.group, version, kind: type.kind };
  const resource: JsonObject = {
    resource: type.plural,
    responseKind,
    scope: type.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: type.singular,
    verbs: verbsFor(type),
  };
  if (type.shortNames.length > 0) resource.shortNames = type.shortNames;
  if (type.categories.length > 0) resource.categories = type.categories;
  if (hasStatus(type, version)) {
    resource.subresources = [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }];
  }
  return resource;
}

/** `APIGroupDiscoveryList` for `/api` (the legacy core group) or `/apis` (named groups). */
export function aggregatedDiscovery(
  types: readonly ResourceType[],
  root: 'api' | 'apis',
  version: AggregatedDiscoveryVersion,
): JsonObject {
  const groupList =
    root === 'api'
      ? [{ name: '', versions: ['v1'] }]
      : groups(types).map((group) => ({ name: group.name, versions: group.versions }));
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groupList.map((group) => ({
      metadata: (group.name
        ? { name: group.name, creationTimestamp: null }
        : { creationTimestamp: null }) as JsonObject,
      versions: group.versions.map((groupVersion) => ({
        version: groupVersion,
        resources: types
          .filter((type) => type.group === group.name && type.versions.some((v) => v.name === groupVersion))
          .map((type) => discoveryResource(type, groupVersion)),
        freshness: 'Current',
      })),
    })),
  };
}
