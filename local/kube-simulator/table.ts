import type { PrinterColumn, ResourceType, ServedVersion } from './crd';
import { isJsonObject, type JsonObject, type JsonValue } from './json';

/**
 * `meta.k8s.io/v1` Table responses, what `kubectl get` asks for: the Name column, then the CRD's
 * additionalPrinterColumns (or Age when it declares none), cells converted as the CRD table convertor does.
 */

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};
const NAMESPACE_COLUMNS: PrinterColumn[] = [
  { name: 'Status', type: 'string', jsonPath: '.status.phase', description: 'The status of the namespace' },
  AGE_COLUMN,
];

/** kubectl's human-readable age (`5s`, `3m20s`, `2d4h`), as apimachinery's `duration.HumanDuration` prints it. */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 365 * 8) return days % 365 === 0 ? `${days / 365}y` : `${Math.floor(days / 365)}y${days % 365}d`;
  return `${Math.floor(days / 365)}y`;
}

const JSON_PATH_STEP = /\.([^.[\]]+)|\[(\d+)\]|\[(\*)\]|\[\?\(@\.([^=\s)]+)\s*==\s*"([^"]*)"\)\]/g;

/**
 * A printer column's JSONPath: `.spec.cores`, `.status.conditions[0].type`, `[*]` (the Tenant CRD's storage class
 * names) and `[?(@.type=="Ready")]` (its condition columns). Like the API server's table convertor, the cell shows
 * the first match only.
 */
function lookup(object: JsonObject, jsonPath: string): JsonValue | undefined {
  let matches: JsonValue[] = [object];
  for (const [, name, index, wildcard, field, expected] of jsonPath.matchAll(JSON_PATH_STEP)) {
    matches = matches.flatMap((value): JsonValue[] => {
      if (name !== undefined) return isJsonObject(value) && value[name] !== undefined ? [value[name]] : [];
      if (!Array.isArray(value)) return [];
      if (index !== undefined) return value[Number(index)] === undefined ? [] : [value[Number(index)] as JsonValue];
      if (wildcard !== undefined) return value;
      return value.filter((item) => isJsonObject(item) && field !== undefined && item[field] === expected);
    });
  }
  return matches[0];
}

function cell(column: PrinterColumn, value: JsonValue | undefined, now: Date): JsonValue {
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date': {
      const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
      return Number.isNaN(time) ? '<invalid>' : humanDuration(now.getTime() - time);
    }
  }
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function toTable(
  type: ResourceType,
  version: ServedVersion,
  objects: readonly JsonObject[],
  listMetadata: JsonObject,
  includeObject: IncludeObject,
  now: Date,
): JsonObject {
  const declared = type.group === '' ? NAMESPACE_COLUMNS : version.printerColumns;
  const columns = declared.length > 0 ? declared : [AGE_COLUMN];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMetadata,
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
      ...columns.map((column) => ({
        name: column.name,
        type: column.type,
        format: column.format ?? '',
        description: column.description ?? '',
        priority: column.priority ?? 0,
      })),
    ],
    rows: objects.map((object) => {
      const metadata = isJsonObject(object.metadata) ? object.metadata : {};
      const row: JsonObject = {
        cells: [metadata.name ?? '', ...columns.map((column) => cell(column, lookup(object, column.jsonPath), now))],
      };
      if (includeObject === 'Object') row.object = object;
      else if (includeObject === 'Metadata') {
        row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
      }
      return row;
    }),
  };
}
