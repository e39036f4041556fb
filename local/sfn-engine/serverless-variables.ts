/**
 * Just enough of the Serverless Framework variable syntax to compute names and load definitions locally:
 * `${sls:stage}`, `${opt:stage, 'dev'}`, `${self:a.b}`, `${env:X}`, `${aws:region}`, `${param:x}` (from the
 * `params:` block: the stage's section, then `default`), `${file(path)}` and
 * `${file(path):a.b}`, with fallbacks (quoted strings, numbers, booleans, null, nested variables, bare references).
 */
export interface VariableSources {
  readonly stage: string;
  readonly region: string;
  readonly accountId: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The raw configuration that `${self:…}` addresses. */
  readonly self: unknown;
  /** Reads and parses a file named by `${file(…)}`, relative to the service directory. */
  readFile(relativePath: string): unknown;
}

/** Anything wrong with serverless.yml or the files it references, named by file and field. */
export class ServerlessConfigError extends Error {
  override name = 'ServerlessConfigError';
}

// Self-references can chain; a cycle must end in an error, not a stack overflow.
const MAX_DEPTH = 32;

export function resolveVariables(value: unknown, sources: VariableSources, where: string): unknown {
  return new Resolver(sources).resolve(value, where, 0);
}

interface Span {
  readonly start: number;
  readonly end: number; // index just after the closing brace
}

class Resolver {
  constructor(private readonly sources: VariableSources) {}

  resolve(value: unknown, where: string, depth: number): unknown {
    if (depth > MAX_DEPTH) throw new ServerlessConfigError(`${where}: variables nest too deeply (a cycle?)`);
    if (typeof value === 'string') return this.resolveString(value, where, depth);
    if (Array.isArray(value)) return value.map((item, index) => this.resolve(item, `${where}[${index}]`, depth));
    if (isPlainObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([key, item]) => [key, this.resolve(item, `${where}.${key}`, depth)]),
      );
    }
    return value;
  }

  private resolveString(text: string, where: string, depth: number): unknown {
    const spans = findVariableSpans(text, where);
    const [only] = spans;
    if (only === undefined) return text;
    // A value that is exactly one variable keeps the referenced type (an object from a file, a number…).
    if (spans.length === 1 && only.start === 0 && only.end === text.length) {
      return this.resolve(this.evaluate(text.slice(2, -1), where, depth), where, depth + 1);
    }
    let result = '';
    let cursor = 0;
    for (const span of spans) {
      result += text.slice(cursor, span.start);
      const part = this.resolve(
        this.evaluate(text.slice(span.start + 2, span.end - 1), where, depth),
        where,
        depth + 1,
      );
      if (part !== null && typeof part === 'object') {
        throw new ServerlessConfigError(`${where}: ${text.slice(span.start, span.end)} is an object inside a string`);
      }
      result += String(part);
      cursor = span.end;
    }
    return result + text.slice(cursor);
  }

  private evaluate(expression: string, where: string, depth: number): unknown {
    const [reference = '', ...fallbacks] = splitTopLevel(expression);
    const candidates = [reference, ...fallbacks];
    const unsupported: string[] = [];
    for (const candidate of candidates) {
      const outcome = this.evaluateTerm(candidate.trim(), where, depth);
      if (outcome.unsupported) unsupported.push(outcome.unsupported);
      if (outcome.value !== undefined && outcome.value !== null) return outcome.value;
      if (outcome.value === null && candidate !== reference) return null;
    }
    const why = unsupported.length > 0 ? ` (${unsupported.join('; ')})` : '';
    throw new ServerlessConfigError(`${where}: cannot resolve \${${expression}}${why}`);
  }

  private evaluateTerm(term: string, where: string, depth: number): { value: unknown; unsupported?: string } {
    if (/^'.*'$/s.test(term) || /^".*"$/s.test(term)) return { value: term.slice(1, -1) };
    if (term.startsWith('${')) return { value: this.resolve(term, where, depth + 1) };
    if (/^-?\d+(\.\d+)?$/.test(term)) return { value: Number(term) };
    if (term === 'true' || term === 'false') return { value: term === 'true' };
    if (term === 'null') return { value: null };
    const file = /^file\((.+?)\)(?::(.+))?$/s.exec(term);
    if (file?.[1] !== undefined) {
      const content = this.resolve(this.sources.readFile(file[1].trim()), `file(${file[1].trim()})`, depth + 1);
      return { value: file[2] === undefined ? content : lookup(content, file[2]) };
    }
    const source = /^(\w+):(.*)$/s.exec(term);
    if (source?.[1] === undefined || source[2] === undefined) {
      return { value: undefined, unsupported: `'${term}' is not a variable reference` };
    }
    return this.fromSource(source[1], source[2].trim(), depth);
  }

  private fromSource(name: string, address: string, depth: number) {
    const { stage, region, accountId, env, self } = this.sources;
    switch (name) {
      case 'self':
        return { value: this.resolve(address === '' ? self : lookup(self, address), `self:${address}`, depth + 1) };
      case 'sls':
        if (address === 'stage') return { value: stage };
        if (address === 'instanceId') return { value: 'local' };
        return { value: undefined, unsupported: `sls:${address} is unknown` };
      case 'opt':
        if (address === 'stage') return { value: stage };
        if (address === 'region') return { value: region };
        return { value: undefined };
      case 'aws':
        if (address === 'region') return { value: region };
        if (address === 'accountId') return { value: accountId };
        return { value: undefined, unsupported: `aws:${address} is unknown` };
      case 'env':
        return { value: env[address] };
      case 'param': {
        const params = lookup(self, 'params');
        const value = lookup(params, `${stage}.${address}`) ?? lookup(params, `default.${address}`);
        return { value: this.resolve(value, `param:${address}`, depth + 1) };
      }
      default:
        return { value: undefined, unsupported: `${name}: variables are not available locally` };
    }
  }
}

/** `${…}` spans at the top level of a string, honouring nesting such as `${env:A, ${self:b}}`. */
function findVariableSpans(text: string, where: string): Span[] {
  const spans: Span[] = [];
  let index = text.indexOf('${');
  while (index >= 0) {
    let depth = 0;
    let end = -1;
    for (let i = index; i < text.length; i += 1) {
      if (text.startsWith('${', i)) {
        depth += 1;
        i += 1;
      } else if (text[i] === '}') {
        depth -= 1;
        if (depth === 0) {
          end = i + 1;
          break;
        }
      }
    }
    if (end < 0) throw new ServerlessConfigError(`${where}: unterminated variable in '${text}'`);
    spans.push({ start: index, end });
    index = text.indexOf('${', end);
  }
  return spans;
}

/** Splits `ref, fallback, …` on commas outside quotes, parentheses and nested variables. */
function splitTopLevel(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of expression) {
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '{' || char === '(') {
      depth += 1;
    } else if (char === '}' || char === ')') {
      depth -= 1;
    } else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

function lookup(root: unknown, dottedPath: string): unknown {
  let node = root;
  for (const key of dottedPath.split('.')) {
    if (!isPlainObject(node) && !Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
