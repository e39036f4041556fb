import { isJsonObject, type JsonValue, jsonEqual } from './json';

/**
 * A small interpreter for the subset of CEL that CRD `x-kubernetes-validations` rules use: literals, `self` and
 * `oldSelf`, field selection, indexing, `has()`, `size()`, comparisons, boolean and arithmetic operators, `in`,
 * the ternary, and the list macros `all`, `exists`, `exists_one`, `map` and `filter`, plus the common string
 * functions. An expression outside the subset fails to compile with the reason, so a CRD using it is refused at
 * start-up instead of being enforced wrongly.
 */

export class CelError extends Error {
  override name = 'CelError';
}

type Node =
  | { k: 'lit'; v: JsonValue }
  | { k: 'ident'; name: string }
  | { k: 'select'; operand: Node; field: string }
  | { k: 'index'; operand: Node; index: Node }
  | { k: 'call'; fn: string; target?: Node; args: Node[] }
  | { k: 'unary'; op: '!' | '-'; operand: Node }
  | { k: 'binary'; op: string; left: Node; right: Node }
  | { k: 'cond'; test: Node; then: Node; otherwise: Node }
  | { k: 'list'; items: Node[] }
  | { k: 'map'; entries: Array<[Node, Node]> };

type Token = { t: 'num'; v: number } | { t: 'str'; v: string } | { t: 'id'; v: string } | { t: 'op'; v: string };

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '+', '-', '*', '/', '%', '?', ':', '.', ',', '('];
const PUNCTUATION = [')', '[', ']', '{', '}'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(ch)) {
      const match = /^(0x[0-9a-fA-F]+|[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)u?/.exec(source.slice(i));
      const text = match?.[0] ?? ch;
      tokens.push({ t: 'num', v: Number(text.replace(/u$/, '')) });
      i += text.length;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      const text = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i))?.[0] ?? ch;
      const quote = source[i + text.length];
      if ((text === 'r' || text === 'R') && (quote === '"' || quote === "'")) {
        const end = source.indexOf(quote, i + 2);
        if (end < 0) throw new CelError(`unterminated string at ${i}`);
        tokens.push({ t: 'str', v: source.slice(i + 2, end) });
        i = end + 1;
        continue;
      }
      tokens.push({ t: 'id', v: text });
      i += text.length;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let value = '';
      let j = i + 1;
      while (j < source.length && source[j] !== ch) {
        if (source[j] === '\\') {
          const escaped = source[j + 1] ?? '';
          value +=
            ({ n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" } as Record<string, string>)[escaped] ??
            escaped;
          j += 2;
        } else {
          value += source[j];
          j++;
        }
      }
      if (j >= source.length) throw new CelError(`unterminated string at ${i}`);
      tokens.push({ t: 'str', v: value });
      i = j + 1;
      continue;
    }
    const op = [...OPERATORS, ...PUNCTUATION].find((candidate) => source.startsWith(candidate, i));
    if (!op) throw new CelError(`unexpected character ${JSON.stringify(ch)} at ${i}`);
    tokens.push({ t: 'op', v: op });
    i += op.length;
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): Node {
    const node = this.conditional();
    if (this.pos < this.tokens.length) throw new CelError(`unexpected ${this.describe(this.peek())}`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }

  private describe(token: Token | undefined): string {
    return token ? `"${token.v}"` : 'end of expression';
  }

  private isOp(value: string): boolean {
    const token = this.peek();
    return token !== undefined && (token.t === 'op' || (token.t === 'id' && value === 'in')) && token.v === value;
  }

  private expect(value: string): void {
    if (!this.isOp(value)) throw new CelError(`expected "${value}", found ${this.describe(this.peek())}`);
    this.pos++;
  }

  private conditional(): Node {
    const test = this.binary(0);
    if (!this.isOp('?')) return test;
    this.pos++;
    const then = this.conditional();
    this.expect(':');
    return { k: 'cond', test, then, otherwise: this.conditional() };
  }

  private static readonly LEVELS: string[][] = [
    ['||'],
    ['&&'],
    ['==', '!=', '<', '<=', '>', '>=', 'in'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private binary(level: number): Node {
    const ops = Parser.LEVELS[level];
    if (!ops) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const op = ops.find((candidate) => this.isOp(candidate));
      if (!op) return left;
      this.pos++;
      left = { k: 'binary', op, left, right: this.binary(level + 1) };
    }
  }

  private unary(): Node {
    if (this.isOp('!')) {
      this.pos++;
      return { k: 'unary', op: '!', operand: this.unary() };
    }
    if (this.isOp('-')) {
      this.pos++;
      return { k: 'unary', op: '-', operand: this.unary() };
    }
    return this.member();
  }

  private member(): Node {
    let node = this.primary();
    for (;;) {
      if (this.isOp('.')) {
        this.pos++;
        const name = this.peek();
        if (name?.t !== 'id') throw new CelError(`expected a field name after ".", found ${this.describe(name)}`);
        this.pos++;
        if (this.isOp('(')) {
          this.pos++;
          node = { k: 'call', fn: name.v, target: node, args: this.args(')') };
        } else {
          node = { k: 'select', operand: node, field: name.v };
        }
      } else if (this.isOp('[')) {
        this.pos++;
        const index = this.conditional();
        this.expect(']');
        node = { k: 'index', operand: node, index };
      } else {
        return node;
      }
    }
  }

  private args(close: string): Node[] {
    const args: Node[] = [];
    if (this.isOp(close)) {
      this.pos++;
      return args;
    }
    for (;;) {
      args.push(this.conditional());
      if (this.isOp(close)) {
        this.pos++;
        return args;
      }
      this.expect(',');
    }
  }

  private primary(): Node {
    const token = this.peek();
    if (!token) throw new CelError('unexpected end of expression');
    this.pos++;
    if (token.t === 'num' || token.t === 'str') return { k: 'lit', v: token.v };
    if (token.t === 'id') {
      if (token.v === 'true' || token.v === 'false') return { k: 'lit', v: token.v === 'true' };
      if (token.v === 'null') return { k: 'lit', v: null };
      if (this.isOp('(')) {
        this.pos++;
        return { k: 'call', fn: token.v, args: this.args(')') };
      }
      return { k: 'ident', name: token.v };
    }
    if (token.v === '(') {
      const inner = this.conditional();
      this.expect(')');
      return inner;
    }
    if (token.v === '[') return { k: 'list', items: this.args(']') };
    if (token.v === '{') {
      const entries: Array<[Node, Node]> = [];
      if (this.isOp('}')) {
        this.pos++;
        return { k: 'map', entries };
      }
      for (;;) {
        const key = this.conditional();
        this.expect(':');
        entries.push([key, this.conditional()]);
        if (this.isOp('}')) {
          this.pos++;
          return { k: 'map', entries };
        }
        this.expect(',');
      }
    }
    throw new CelError(`unexpected ${this.describe(token)}`);
  }
}

const MACROS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);
const GLOBAL_FUNCTIONS = new Set(['size', 'has', 'int', 'uint', 'double', 'string', 'bool']);
const METHODS = new Set([
  'size',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'lowerAscii',
  'upperAscii',
  'trim',
  'indexOf',
]);

function childNodes(node: Node): Node[] {
  switch (node.k) {
    case 'lit':
    case 'ident':
      return [];
    case 'select':
    case 'unary':
      return [node.operand];
    case 'index':
      return [node.operand, node.index];
    case 'binary':
      return [node.left, node.right];
    case 'cond':
      return [node.test, node.then, node.otherwise];
    case 'list':
      return node.items;
    case 'map':
      return node.entries.flat();
    case 'call':
      return node.target ? [node.target, ...node.args] : node.args;
  }
}

function checkSupported(node: Node, bound: ReadonlySet<string>): void {
  if (node.k === 'ident' && !bound.has(node.name)) throw new CelError(`undeclared reference to "${node.name}"`);
  if (node.k === 'call') {
    if (node.target && MACROS.has(node.fn)) {
      const variable = node.args[0];
      if (node.args.length !== 2 || variable?.k !== 'ident') {
        throw new CelError(`${node.fn}() takes a variable name and an expression`);
      }
      checkSupported(node.target, bound);
      checkSupported(node.args[1] as Node, new Set([...bound, variable.name]));
      return;
    }
    if (node.target ? !METHODS.has(node.fn) : !GLOBAL_FUNCTIONS.has(node.fn)) {
      throw new CelError(`function "${node.fn}" is not supported by the kube simulator`);
    }
    if (node.fn === 'has') {
      if (node.args.length !== 1 || node.args[0]?.k !== 'select') {
        throw new CelError('has() takes one field selection, e.g. has(self.field)');
      }
      checkSupported(node.args[0].operand, bound);
      return;
    }
  }
  for (const child of childNodes(node)) checkSupported(child, bound);
}

function references(node: Node, name: string): boolean {
  return node.k === 'ident' ? node.name === name : childNodes(node).some((child) => references(child, name));
}

type Scope = ReadonlyMap<string, JsonValue>;

function typeOf(value: JsonValue): string {
  if (value === null) return 'null_type';
  if (Array.isArray(value)) return 'list';
  if (isJsonObject(value)) return 'map';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

function asBool(value: JsonValue, what: string): boolean {
  if (typeof value !== 'boolean') throw new CelError(`${what} must be bool, got ${typeOf(value)}`);
  return value;
}

function asList(value: JsonValue, what: string): JsonValue[] {
  if (!Array.isArray(value)) throw new CelError(`${what} needs a list, got ${typeOf(value)}`);
  return value;
}

function asString(value: JsonValue, what: string): string {
  if (typeof value !== 'string') throw new CelError(`${what} needs a string, got ${typeOf(value)}`);
  return value;
}

function sizeOf(value: JsonValue): number {
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  if (isJsonObject(value)) return Object.keys(value).length;
  throw new CelError(`no matching overload for size(${typeOf(value)})`);
}

function compare(op: string, left: JsonValue, right: JsonValue): boolean {
  if (
    !(typeof left === 'number' && typeof right === 'number') &&
    !(typeof left === 'string' && typeof right === 'string')
  ) {
    throw new CelError(`no matching overload for ${typeOf(left)} ${op} ${typeOf(right)}`);
  }
  switch (op) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    default:
      return left >= right;
  }
}

function arithmetic(op: string, left: JsonValue, right: JsonValue): JsonValue {
  if (op === '+' && typeof left === 'string' && typeof right === 'string') return left + right;
  if (op === '+' && Array.isArray(left) && Array.isArray(right)) return [...left, ...right];
  if (typeof left !== 'number' || typeof right !== 'number') {
    throw new CelError(`no matching overload for ${typeOf(left)} ${op} ${typeOf(right)}`);
  }
  const integral = Number.isInteger(left) && Number.isInteger(right);
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      if (integral && right === 0) throw new CelError('division by zero');
      return integral ? Math.trunc(left / right) : left / right;
    default:
      if (right === 0) throw new CelError('modulus by zero');
      return left % right;
  }
}

/** CEL's `&&`/`||`: an error on one side is absorbed when the other side decides the result. */
function logical(op: '&&' | '||', node: { left: Node; right: Node }, scope: Scope): boolean {
  const decisive = op === '||';
  let leftError: unknown;
  try {
    if (asBool(evaluate(node.left, scope), `left side of ${op}`) === decisive) return decisive;
  } catch (error) {
    leftError = error;
  }
  const right = asBool(evaluate(node.right, scope), `right side of ${op}`);
  if (right === decisive) return decisive;
  if (leftError) throw leftError;
  return !decisive;
}

function macro(node: { fn: string; target?: Node; args: Node[] }, scope: Scope): JsonValue {
  const target = evaluate(node.target as Node, scope);
  const variable = (node.args[0] as { name: string }).name;
  const body = node.args[1] as Node;
  const elements = isJsonObject(target) ? Object.keys(target) : asList(target, `${node.fn}()`);
  const run = (element: JsonValue): JsonValue => evaluate(body, new Map([...scope, [variable, element]]));
  switch (node.fn) {
    case 'all':
      return elements.every((element) => asBool(run(element), 'all() predicate'));
    case 'exists':
      return elements.some((element) => asBool(run(element), 'exists() predicate'));
    case 'exists_one':
      return elements.filter((element) => asBool(run(element), 'exists_one() predicate')).length === 1;
    case 'map':
      return elements.map(run);
    default:
      return elements.filter((element) => asBool(run(element), 'filter() predicate'));
  }
}

function call(node: { fn: string; target?: Node; args: Node[] }, scope: Scope): JsonValue {
  if (node.target && MACROS.has(node.fn)) return macro(node, scope);
  if (node.fn === 'has') {
    const selection = node.args[0] as { operand: Node; field: string };
    const operand = evaluate(selection.operand, scope);
    if (!isJsonObject(operand)) throw new CelError(`has() needs a map or object, got ${typeOf(operand)}`);
    return Object.hasOwn(operand, selection.field);
  }
  const args = node.args.map((arg) => evaluate(arg, scope));
  if (!node.target) {
    const [value = null] = args;
    switch (node.fn) {
      case 'size':
        return sizeOf(value);
      case 'int':
      case 'uint':
        if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
        if (typeof value === 'number') return Math.trunc(value);
        throw new CelError(`cannot convert ${typeOf(value)} to int`);
      case 'double':
        if (typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(+value))) {
          return Number(value);
        }
        throw new CelError(`cannot convert ${typeOf(value)} to double`);
      case 'string':
        return typeof value === 'string' ? value : JSON.stringify(value);
      default:
        if (typeof value === 'boolean') return value;
        if (value === 'true' || value === 'false') return value === 'true';
        throw new CelError(`cannot convert ${typeOf(value)} to bool`);
    }
  }
  const self = evaluate(node.target, scope);
  const [arg = null] = args;
  switch (node.fn) {
    case 'size':
      return sizeOf(self);
    case 'startsWith':
      return asString(self, 'startsWith()').startsWith(asString(arg, 'startsWith()'));
    case 'endsWith':
      return asString(self, 'endsWith()').endsWith(asString(arg, 'endsWith()'));
    case 'contains':
      return asString(self, 'contains()').includes(asString(arg, 'contains()'));
    case 'matches':
      return new RegExp(asString(arg, 'matches()'), 'u').test(asString(self, 'matches()'));
    case 'lowerAscii':
      return asString(self, 'lowerAscii()').replace(/[A-Z]/g, (c) => c.toLowerCase());
    case 'upperAscii':
      return asString(self, 'upperAscii()').replace(/[a-z]/g, (c) => c.toUpperCase());
    case 'trim':
      return asString(self, 'trim()').trim();
    default:
      return asString(self, 'indexOf()').indexOf(asString(arg, 'indexOf()'));
  }
}

function evaluate(node: Node, scope: Scope): JsonValue {
  switch (node.k) {
    case 'lit':
      return node.v;
    case 'ident': {
      const value = scope.get(node.name);
      if (value === undefined) throw new CelError(`no value bound to "${node.name}"`);
      return value;
    }
    case 'select': {
      const operand = evaluate(node.operand, scope);
      if (!isJsonObject(operand)) throw new CelError(`cannot select "${node.field}" from ${typeOf(operand)}`);
      if (!Object.hasOwn(operand, node.field)) throw new CelError(`no such key: ${node.field}`);
      return operand[node.field] ?? null;
    }
    case 'index': {
      const operand = evaluate(node.operand, scope);
      const index = evaluate(node.index, scope);
      if (Array.isArray(operand) && typeof index === 'number') {
        if (index < 0 || index >= operand.length) throw new CelError(`index out of range: ${index}`);
        return operand[index] ?? null;
      }
      if (isJsonObject(operand) && typeof index === 'string') {
        if (!Object.hasOwn(operand, index)) throw new CelError(`no such key: ${index}`);
        return operand[index] ?? null;
      }
      throw new CelError(`cannot index ${typeOf(operand)} with ${typeOf(index)}`);
    }
    case 'unary': {
      const operand = evaluate(node.operand, scope);
      if (node.op === '!') return !asBool(operand, 'operand of !');
      if (typeof operand !== 'number') throw new CelError(`no matching overload for -${typeOf(operand)}`);
      return -operand;
    }
    case 'binary': {
      if (node.op === '&&' || node.op === '||') return logical(node.op, node, scope);
      const left = evaluate(node.left, scope);
      const right = evaluate(node.right, scope);
      switch (node.op) {
        case '==':
          return jsonEqual(left, right);
        case '!=':
          return !jsonEqual(left, right);
        case 'in':
          if (Array.isArray(right)) return right.some((item) => jsonEqual(item, left));
          if (isJsonObject(right) && typeof left === 'string') return Object.hasOwn(right, left);
          throw new CelError(`no matching overload for ${typeOf(left)} in ${typeOf(right)}`);
        case '<':
        case '<=':
        case '>':
        case '>=':
          return compare(node.op, left, right);
        default:
          return arithmetic(node.op, left, right);
      }
    }
    case 'cond':
      return asBool(evaluate(node.test, scope), 'condition of ?:')
        ? evaluate(node.then, scope)
        : evaluate(node.otherwise, scope);
    case 'list':
      return node.items.map((item) => evaluate(item, scope));
    case 'map': {
      const result: Record<string, JsonValue> = {};
      for (const [key, value] of node.entries) {
        result[asString(evaluate(key, scope), 'map key')] = evaluate(value, scope);
      }
      return result;
    }
    case 'call':
      return call(node, scope);
  }
}

export interface CelProgram {
  source: string;
  /** Transition rules (those that read `oldSelf`) only run on updates where the old value is present. */
  usesOldSelf: boolean;
  evaluate(self: JsonValue, oldSelf?: JsonValue): JsonValue;
}

export function compileCel(source: string): CelProgram {
  const ast = new Parser(tokenize(source)).parse();
  checkSupported(ast, new Set(['self', 'oldSelf']));
  return {
    source,
    usesOldSelf: references(ast, 'oldSelf'),
    evaluate(self, oldSelf) {
      const scope = new Map<string, JsonValue>([['self', self]]);
      if (oldSelf !== undefined) scope.set('oldSelf', oldSelf);
      return evaluate(ast, scope);
    },
  };
}
