import { z } from 'zod';
import { cloneJson, isJsonObject, type JsonValue, jsonEqual } from './json';

/** RFC 7386 JSON merge patch and RFC 6902 JSON patch over plain JSON values. */

export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result = isJsonObject(target) ? cloneJson(target) : {};
  for (const [name, value] of Object.entries(patch)) {
    if (value === null) delete result[name];
    else result[name] = applyMergePatch(result[name], value);
  }
  return result;
}

/** A JSON patch document the server cannot decode (400). */
export class JsonPatchDecodeError extends Error {
  override name = 'JsonPatchDecodeError';
}

/** A well-formed JSON patch that does not apply to the object (422): failed `test`, missing path, bad index. */
export class JsonPatchApplyError extends Error {
  override name = 'JsonPatchApplyError';
}

const Pointer = z.string().refine((p) => p === '' || p.startsWith('/'), 'must be "" or start with "/"');
const JsonPatchOperation = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), path: Pointer, value: z.json() }),
  z.object({ op: z.literal('replace'), path: Pointer, value: z.json() }),
  z.object({ op: z.literal('test'), path: Pointer, value: z.json() }),
  z.object({ op: z.literal('remove'), path: Pointer }),
  z.object({ op: z.literal('move'), from: Pointer, path: Pointer }),
  z.object({ op: z.literal('copy'), from: Pointer, path: Pointer }),
]);
export type JsonPatchOperation = z.infer<typeof JsonPatchOperation>;

export function decodeJsonPatch(body: unknown): JsonPatchOperation[] {
  const result = z.array(JsonPatchOperation).safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `operation ${issue.path.map(String).join('.')}` : 'patch';
  throw new JsonPatchDecodeError(`invalid JSON patch: ${where}: ${issue?.message ?? 'not a JSON patch'}`);
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(list: JsonValue[], token: string, allowEnd: boolean, pointer: string): number {
  if (allowEnd && token === '-') return list.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new JsonPatchApplyError(`${pointer}: "${token}" is not an array index`);
  const index = Number(token);
  if (index > list.length || (!allowEnd && index === list.length)) {
    throw new JsonPatchApplyError(`${pointer}: index ${index} is out of bounds`);
  }
  return index;
}

/** The container holding the pointer's last token, and that token. */
function locate(doc: JsonValue, pointer: string): { parent: JsonValue; last: string } {
  const parts = tokens(pointer);
  const last = parts.pop() as string;
  let parent: JsonValue = doc;
  for (const token of parts) {
    if (Array.isArray(parent)) parent = parent[arrayIndex(parent, token, false, pointer)] as JsonValue;
    else if (isJsonObject(parent) && Object.hasOwn(parent, token)) parent = parent[token] as JsonValue;
    else throw new JsonPatchApplyError(`${pointer}: missing value`);
  }
  return { parent, last };
}

function get(doc: JsonValue, pointer: string): JsonValue {
  if (pointer === '') return doc;
  const { parent, last } = locate(doc, pointer);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false, pointer)] as JsonValue;
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) return parent[last] as JsonValue;
  throw new JsonPatchApplyError(`${pointer}: missing value`);
}

function add(doc: JsonValue, pointer: string, value: JsonValue): JsonValue {
  if (pointer === '') return value;
  const { parent, last } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true, pointer), 0, value);
  else if (isJsonObject(parent)) parent[last] = value;
  else throw new JsonPatchApplyError(`${pointer}: parent is not a container`);
  return doc;
}

function remove(doc: JsonValue, pointer: string): JsonValue {
  if (pointer === '') throw new JsonPatchApplyError('cannot remove the whole document');
  const { parent, last } = locate(doc, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false, pointer), 1);
  else if (isJsonObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
  else throw new JsonPatchApplyError(`${pointer}: unable to remove nonexistent key "${last}"`);
  return doc;
}

export function applyJsonPatch(document: JsonValue, operations: readonly JsonPatchOperation[]): JsonValue {
  let doc = cloneJson(document);
  for (const operation of operations) {
    switch (operation.op) {
      case 'add':
        doc = add(doc, operation.path, cloneJson(operation.value as JsonValue));
        break;
      case 'remove':
        doc = remove(doc, operation.path);
        break;
      case 'replace':
        get(doc, operation.path);
        doc = operation.path === '' ? cloneJson(operation.value as JsonValue) : remove(doc, operation.path);
        if (operation.path !== '') doc = add(doc, operation.path, cloneJson(operation.value as JsonValue));
        break;
      case 'move': {
        if (operation.path.startsWith(`${operation.from}/`)) {
          throw new JsonPatchApplyError(`${operation.path}: cannot move a value into one of its own children`);
        }
        const value = get(doc, operation.from);
        doc = add(remove(doc, operation.from), operation.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, operation.path, cloneJson(get(doc, operation.from)));
        break;
      case 'test':
        if (!jsonEqual(get(doc, operation.path), operation.value as JsonValue)) {
          throw new JsonPatchApplyError(`testing value ${operation.path} failed`);
        }
        break;
    }
  }
  return doc;
}
