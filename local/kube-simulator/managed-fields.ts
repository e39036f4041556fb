import { cloneJson, isJsonObject, type JsonObject, type JsonValue, jsonEqual } from './json';

/**
 * Field ownership (`metadata.managedFields`) and server-side apply, modelled on structured-merge-diff closely
 * enough for what clients observe: who owns which field, apply conflicts, and pruning of fields an applier stops
 * sending. Simplifications: lists are atomic except `metadata.finalizers` (a set, as in ObjectMeta), and
 * map-type lists (`x-kubernetes-list-type: map`) are owned as a whole.
 */

export interface ManagerEntry {
  manager: string;
  operation: 'Apply' | 'Update';
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

function ownEntry(entries: ManagerEntry[], context: WriteContext, operation: 'Apply' | 'Update'): ManagerEntry {
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
    const own = ownEntry(result, context, 'Update');
    for (const path of changed) own.fields.add(path);
    own.time = context.time;
  }
  return result.filter((entry) => entry.fields.size > 0);
}

/** `.spec.cores`, `.metadata.finalizers[="x"]`: how apply conflicts name a field. */
export function formatFieldPath(path: string): string {
  return decode(path)
    .map((segment) => (segment.startsWith('f:') ? `.${segment.slice(2)}` : `[=${segment.slice(2)}]`))
    .join('');
}

export interface ApplyConflict {
  entry: ManagerEntry;
  path: string;
}

export class ApplyConflictError extends Error {
  override name = 'ApplyConflictError';
  constructor(readonly conflicts: ApplyConflict[]) {
    super(`${conflicts.length} apply conflicts`);
  }
}

/** How the API server names a conflicting manager: `"kubectl" using osac.openshift.io/v1alpha1`. */
export function describeManager(entry: ManagerEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion}`;
  return text;
}

function stripNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(stripNulls);
  if (!isJsonObject(value)) return value;
  const result: JsonObject = {};
  for (const [name, item] of Object.entries(value)) if (item !== null) result[name] = stripNulls(item);
  return result;
}

function removePath(object: JsonObject, segments: Segment[]): void {
  let parent: JsonValue | undefined = object;
  for (const segment of segments.slice(0, -1)) {
    parent = isJsonObject(parent) ? parent[segment.slice(2)] : undefined;
  }
  const last = segments[segments.length - 1] ?? '';
  if (last.startsWith('v:') && Array.isArray(parent)) {
    const item = JSON.parse(last.slice(2)) as JsonValue;
    const at = parent.findIndex((candidate) => jsonEqual(candidate, item));
    if (at >= 0) parent.splice(at, 1);
  } else if (isJsonObject(parent)) {
    delete parent[last.slice(2)];
  }
}

function mergeApplied(live: JsonValue | undefined, config: JsonValue, segments: Segment[]): JsonValue {
  if (SET_LISTS.has(encode(segments)) && Array.isArray(config)) {
    const union = Array.isArray(live) ? cloneJson(live) : [];
    for (const item of config) if (!union.some((existing) => jsonEqual(existing, item))) union.push(cloneJson(item));
    return union;
  }
  if (isJsonObject(config) && isJsonObject(live)) {
    const result = cloneJson(live);
    for (const [name, item] of Object.entries(config))
      result[name] = mergeApplied(live[name], item, [...segments, `f:${name}`]);
    return result;
  }
  return cloneJson(config);
}

export interface ApplyResult {
  object: JsonObject;
  entries: ManagerEntry[];
}

/**
 * Server-side apply of `config` by `context.manager` onto `live` (undefined when the object does not exist yet).
 * Fields the manager applied before and no longer sends are removed unless another manager owns them or
 * something beneath them; fields owned by others with a different value conflict unless `force`.
 */
export function serverSideApply(
  live: JsonObject | undefined,
  rawConfig: JsonObject,
  entries: readonly ManagerEntry[],
  context: WriteContext,
  force: boolean,
): ApplyResult {
  const config = stripNulls(rawConfig) as JsonObject;
  const configMembers = fieldMembers(config);
  const liveMembers = live ? fieldMembers(live) : new Map<string, Member>();
  const result = entries.map((entry) => ({ ...entry, fields: new Set(entry.fields) }));
  const mine = entryKey({ manager: context.manager, operation: 'Apply', subresource: context.subresource });
  const others = result.filter((entry) => entryKey(entry) !== mine);

  const conflicts: ApplyConflict[] = [];
  for (const [path, member] of configMembers) {
    if (member.node) continue;
    const current = liveMembers.get(path);
    if (current && !current.node && jsonEqual(current.value, member.value)) continue;
    for (const entry of others) if (entry.fields.has(path)) conflicts.push({ entry, path });
  }
  if (conflicts.length > 0 && !force) throw new ApplyConflictError(conflicts);
  for (const { entry, path } of conflicts) entry.fields.delete(path);

  const object = live ? cloneJson(live) : {};
  const previous = result.find((entry) => entryKey(entry) === mine)?.fields ?? new Set<string>();
  const ownedByOthers = (path: string): boolean => {
    const prefix = path.slice(0, -1);
    return others.some((entry) => [...entry.fields].some((owned) => owned === path || owned.startsWith(`${prefix},`)));
  };
  const stale = [...previous].filter((path) => !configMembers.has(path) && !ownedByOthers(path));
  // Shallow paths first: removing a node removes what is beneath it.
  for (const path of stale.sort((a, b) => decode(a).length - decode(b).length)) removePath(object, decode(path));

  const merged = mergeApplied(object, config, []) as JsonObject;
  const own = ownEntry(result, context, 'Apply');
  const fields = new Set(configMembers.keys());
  // Re-applying the same fields is not a change: the entry keeps its time, so the write stays a no-op.
  if (own.fields.size !== fields.size || [...fields].some((path) => !own.fields.has(path))) own.time = context.time;
  own.fields = fields;
  return { object: merged, entries: result.filter((entry) => entry.fields.size > 0) };
}

/** The FieldsV1 tree of a field set: `{"f:spec": {".": {}, "f:cores": {}}}`. */
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
