import { isJsonObject, type JsonObject, type JsonValue, jsonEqual } from './json';

/**
 * Field ownership (`metadata.managedFields`) as the API server records it for creates, updates and patches: who
 * changed which field last. Kept so objects (and the watch events the forwarder sends on) look as a real server's
 * do; server-side apply is not served. Simplifications: lists are atomic except `metadata.finalizers` (a set, as
 * in ObjectMeta), and map-type lists (`x-kubernetes-list-type: map`) are owned as a whole.
 */

export interface ManagerEntry {
  manager: string;
  operation: 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  /** Encoded field paths (see `encode`): every map node and leaf this manager owns. */
  fields: Set<string>;
}

type Segment = string; // `f:<name>` for a field or map key, `v:<json>` for a set member

const SET_LISTS = new Set([JSON.stringify(['f:metadata', 'f:finalizers'])]);
// Identity and server-maintained fields nobody owns.
const UNOWNED_META = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

const encode = (segments: Segment[]): string => JSON.stringify(segments);
const decode = (path: string): Segment[] => JSON.parse(path) as Segment[];

interface Member {
  node: boolean;
  value: JsonValue;
}

/** Every owned path of an object: non-root map nodes (except `metadata`) and leaves, with their values. */
export function fieldMembers(object: JsonObject): Map<string, Member> {
  const members = new Map<string, Member>();
  const walk = (value: JsonValue, segments: Segment[]): void => {
    const isSet = SET_LISTS.has(encode(segments));
    if (isJsonObject(value) && !isSet) {
      const root = segments.length === 0;
      const isMetadata = segments.length === 1 && segments[0] === 'f:metadata';
      if (!root && !isMetadata) members.set(encode(segments), { node: true, value: {} });
      for (const [name, item] of Object.entries(value)) {
        if (root && (name === 'apiVersion' || name === 'kind')) continue;
        if (isMetadata && UNOWNED_META.has(name)) continue;
        walk(item, [...segments, `f:${name}`]);
      }
    } else if (isSet && Array.isArray(value)) {
      members.set(encode(segments), { node: true, value: {} });
      for (const item of value)
        members.set(encode([...segments, `v:${JSON.stringify(item)}`]), { node: false, value: item });
    } else {
      members.set(encode(segments), { node: false, value });
    }
  };
  walk(object, []);
  return members;
}

function changedMembers(before: Map<string, Member>, after: Map<string, Member>): Set<string> {
  const changed = new Set<string>();
  for (const [path, member] of after) {
    const old = before.get(path);
    if (!old || old.node !== member.node || (!member.node && !jsonEqual(old.value, member.value))) changed.add(path);
  }
  return changed;
}

function entryKey(entry: Pick<ManagerEntry, 'manager' | 'operation' | 'subresource'>): string {
  return `${entry.manager}\u0000${entry.operation}\u0000${entry.subresource ?? ''}`;
}

export interface WriteContext {
  manager: string;
  apiVersion: string;
  subresource?: string;
  time: string;
}

function ownEntry(entries: ManagerEntry[], context: WriteContext): ManagerEntry {
  const operation = 'Update';
  const wanted = entryKey({ manager: context.manager, operation, subresource: context.subresource });
  let entry = entries.find((candidate) => entryKey(candidate) === wanted);
  if (!entry) {
    entry = {
      manager: context.manager,
      operation,
      apiVersion: context.apiVersion,
      time: context.time,
      fields: new Set(),
    };
    if (context.subresource) entry.subresource = context.subresource;
    entries.push(entry);
  }
  entry.apiVersion = context.apiVersion;
  return entry;
}

/**
 * Ownership after a non-apply write (create, update, patch): the writer takes every field it changed, other
 * managers lose those, and fields that disappeared are owned by nobody.
 */
export function recordUpdate(
  entries: readonly ManagerEntry[],
  before: JsonObject | undefined,
  after: JsonObject,
  context: WriteContext,
): ManagerEntry[] {
  const oldMembers = before ? fieldMembers(before) : new Map<string, Member>();
  const newMembers = fieldMembers(after);
  const changed = changedMembers(oldMembers, newMembers);
  const result = entries.map((entry) => ({ ...entry, fields: new Set(entry.fields) }));
  if (changed.size === 0 && [...oldMembers.keys()].every((path) => newMembers.has(path))) return result;
  for (const entry of result) {
    for (const path of [...entry.fields]) if (changed.has(path) || !newMembers.has(path)) entry.fields.delete(path);
  }
  if (changed.size > 0) {
    const own = ownEntry(result, context);
    for (const path of changed) own.fields.add(path);
    own.time = context.time;
  }
  return result.filter((entry) => entry.fields.size > 0);
}

/** `.spec.cores`, `.metadata.finalizers[="x"]`: how apply conflicts name a field. */
function fieldsV1(fields: Set<string>): JsonObject {
  const tree: JsonObject = {};
  for (const path of fields) {
    let node = tree;
    for (const segment of decode(path)) {
      let next = node[segment];
      if (!isJsonObject(next)) {
        next = {};
        node[segment] = next;
      }
      node = next;
    }
  }
  const markNodes = (node: JsonObject, segments: Segment[]): void => {
    for (const [segment, childNode] of Object.entries(node)) {
      if (!isJsonObject(childNode) || segment === '.') continue;
      const childSegments = [...segments, segment];
      if (Object.keys(childNode).length > 0 && fields.has(encode(childSegments))) childNode['.'] = {};
      markNodes(childNode, childSegments);
    }
  };
  markNodes(tree, []);
  return tree;
}

/** `metadata.managedFields` as the API server renders it. */
export function renderManagedFields(entries: readonly ManagerEntry[]): JsonValue[] {
  return entries.map((entry) => {
    const rendered: JsonObject = {
      manager: entry.manager,
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      time: entry.time,
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1(entry.fields),
    };
    if (entry.subresource) rendered.subresource = entry.subresource;
    return rendered;
  });
}
