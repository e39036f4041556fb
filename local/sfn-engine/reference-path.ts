/**
 * ASL Reference Paths (`$.a.b`, `$['a'][0]`, `$$.Execution.Id`): the JSONPath subset that names exactly one node,
 * which is all SecondsPath, TimestampPath and TimeoutSecondsPath may use.
 */
export type ReferencePathResult = { found: true; value: unknown } | { found: false };

class ReferencePathError extends Error {
  override name = 'ReferencePathError';
}

type Segment = string | number;

function parseReferencePath(path: string): { root: '$' | '$$'; segments: Segment[] } {
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : undefined;
  if (root === undefined) throw new ReferencePathError(`'${path}' is not a reference path: it must start with '$'`);
  const segments: Segment[] = [];
  let rest = path.slice(root.length);
  while (rest.length > 0) {
    const [consumed, segment] = readSegment(rest) ?? [];
    if (consumed === undefined || segment === undefined) {
      throw new ReferencePathError(`'${path}' is not a reference path: cannot read '${rest}'`);
    }
    segments.push(segment);
    rest = rest.slice(consumed);
  }
  return { root, segments };
}

function readSegment(rest: string): [number, Segment] | undefined {
  const field = /^\.([^.[\]'"*?@,:()\s]+)/.exec(rest);
  if (field?.[1] !== undefined) return [field[0].length, field[1]];
  const quoted = /^\[(['"])(.*?)\1\]/.exec(rest);
  if (quoted?.[2] !== undefined) return [quoted[0].length, quoted[2]];
  const index = /^\[(\d+)\]/.exec(rest);
  if (index?.[1] !== undefined) return [index[0].length, Number(index[1])];
  return undefined;
}

export function evaluateReferencePath(path: string, input: unknown, context: unknown): ReferencePathResult {
  const { root, segments } = parseReferencePath(path);
  let node = root === '$$' ? context : input;
  for (const segment of segments) {
    if (typeof segment === 'number') {
      if (!Array.isArray(node) || segment >= node.length) return { found: false };
      node = node[segment];
    } else {
      if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, segment)) {
        return { found: false };
      }
      node = (node as Record<string, unknown>)[segment];
    }
  }
  return { found: true, value: node };
}
