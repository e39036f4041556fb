import { canonicalJson } from '../../lib/computeinstance';

/**
 * Flattens a CustomResourceDefinition into `[path, facts]` rows — every schema property with the rules the API
 * server enforces (descriptions left out) plus names, scope and each version's serving details — so two CRDs can
 * be compared row by row and the first difference named.
 */

type Node = Record<string, unknown>;

/** Schema keywords that change what the API server accepts or how it merges; descriptions are prose. */
const SCHEMA_KEYWORDS = [
  'type',
  'format',
  'enum',
  'default',
  'nullable',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
] as const;

export type Facts = Record<string, unknown>;
export type FactRow = [path: string, facts: Facts];

function asNode(value: unknown, where: string): Node {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`CRD: ${where} is not an object`);
  }
  return value as Node;
}

function schemaRows(schema: Node, path: string, rows: FactRow[]): void {
  const facts: Facts = {};
  for (const keyword of SCHEMA_KEYWORDS) {
    if (schema[keyword] !== undefined) facts[keyword] = schema[keyword];
  }
  // Order of `required` does not matter to the API server; its members do.
  if (Array.isArray(schema.required)) facts.required = [...schema.required].sort();
  rows.push([path, facts]);
  if (schema.properties !== undefined) {
    const properties = asNode(schema.properties, `${path}.properties`);
    for (const name of Object.keys(properties).sort()) {
      schemaRows(asNode(properties[name], `${path}.${name}`), `${path}.${name}`, rows);
    }
  }
  if (schema.items !== undefined) schemaRows(asNode(schema.items, `${path}[]`), `${path}[]`, rows);
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties === 'object') {
    schemaRows(asNode(schema.additionalProperties, `${path}{}`), `${path}{}`, rows);
  }
}

export function crdFacts(crd: unknown): FactRow[] {
  const root = asNode(crd, 'document');
  const spec = asNode(root.spec, 'spec');
  const rows: FactRow[] = [
    ['kind', { apiVersion: root.apiVersion, kind: root.kind }],
    ['metadata.name', { name: asNode(root.metadata, 'metadata').name }],
    ['spec.group', { group: spec.group }],
    ['spec.names', asNode(spec.names, 'spec.names')],
    ['spec.scope', { scope: spec.scope }],
  ];
  const versions = Array.isArray(spec.versions) ? spec.versions.map((v, i) => asNode(v, `spec.versions[${i}]`)) : [];
  rows.push(['spec.versions', { names: versions.map((version) => version.name) }]);
  for (const version of versions) {
    const at = `spec.versions[${String(version.name)}]`;
    rows.push([
      at,
      {
        served: version.served,
        storage: version.storage,
        subresources: version.subresources,
        additionalPrinterColumns: version.additionalPrinterColumns,
      },
    ]);
    const schema = asNode(asNode(version.schema, `${at}.schema`).openAPIV3Schema, `${at}.schema.openAPIV3Schema`);
    schemaRows(schema, `${at}.schema`, rows);
  }
  return rows;
}

/** The first row where `ours` departs from `upstream`, in words; undefined when they agree everywhere. */
export function firstDifference(upstream: unknown, ours: unknown): string | undefined {
  const expected = crdFacts(upstream);
  const actual = new Map(crdFacts(ours));
  for (const [path, facts] of expected) {
    const mine = actual.get(path);
    if (mine === undefined) return `${path}: missing from our CRD`;
    actual.delete(path);
    for (const key of [...new Set([...Object.keys(facts), ...Object.keys(mine)])].sort()) {
      if (canonicalJson(facts[key]) !== canonicalJson(mine[key])) {
        return `${path}: ${key} is ${canonicalJson(mine[key])} in our CRD, upstream has ${canonicalJson(facts[key])}`;
      }
    }
  }
  const extra = actual.keys().next();
  return extra.done ? undefined : `${extra.value}: in our CRD but not upstream`;
}
