import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { JsonValue } from './json';

/**
 * CustomResourceDefinition manifests: the zod shape of `apiextensions.k8s.io/v1` CRDs (and of the structural
 * OpenAPI schemas inside them), and the runtime description of each served resource the simulator derives from them.
 */

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  title?: string;
  example?: JsonValue;
  nullable?: boolean;
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  required?: string[];
  enum?: JsonValue[];
  default?: JsonValue;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

const ValidationRuleSchema = z.strictObject({
  rule: z.string().min(1),
  message: z.string().optional(),
  messageExpression: z.string().optional(),
  reason: z.enum(['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate']).optional(),
  fieldPath: z.string().optional(),
  optionalOldSelf: z.boolean().optional(),
});

// Strict on purpose: a keyword the simulator does not implement (anyOf, oneOf, not, $ref, …) fails the load with
// its path, instead of being silently unenforced.
export const JSONSchemaPropsSchema: z.ZodType<JSONSchemaProps> = z.lazy(() =>
  z.strictObject({
    type: z.enum(['object', 'array', 'string', 'integer', 'number', 'boolean']).optional(),
    format: z.string().optional(),
    description: z.string().optional(),
    title: z.string().optional(),
    example: z.json().optional(),
    nullable: z.boolean().optional(),
    properties: z.record(z.string(), JSONSchemaPropsSchema).optional(),
    additionalProperties: z.union([z.boolean(), JSONSchemaPropsSchema]).optional(),
    items: JSONSchemaPropsSchema.optional(),
    required: z.array(z.string()).optional(),
    enum: z.array(z.json()).optional(),
    default: z.json().optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    exclusiveMinimum: z.boolean().optional(),
    exclusiveMaximum: z.boolean().optional(),
    multipleOf: z.number().positive().optional(),
    minLength: z.number().int().nonnegative().optional(),
    maxLength: z.number().int().nonnegative().optional(),
    pattern: z.string().optional(),
    minItems: z.number().int().nonnegative().optional(),
    maxItems: z.number().int().nonnegative().optional(),
    uniqueItems: z.boolean().optional(),
    minProperties: z.number().int().nonnegative().optional(),
    maxProperties: z.number().int().nonnegative().optional(),
    'x-kubernetes-preserve-unknown-fields': z.boolean().optional(),
    'x-kubernetes-int-or-string': z.boolean().optional(),
    'x-kubernetes-embedded-resource': z.boolean().optional(),
    'x-kubernetes-list-type': z.enum(['atomic', 'set', 'map']).optional(),
    'x-kubernetes-list-map-keys': z.array(z.string()).optional(),
    'x-kubernetes-map-type': z.enum(['atomic', 'granular']).optional(),
    'x-kubernetes-validations': z.array(ValidationRuleSchema).optional(),
  }),
);

const PrinterColumnSchema = z.looseObject({
  name: z.string().min(1),
  type: z.enum(['integer', 'number', 'string', 'boolean', 'date']),
  jsonPath: z.string().startsWith('.'),
  format: z.string().optional(),
  description: z.string().optional(),
  priority: z.number().int().nonnegative().optional(),
});
export type PrinterColumn = z.infer<typeof PrinterColumnSchema>;

const CrdVersionSchema = z.looseObject({
  name: z.string().regex(/^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/, 'must look like v1, v1beta1, v1alpha1'),
  served: z.boolean(),
  storage: z.boolean(),
  schema: z.looseObject({ openAPIV3Schema: JSONSchemaPropsSchema }).optional(),
  subresources: z.looseObject({ status: z.looseObject({}).optional(), scale: z.looseObject({}).optional() }).optional(),
  additionalPrinterColumns: z.array(PrinterColumnSchema).optional(),
});

export const CrdSchema = z.looseObject({
  apiVersion: z.literal('apiextensions.k8s.io/v1'),
  kind: z.literal('CustomResourceDefinition'),
  metadata: z.looseObject({ name: z.string().min(1) }),
  spec: z.looseObject({
    group: z.string().min(1),
    names: z.looseObject({
      kind: z.string().min(1),
      listKind: z.string().optional(),
      plural: z.string().min(1),
      singular: z.string().optional(),
      shortNames: z.array(z.string()).optional(),
      categories: z.array(z.string()).optional(),
    }),
    scope: z.enum(['Namespaced', 'Cluster']),
    versions: z.array(CrdVersionSchema).min(1),
  }),
});
export type Crd = z.infer<typeof CrdSchema>;

export interface ServedVersion {
  name: string;
  /** Undefined only for the built-in Namespace resource, which has no CRD schema. */
  schema?: JSONSchemaProps;
  statusSubresource: boolean;
  printerColumns: PrinterColumn[];
}

export interface ResourceType {
  group: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  shortNames: string[];
  categories: string[];
  namespaced: boolean;
  /** Served versions, most preferred first (Kubernetes version priority). */
  versions: ServedVersion[];
  storageVersion: string;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Kubernetes version priority: GA before beta before alpha, higher numbers first (v2 > v1 > v1beta2 > v1alpha1). */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (version: string): [number, number, number] => {
    const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
    if (!match) return [0, 0, 0];
    const stability = match[2] === undefined ? 3 : match[2] === 'beta' ? 2 : 1;
    return [stability, Number(match[1]), Number(match[3] ?? 0)];
  };
  const [sa, ma, na] = rank(a);
  const [sb, mb, nb] = rank(b);
  return sb - sa || mb - ma || nb - na;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}

export function resourceTypeFromCrd(manifest: unknown, source: string): ResourceType {
  const parsed = CrdSchema.safeParse(manifest);
  if (!parsed.success)
    throw new Error(`${source}: not a usable CustomResourceDefinition: ${describeIssues(parsed.error)}`);
  const crd = parsed.data;
  const { group, names, scope } = crd.spec;
  if (crd.metadata.name !== `${names.plural}.${group}`) {
    throw new Error(`${source}: metadata.name must be "${names.plural}.${group}", got "${crd.metadata.name}"`);
  }
  const storage = crd.spec.versions.filter((version) => version.storage);
  if (storage.length !== 1 || storage[0] === undefined) {
    throw new Error(`${source}: exactly one version must have storage: true, found ${storage.length}`);
  }
  const served = crd.spec.versions.filter((version) => version.served);
  if (served.length === 0) throw new Error(`${source}: no version is served`);
  const versions = served
    .map((version): ServedVersion => {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) throw new Error(`${source}: version ${version.name} has no schema.openAPIV3Schema`);
      return {
        name: version.name,
        schema,
        statusSubresource: version.subresources?.status !== undefined,
        printerColumns: version.additionalPrinterColumns ?? [],
      };
    })
    .sort((a, b) => compareKubeVersions(a.name, b.name));
  return {
    group,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    listKind: names.listKind ?? `${names.kind}List`,
    shortNames: names.shortNames ?? [],
    categories: names.categories ?? [],
    namespaced: scope === 'Namespaced',
    versions,
    storageVersion: storage[0].name,
  };
}

/** Every CRD in a (possibly multi-document) YAML or JSON manifest file. */
export function loadCrdFile(file: string): ResourceType[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read CRD manifest ${file}: ${(error as Error).message}`);
  }
  const resources: ResourceType[] = [];
  parseAllDocuments(text).forEach((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${file}: document ${index + 1} is not valid YAML: ${document.errors[0]?.message}`);
    }
    const value: unknown = document.toJS();
    if (value === null || value === undefined) return;
    if ((value as { kind?: unknown }).kind !== 'CustomResourceDefinition') return;
    resources.push(resourceTypeFromCrd(value, `${file} (document ${index + 1})`));
  });
  if (resources.length === 0) throw new Error(`${file}: contains no CustomResourceDefinition`);
  return resources;
}

const REPO_ROOT = path.resolve(__dirname, '..', '..');
/** The project's own CRD manifest, maintained beside the deployment. */
export const PROJECT_CRD_PATH = path.join(REPO_ROOT, 'deploy', 'crds', 'computeinstances.osac.openshift.io.yaml');
/** The upstream Tenant CRD, vendored: instances name their tenant, whose storage classes the playbooks need. */
export const TENANT_CRD_PATH = path.join(REPO_ROOT, 'deploy', 'crds', 'tenants.osac.openshift.io.yaml');
/** The CRDs the simulator serves unless told otherwise: the project's own, never a copy outside the repository. */
export function defaultCrdPaths(): string[] {
  const paths = [PROJECT_CRD_PATH, TENANT_CRD_PATH];
  const missing = paths.filter((file) => !existsSync(file));
  if (missing.length === 0) return paths;
  throw new Error(`CRD manifest not found: looked for ${missing.join(', ')}; pass crdPaths`);
}

/** The core Namespace resource: cluster-scoped, no schema, served as `v1` in the legacy group. */
export const NAMESPACE_RESOURCE: ResourceType = {
  group: '',
  plural: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  listKind: 'NamespaceList',
  shortNames: ['ns'],
  categories: [],
  namespaced: false,
  versions: [{ name: 'v1', statusSubresource: false, printerColumns: [] }],
  storageVersion: 'v1',
};
