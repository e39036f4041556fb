import { applyPatch, JsonPatchError, type Operation, validate } from 'fast-json-patch';
import { apply as mergePatch } from 'json-merge-patch';
import { cloneJson, type JsonValue } from './json';

/** PATCH bodies: RFC 7386 merge patch (json-merge-patch) and RFC 6902 JSON patch (fast-json-patch). */

export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  // json-merge-patch edits the target in place; the stored object must stay as it was.
  return mergePatch(target === undefined ? undefined : cloneJson(target), patch) as JsonValue;
}

/** A JSON patch document the server cannot decode (400). */
export class JsonPatchDecodeError extends Error {
  override name = 'JsonPatchDecodeError';
}

/** A well-formed JSON patch that does not apply to the object (422): failed `test`, missing path, bad index. */
export class JsonPatchApplyError extends Error {
  override name = 'JsonPatchApplyError';
}

export type JsonPatchOperation = Operation;

/** The library's messages carry a dump of the operation after the first line; the client gets the first line. */
function summary(error: Error): string {
  return error.message.split('\n', 1)[0] ?? error.name;
}

export function decodeJsonPatch(body: unknown): JsonPatchOperation[] {
  const problem = validate(body as Operation[]);
  if (!problem) return body as Operation[];
  const where = problem.index === undefined ? 'patch' : `operation ${problem.index}`;
  throw new JsonPatchDecodeError(`invalid JSON patch: ${where}: ${summary(problem)}`);
}

export function applyJsonPatch(document: JsonValue, operations: readonly JsonPatchOperation[]): JsonValue {
  for (const operation of operations) {
    // RFC 6902 4.4; the library would fail here with a TypeError rather than its own error.
    if (operation.op === 'move' && operation.path.startsWith(`${operation.from}/`)) {
      throw new JsonPatchApplyError(`${operation.path}: cannot move a value into one of its own children`);
    }
  }
  try {
    // Validating against the document makes a failed operation throw before anything is written; not mutating
    // the document leaves the caller's copy alone when a later operation fails.
    return applyPatch(document, operations, true, false).newDocument;
  } catch (error) {
    if (error instanceof JsonPatchError) throw new JsonPatchApplyError(summary(error));
    throw error;
  }
}
