import type { JSONSchemaProps } from './crd';
import { cloneJson, isJsonObject, type JsonObject, type JsonValue, jsonEqual, jsonTypeName } from './json';
import { OBJECT_META_FIELDS } from './object-meta';
import type { FieldError } from './status';

/**
 * Structural-schema behaviour of CRD storage: pruning of unknown fields, defaulting, and OpenAPI v3 validation
 * with the messages kube-openapi produces (`spec.cores in body should be greater than or equal to 1`).
 * Paths are apimachinery field paths: `spec.additionalDisks[0].sizeGiB`, map keys as `labels[key]`.
 */

const child = (path: string, name: string): string => (path ? `${path}.${name}` : name);
const index = (path: string, i: number): string => `${path}[${i}]`;
const key = (path: string, name: string): string => `${path}[${name}]`;

const ROOT_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

function preservesUnknown(schema: JSONSchemaProps): boolean {
  return schema['x-kubernetes-preserve-unknown-fields'] === true;
}

function pruneValue(value: JsonValue, schema: JSONSchemaProps, path: string, unknown: string[]): void {
  if (Array.isArray(value)) {
    const itemSchema = schema.items;
    if (itemSchema) {
      for (const [i, item] of value.entries()) pruneValue(item, itemSchema, index(path, i), unknown);
    }
    return;
  }
  if (!isJsonObject(value)) return;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const name of Object.keys(value)) {
    const item = value[name] as JsonValue;
    const propertySchema = schema.properties?.[name];
    if (propertySchema) {
      pruneValue(item, propertySchema, child(path, name), unknown);
    } else if (isJsonObject(schema.additionalProperties)) {
      pruneValue(item, schema.additionalProperties, key(path, name), unknown);
    } else if (embedded && ROOT_FIELDS.has(name)) {
      if (name === 'metadata') pruneMetadata(item, child(path, name), unknown);
    } else if (!preservesUnknown(schema) && schema.additionalProperties !== true) {
      delete value[name];
      unknown.push(child(path, name));
    }
  }
}

function pruneMetadata(metadata: JsonValue, path: string, unknown: string[]): void {
  if (!isJsonObject(metadata)) return;
  for (const name of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(name)) {
      delete metadata[name];
      unknown.push(child(path, name));
    }
  }
}

/** Drops every field the schema does not declare (in place); returns the dropped paths for warnings. */
export function pruneUnknownFields(object: JsonObject, schema: JSONSchemaProps): string[] {
  const unknown: string[] = [];
  for (const name of Object.keys(object)) {
    const value = object[name] as JsonValue;
    if (name === 'metadata') pruneMetadata(value, 'metadata', unknown);
    else if (name === 'apiVersion' || name === 'kind') continue;
    else if (schema.properties?.[name]) pruneValue(value, schema.properties[name], name, unknown);
    else if (!preservesUnknown(schema)) {
      delete object[name];
      unknown.push(name);
    }
  }
  return unknown;
}

/**
 * Defaulting as the CRD codec does it: a `null` for a non-nullable field is dropped (or defaulted), and an absent
 * field with a `default` gets it, at every level below an object that is present.
 */
export function applyDefaults(value: JsonValue, schema: JSONSchemaProps, isRoot = false): void {
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) applyDefaults(item, schema.items);
    return;
  }
  if (!isJsonObject(value)) return;
  for (const [name, propertySchema] of Object.entries(schema.properties ?? {})) {
    if (isRoot && ROOT_FIELDS.has(name)) continue;
    const current = value[name];
    if (current === null && !propertySchema.nullable) {
      if (propertySchema.default !== undefined) value[name] = cloneJson(propertySchema.default);
      else delete value[name];
    } else if (current === undefined && propertySchema.default !== undefined) {
      value[name] = cloneJson(propertySchema.default);
    }
    const next = value[name];
    if (next !== undefined) applyDefaults(next, propertySchema);
  }
  if (isJsonObject(schema.additionalProperties)) {
    for (const item of Object.values(value)) applyDefaults(item, schema.additionalProperties);
  }
}

const patternCache = new Map<string, RegExp>();

/** Go RE2 patterns as a JS RegExp; unanchored like Go's `MatchString`. */
export function compilePattern(pattern: string): RegExp {
  let compiled = patternCache.get(pattern);
  if (!compiled) {
    compiled = new RegExp(pattern, 'u');
    patternCache.set(pattern, compiled);
  }
  return compiled;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
// kube-openapi strfmt's DateTimePattern, applied after lower-casing; its `.` is unescaped, so any character
// (but a newline, as in Go) may come before the fraction digits.
const TIME_OF_DAY = /^([0-9]{2}):([0-9]{2}):([0-9]{2})([^\n][0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$/u;

/** strfmt.IsDate: Go's time.Parse("2006-01-02"), which refuses a day the month does not have. */
function isFullDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [year, month, day] = value.split('-').map(Number) as [number, number, number];
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}

/**
 * strfmt.IsDateTime, step by step: lower-case, split at every "t", a full date before the first, the time-of-day
 * pattern on the second (hours to 23, minutes and seconds to 59 compared as text), the rest never looked at.
 * So "2026-12-07t10:00:00z" is valid and a space instead of the "T" is not.
 */
function isDateTime(value: string): boolean {
  if (value.length < 4) return false;
  // Only A-Z: Go lower-cases rune by rune, and no other rune becomes "t" or "z".
  const parts = value.replace(/[A-Z]/g, (letter) => letter.toLowerCase()).split('t');
  if (parts.length < 2 || !isFullDate(parts[0] as string)) return false;
  const match = TIME_OF_DAY.exec(parts[1] as string);
  if (match === null) return false;
  return (match[1] as string) <= '23' && (match[2] as string) <= '59' && (match[3] as string) <= '59';
}

const UUID = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Whether `value` satisfies `format`; formats the validator does not know are accepted, as kube-openapi does. */
function matchesFormat(format: string, value: JsonValue): boolean {
  if (typeof value === 'string') {
    switch (format) {
      case 'date-time':
      case 'datetime':
        return isDateTime(value);
      case 'date':
        return isFullDate(value);
      case 'uuid':
        return UUID.test(value);
      case 'byte':
        return value.length % 4 === 0 && BASE64.test(value);
      default:
        return true;
    }
  }
  if (typeof value === 'number') {
    if (format === 'int32') return value >= -(2 ** 31) && value < 2 ** 31;
    // JSON.parse has already rounded anything beyond 2^53; the range is what the API server checks.
    if (format === 'int64') return Number.isInteger(value) && Math.abs(value) <= 2 ** 63;
  }
  return true;
}

function typeMatches(schema: JSONSchemaProps, actual: string): boolean {
  if (schema['x-kubernetes-int-or-string']) return actual === 'integer' || actual === 'string';
  if (!schema.type) return true;
  return schema.type === actual || (schema.type === 'number' && actual === 'integer');
}

function listDuplicates(value: JsonValue[], schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') {
    value.forEach((item, i) => {
      if (value.slice(0, i).some((earlier) => jsonEqual(earlier, item))) {
        errors.push({ type: 'FieldValueDuplicate', field: index(path, i), value: item });
      }
    });
  } else if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    const keyOf = (item: JsonValue): JsonObject =>
      Object.fromEntries(keys.map((name) => [name, isJsonObject(item) ? (item[name] ?? null) : null]));
    value.forEach((item, i) => {
      const itemKey = keyOf(item);
      if (value.slice(0, i).some((earlier) => jsonEqual(keyOf(earlier), itemKey))) {
        errors.push({ type: 'FieldValueDuplicate', field: index(path, i), value: itemKey });
      }
    });
  }
}

function validateValue(value: JsonValue, schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  if (value === null && schema.nullable) return;
  const actual = jsonTypeName(value);
  if (!typeMatches(schema, actual)) {
    const expected = schema['x-kubernetes-int-or-string'] ? 'integer,string' : (schema.type as string);
    errors.push({
      type: 'FieldValueTypeInvalid',
      field: path,
      value: actual,
      detail: `${path} in body must be of type ${expected}: "${actual}"`,
    });
    return;
  }
  if (schema.format && !matchesFormat(schema.format, value)) {
    errors.push({
      type: 'FieldValueTypeInvalid',
      field: path,
      value: typeof value === 'string' ? value : String(value),
      detail: `${path} in body must be of type ${schema.format}: ${JSON.stringify(typeof value === 'string' ? value : String(value))}`,
    });
  }
  if (schema.enum && !schema.enum.some((allowed) => jsonEqual(allowed, value))) {
    const supported = schema.enum.map((allowed) => (typeof allowed === 'string' ? allowed : JSON.stringify(allowed)));
    errors.push({
      type: 'FieldValueNotSupported',
      field: path,
      value,
      detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    });
  }
  if (typeof value === 'number') validateNumber(value, schema, path, errors);
  else if (typeof value === 'string') validateString(value, schema, path, errors);
  else if (Array.isArray(value)) validateArray(value, schema, path, errors);
  else if (isJsonObject(value)) validateObjectValue(value, schema, path, errors);
}

function validateNumber(value: number, schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const invalid = (detail: string) => errors.push({ type: 'FieldValueInvalid', field: path, value, detail });
  if (schema.minimum !== undefined) {
    if (schema.exclusiveMinimum ? value <= schema.minimum : value < schema.minimum) {
      invalid(
        `${path} in body should be greater than ${schema.exclusiveMinimum ? '' : 'or equal to '}${schema.minimum}`,
      );
    }
  }
  if (schema.maximum !== undefined) {
    if (schema.exclusiveMaximum ? value >= schema.maximum : value > schema.maximum) {
      invalid(`${path} in body should be less than ${schema.exclusiveMaximum ? '' : 'or equal to '}${schema.maximum}`);
    }
  }
  if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf)) {
    invalid(`${path} in body should be a multiple of ${schema.multipleOf}`);
  }
}

function validateString(value: string, schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const length = [...value].length;
  if (schema.maxLength !== undefined && length > schema.maxLength) {
    errors.push({ type: 'FieldValueTooLong', field: path, detail: `may not be more than ${schema.maxLength} bytes` });
  }
  if (schema.minLength !== undefined && length < schema.minLength) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      value,
      detail: `${path} in body should be at least ${schema.minLength} chars long`,
    });
  }
  if (schema.pattern !== undefined && !compilePattern(schema.pattern).test(value)) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      value,
      detail: `${path} in body should match '${schema.pattern}'`,
    });
  }
}

function validateArray(value: JsonValue[], schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    errors.push({
      type: 'FieldValueTooMany',
      field: path,
      value: value.length,
      detail: `must have at most ${schema.maxItems} items`,
    });
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      value: value.length,
      detail: `${path} in body should have at least ${schema.minItems} items`,
    });
  }
  if (schema.uniqueItems && value.some((item, i) => value.slice(0, i).some((earlier) => jsonEqual(earlier, item)))) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      value,
      detail: `${path} in body shouldn't contain duplicates`,
    });
  }
  if (schema.items) {
    const itemSchema = schema.items;
    for (const [i, item] of value.entries()) validateValue(item, itemSchema, index(path, i), errors);
  }
  listDuplicates(value, schema, path, errors);
}

function validateObjectValue(value: JsonObject, schema: JSONSchemaProps, path: string, errors: FieldError[]): void {
  const count = Object.keys(value).length;
  if (schema.maxProperties !== undefined && count > schema.maxProperties) {
    errors.push({
      type: 'FieldValueTooMany',
      field: path,
      value: count,
      detail: `must have at most ${schema.maxProperties} items`,
    });
  }
  if (schema.minProperties !== undefined && count < schema.minProperties) {
    errors.push({
      type: 'FieldValueInvalid',
      field: path,
      value: count,
      detail: `${path} in body should have at least ${schema.minProperties} properties`,
    });
  }
  for (const name of schema.required ?? []) {
    if (value[name] === undefined) errors.push({ type: 'FieldValueRequired', field: child(path, name), detail: '' });
  }
  for (const name of Object.keys(value).sort()) {
    const item = value[name] as JsonValue;
    const propertySchema = schema.properties?.[name];
    if (propertySchema) validateValue(item, propertySchema, child(path, name), errors);
    else if (isJsonObject(schema.additionalProperties)) {
      validateValue(item, schema.additionalProperties, key(path, name), errors);
    }
  }
}

/**
 * OpenAPI validation of a whole custom resource. `metadata` is left to ObjectMeta validation, as in the API server
 * (the CRD schema only says it is an object).
 */
export function validateAgainstSchema(object: JsonObject, schema: JSONSchemaProps): FieldError[] {
  const errors: FieldError[] = [];
  const { metadata: _metadata, ...rest } = object;
  validateObjectValue(rest, schema, '', errors);
  return errors;
}
