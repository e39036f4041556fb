import { createHash } from 'node:crypto';
import type { ResourceType } from './crd';
import type { JsonObject, JsonValue } from './json';

/**
 * OpenAPI v3 documents, `/openapi/v3` and `/openapi/v3/<api|apis/g>/<v>`. kubectl reads them before `apply` to
 * learn whether the server validates fields itself (the `fieldValidation` PATCH parameter): with them it sends
 * `fieldValidation=Strict` instead of failing client-side validation. The PATCH operations list no strategic merge
 * patch for custom resources, which is what makes kubectl's client-side apply fall back to a JSON merge patch.
 */

const QUERY_PARAMETERS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'];

function schemaName(type: ResourceType, version: string): string {
  const reversedGroup = type.group ? type.group.split('.').reverse().join('.') : 'io.k8s.api.core';
  return `${reversedGroup}.${version}.${type.kind}`;
}

function operation(type: ResourceType, version: string, action: string, contentTypes?: string[]): JsonObject {
  const ref = { $ref: `#/components/schemas/${schemaName(type, version)}` };
  const op: JsonObject = {
    operationId: `${action}${type.kind}`,
    parameters: QUERY_PARAMETERS.map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } })),
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: type.group, version, kind: type.kind },
  };
  if (contentTypes) {
    op.requestBody = {
      content: Object.fromEntries(contentTypes.map((contentType) => [contentType, { schema: ref }])),
      required: true,
    };
  }
  return op;
}

export function patchContentTypes(type: ResourceType): string[] {
  const types = ['application/json-patch+json', 'application/merge-patch+json'];
  // Built-in types also take strategic merge patches; custom resources never do.
  return type.group === '' ? [...types, 'application/strategic-merge-patch+json'] : types;
}

function groupVersionPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

export function openApiDocument(
  types: readonly ResourceType[],
  group: string,
  version: string,
): JsonObject | undefined {
  const served = types.filter((type) => type.group === group && type.versions.some((v) => v.name === version));
  if (served.length === 0) return undefined;
  const paths: JsonObject = {};
  const schemas: JsonObject = { 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': { type: 'object' } };
  for (const type of served) {
    const base = `/${groupVersionPath(group, version)}${type.namespaced ? '/namespaces/{namespace}' : ''}/${type.plural}`;
    paths[base] = {
      get: operation(type, version, 'list'),
      post: operation(type, version, 'post', ['application/json']),
    };
    paths[`${base}/{name}`] = {
      get: operation(type, version, 'get'),
      put: operation(type, version, 'put', ['application/json']),
      patch: operation(type, version, 'patch', patchContentTypes(type)),
      delete: operation(type, version, 'delete'),
    };
    const served = type.versions.find((v) => v.name === version);
    const schema = (served?.schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as JsonValue;
    schemas[schemaName(type, version)] = {
      ...(schema as JsonObject),
      'x-kubernetes-group-version-kind': [{ group: type.group, version, kind: type.kind }],
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'unversioned' },
    paths,
    components: { schemas },
  };
}

function hashOf(document: JsonObject): string {
  return createHash('sha512').update(JSON.stringify(document)).digest('hex').slice(0, 128).toUpperCase();
}

/** The `/openapi/v3` index; `prefix` keeps the follow-up URLs under the path the client authenticated with. */
export function openApiIndex(types: readonly ResourceType[], prefix = ''): JsonObject {
  const paths: JsonObject = {};
  const seen = new Set<string>();
  for (const type of types) {
    for (const { name: version } of type.versions) {
      const key = groupVersionPath(type.group, version);
      if (seen.has(key)) continue;
      seen.add(key);
      const document = openApiDocument(types, type.group, version);
      if (document) paths[key] = { serverRelativeURL: `${prefix}/openapi/v3/${key}?hash=${hashOf(document)}` };
    }
  }
  return { paths };
}
