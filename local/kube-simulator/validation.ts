import { CelError, type CelProgram, compileCel } from './cel-rules';
import type { JSONSchemaProps, ValidationRule } from './crd';
import { isJsonObject, type JsonObject, type JsonValue, jsonEqual, member } from './json';
import { compilePattern, validateAgainstSchema } from './schema';
import { BLOCKING_VALIDATION_NOTE, type FieldError } from './status';

/**
 * Full validation of a custom resource write, in the API server's order: OpenAPI schema first; then, unless a
 * schema error blocks it, the CRD's `x-kubernetes-validations` CEL rules. Transition rules (those reading
 * `oldSelf`) run only on updates and only where the old value correlates: object properties by name, map-type
 * lists by their keys, set-type lists by value; items of atomic lists never correlate.
 */

const programs = new Map<string, CelProgram>();
const ruleBearing = new WeakMap<JSONSchemaProps, boolean>();

function program(rule: string): CelProgram {
  let compiled = programs.get(rule);
  if (!compiled) {
    compiled = compileCel(rule);
    programs.set(rule, compiled);
  }
  return compiled;
}

function subSchemas(schema: JSONSchemaProps): Array<[string, JSONSchemaProps]> {
  const children: Array<[string, JSONSchemaProps]> = Object.entries(schema.properties ?? {}).map(([n, s]) => [
    `.${n}`,
    s,
  ]);
  if (schema.items) children.push(['[*]', schema.items]);
  if (isJsonObject(schema.additionalProperties as JsonValue)) {
    children.push(['[*]', schema.additionalProperties as JSONSchemaProps]);
  }
  return children;
}

/**
 * Compiles every CEL rule and pattern of a schema so a CRD the simulator cannot enforce is refused when it is
 * loaded, naming the field and the reason. Returns whether the schema has any CEL rule.
 */
export function prepareSchema(schema: JSONSchemaProps, where: string): boolean {
  let hasRules = false;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    try {
      program(rule.rule);
    } catch (error) {
      throw new Error(
        `${where}: x-kubernetes-validations rule ${JSON.stringify(rule.rule)}: ${(error as Error).message}`,
      );
    }
    if (rule.messageExpression !== undefined) {
      try {
        program(rule.messageExpression);
      } catch (error) {
        throw new Error(
          `${where}: messageExpression ${JSON.stringify(rule.messageExpression)}: ${(error as Error).message}`,
        );
      }
    }
    hasRules = true;
  }
  if (schema.pattern !== undefined) {
    try {
      compilePattern(schema.pattern);
    } catch (error) {
      throw new Error(`${where}: pattern ${JSON.stringify(schema.pattern)}: ${(error as Error).message}`);
    }
  }
  for (const [suffix, sub] of subSchemas(schema)) {
    if (prepareSchema(sub, `${where}${suffix}`)) hasRules = true;
  }
  ruleBearing.set(schema, hasRules);
  return hasRules;
}

function hasRules(schema: JSONSchemaProps): boolean {
  const known = ruleBearing.get(schema);
  return known ?? prepareSchema(schema, 'schema');
}

const BLOCKING: ReadonlySet<FieldError['type']> = new Set([
  'FieldValueNotSupported',
  'FieldValueRequired',
  'FieldValueTooLong',
  'FieldValueTooMany',
  'FieldValueTypeInvalid',
]);

function ruleFailure(rule: ValidationRule, schema: JSONSchemaProps, path: string, self: JsonValue, old?: JsonValue) {
  let message = rule.message ?? `failed rule: ${rule.rule}`;
  if (rule.messageExpression !== undefined) {
    try {
      const produced = program(rule.messageExpression).evaluate(self, old);
      if (typeof produced === 'string' && produced.trim() !== '') message = produced;
    } catch {
      // A failing messageExpression falls back to the static message, as the API server does.
    }
  }
  const field = rule.fieldPath ? `${path}${rule.fieldPath}` : path || '<nil>';
  const type = rule.reason ?? 'FieldValueInvalid';
  const error: FieldError = { type, field, detail: message };
  if (type !== 'FieldValueRequired' && type !== 'FieldValueForbidden') error.value = schema.type ?? 'object';
  return error;
}

function correlatedItem(
  schema: JSONSchemaProps,
  item: JsonValue,
  oldList: JsonValue | undefined,
): JsonValue | undefined {
  if (!Array.isArray(oldList)) return undefined;
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'set') return oldList.find((old) => jsonEqual(old, item));
  if (listType === 'map') {
    const keys = schema['x-kubernetes-list-map-keys'] ?? [];
    return oldList.find((old) => keys.every((name) => jsonEqual(member(old, name), member(item, name))));
  }
  return undefined;
}

function checkRules(
  schema: JSONSchemaProps,
  value: JsonValue,
  old: JsonValue | undefined,
  path: string,
  errors: FieldError[],
): void {
  if (!hasRules(schema)) return;
  for (const rule of schema['x-kubernetes-validations'] ?? []) {
    const compiled = program(rule.rule);
    if (compiled.usesOldSelf && old === undefined) continue;
    try {
      if (compiled.evaluate(value, old) !== true) errors.push(ruleFailure(rule, schema, path, value, old));
    } catch (error) {
      if (!(error instanceof CelError)) throw error;
      errors.push({
        type: 'FieldValueInvalid',
        field: path || '<nil>',
        value: schema.type ?? 'object',
        detail: `${error.message} evaluating rule: ${rule.rule}`,
      });
    }
  }
  if (Array.isArray(value) && schema.items) {
    const itemSchema = schema.items;
    value.forEach((item, i) => {
      checkRules(itemSchema, item, correlatedItem(schema, item, old), `${path}[${i}]`, errors);
    });
  } else if (isJsonObject(value)) {
    for (const name of Object.keys(value).sort()) {
      const propertySchema =
        schema.properties?.[name] ??
        (isJsonObject(schema.additionalProperties as JsonValue)
          ? (schema.additionalProperties as JSONSchemaProps)
          : undefined);
      if (!propertySchema || (path === '' && name === 'metadata')) continue;
      const childPath = schema.properties?.[name] ? (path ? `${path}.${name}` : name) : `${path}[${name}]`;
      checkRules(propertySchema, value[name] as JsonValue, member(old, name), childPath, errors);
    }
  }
}

/** Every validation error of a custom resource write; `old` is the stored object for updates. */
export function validateCustomResource(
  object: JsonObject,
  old: JsonObject | undefined,
  schema: JSONSchemaProps,
): FieldError[] {
  const errors = validateAgainstSchema(object, schema);
  if (!hasRules(schema)) return errors;
  if (errors.some((error) => BLOCKING.has(error.type))) {
    errors.push({ type: 'FieldValueInvalid', field: '<nil>', value: null, detail: BLOCKING_VALIDATION_NOTE });
  } else {
    checkRules(schema, object, old, '', errors);
  }
  return errors;
}
