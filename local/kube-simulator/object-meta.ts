import { z } from 'zod';
import { isJsonObject, type JsonObject } from './json';
import type { FieldError } from './status';

/**
 * ObjectMeta as the API server decodes and validates it: the field set (anything else is pruned), the wire types
 * (a wrong type is a decode error), and the name, label, annotation and finalizer syntax rules, with apimachinery's
 * own wording.
 */

/** ObjectMeta's fields, in the order the API server serializes them; anything else in `metadata` is pruned. */
export const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** Key order as the API server serializes objects: apiVersion, kind, metadata (in ObjectMeta order), spec, …, status. */
export function canonical(object: JsonObject): JsonObject {
  const { apiVersion, kind, metadata, spec, status, ...rest } = object;
  const meta = isJsonObject(metadata) ? metadata : {};
  const orderedMeta: JsonObject = {};
  for (const name of OBJECT_META_FIELDS) if (meta[name] !== undefined) orderedMeta[name] = meta[name];
  for (const [name, value] of Object.entries(meta)) if (!(name in orderedMeta)) orderedMeta[name] = value;
  const result: JsonObject = {};
  if (apiVersion !== undefined) result.apiVersion = apiVersion;
  if (kind !== undefined) result.kind = kind;
  result.metadata = orderedMeta;
  if (spec !== undefined) result.spec = spec;
  Object.assign(result, rest);
  if (status !== undefined) result.status = status;
  return result;
}

/** Go `omitempty`: ObjectMeta collections and timestamps that are null or empty are not stored. */
export function dropEmptyMetadata(meta: JsonObject): void {
  for (const name of ['labels', 'annotations', 'finalizers', 'ownerReferences', 'managedFields']) {
    const value = meta[name];
    if (value === null || (Array.isArray(value) && value.length === 0)) delete meta[name];
    else if (isJsonObject(value) && Object.keys(value).length === 0) delete meta[name];
  }
  for (const name of ['creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds']) {
    if (meta[name] === null) delete meta[name];
  }
}

/** The fields only the server sets: copied from the stored object on every update, whatever the client sent. */
export const SERVER_OWNED_META_FIELDS = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
] as const;

const StringMap = z.record(z.string(), z.string());

export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  uid: z.string().optional(),
  resourceVersion: z.string().optional(),
  generation: z.number().int().optional(),
  creationTimestamp: z.string().nullable().optional(),
  deletionTimestamp: z.string().nullable().optional(),
  deletionGracePeriodSeconds: z.number().int().nullable().optional(),
  labels: StringMap.nullable().optional(),
  annotations: StringMap.nullable().optional(),
  finalizers: z.array(z.string()).nullable().optional(),
  ownerReferences: z
    .array(
      z.looseObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        uid: z.string(),
        controller: z.boolean().optional(),
        blockOwnerDeletion: z.boolean().optional(),
      }),
    )
    .nullable()
    .optional(),
  managedFields: z.array(z.unknown()).nullable().optional(),
});

/** A decode problem in `metadata`, described as `metadata.labels.app: expected string`, or undefined when fine. */
export function metadataDecodeProblem(metadata: unknown): string | undefined {
  const result = ObjectMetaSchema.safeParse(metadata);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${['metadata', ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const DNS1123_LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const QUALIFIED_NAME_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MESSAGE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

/** What is wrong with `name` as an object name (DNS subdomain, or DNS label for namespaces), or []. */
export function nameProblems(name: string, asLabel: boolean): string[] {
  const problems: string[] = [];
  const limit = asLabel ? 63 : 253;
  if (name.length > limit) problems.push(`must be no more than ${limit} characters`);
  if (!(asLabel ? DNS1123_LABEL : DNS1123_SUBDOMAIN).test(name)) {
    problems.push(asLabel ? DNS1123_LABEL_MESSAGE : DNS1123_SUBDOMAIN_MESSAGE);
  }
  return problems;
}

function qualifiedNameProblems(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return [`a qualified name ${QUALIFIED_NAME_MESSAGE.slice('name part '.length)}`];
  const [prefixOrName = '', maybeName] = parts;
  const name = maybeName ?? prefixOrName;
  const problems: string[] = [];
  if (maybeName !== undefined) {
    if (prefixOrName.length === 0) problems.push('prefix part must be non-empty');
    else for (const problem of nameProblems(prefixOrName, false)) problems.push(`prefix part ${problem}`);
  }
  if (name.length === 0) problems.push('name part must be non-empty');
  else {
    if (name.length > 63) problems.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) problems.push(QUALIFIED_NAME_MESSAGE);
  }
  return problems;
}

/** Validation of the user-settable metadata of a stored object: labels, annotations, finalizers, owner refs. */
export function validateObjectMeta(metadata: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const labels = (metadata.labels ?? {}) as Record<string, string>;
  for (const [key, value] of Object.entries(labels)) {
    for (const detail of qualifiedNameProblems(key)) {
      errors.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value: key, detail });
    }
    if (value.length > 63) {
      errors.push({
        type: 'FieldValueInvalid',
        field: 'metadata.labels',
        value,
        detail: 'must be no more than 63 characters',
      });
    }
    if (!LABEL_VALUE.test(value)) {
      errors.push({ type: 'FieldValueInvalid', field: 'metadata.labels', value, detail: LABEL_VALUE_MESSAGE });
    }
  }
  const annotations = (metadata.annotations ?? {}) as Record<string, string>;
  for (const key of Object.keys(annotations)) {
    for (const detail of qualifiedNameProblems(key.toLowerCase())) {
      errors.push({ type: 'FieldValueInvalid', field: 'metadata.annotations', value: key, detail });
    }
  }
  const annotationBytes = Object.entries(annotations).reduce(
    (total, [key, value]) => total + Buffer.byteLength(key) + Buffer.byteLength(value),
    0,
  );
  if (annotationBytes > 256 * 1024) {
    errors.push({
      type: 'FieldValueTooLong',
      field: 'metadata.annotations',
      detail: 'may not be more than 262144 bytes',
    });
  }
  const finalizers = (metadata.finalizers ?? []) as string[];
  finalizers.forEach((finalizer, index) => {
    for (const detail of qualifiedNameProblems(finalizer)) {
      errors.push({ type: 'FieldValueInvalid', field: `metadata.finalizers[${index}]`, value: finalizer, detail });
    }
  });
  return errors;
}

/** Kubernetes name generation: the prefix plus five characters from a vowel-free alphabet. */
export function generateName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += alphabet[Math.floor(Math.random() * alphabet.length)];
  return `${prefix}${suffix}`;
}
