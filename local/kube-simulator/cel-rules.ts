import { CelScalar, celEnv, isCelError, isCelList, isCelMap, isCelUint, parse, plan } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { isJsonObject, type JsonValue } from './json';

/**
 * CRD `x-kubernetes-validations` rules, evaluated by @bufbuild/cel with `self` and `oldSelf` bound. Checks the
 * library leaves to run time, an unknown function or an undeclared name, are made when the rule is compiled, so a
 * CRD the simulator cannot enforce is refused at start-up, as the API server refuses it at creation.
 */

export class CelError extends Error {
  override name = 'CelError';
}

type Expr = ReturnType<typeof parse>['expr'];

const env = celEnv({ variables: { self: CelScalar.DYN, oldSelf: CelScalar.DYN }, funcs: strings });

/** Calls the parser expands or the planner handles itself rather than the function registry. */
const BUILT_INTO_PLANNER = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);
const MACROS = new Set(['has', 'all', 'exists', 'exists_one', 'map', 'filter']);

/** Refuses what would only fail at run time; returns the free variables the rule reads. */
function checkExpr(expr: Expr, bound: ReadonlySet<string>, free: Set<string>): void {
  const kind = expr.exprKind;
  switch (kind.case) {
    case 'identExpr':
      if (!bound.has(kind.value.name)) throw new CelError(`undeclared reference to "${kind.value.name}"`);
      free.add(kind.value.name);
      return;
    case 'selectExpr':
      if (kind.value.operand) checkExpr(kind.value.operand, bound, free);
      return;
    case 'callExpr': {
      const name = kind.value.function;
      if (MACROS.has(name)) throw new CelError(`invalid arguments to the ${name}() macro`);
      if (!BUILT_INTO_PLANNER.has(name) && !env.funcs.find(name)) {
        throw new CelError(`function "${name}" is not supported`);
      }
      for (const child of [kind.value.target, ...kind.value.args]) if (child) checkExpr(child, bound, free);
      return;
    }
    case 'listExpr':
      for (const element of kind.value.elements) checkExpr(element, bound, free);
      return;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        if (entry.keyKind.case === 'mapKey') checkExpr(entry.keyKind.value, bound, free);
        if (entry.value) checkExpr(entry.value, bound, free);
      }
      return;
    case 'comprehensionExpr': {
      const { iterRange, accuInit, loopCondition, loopStep, result, iterVar, iterVar2, accuVar } = kind.value;
      for (const outer of [iterRange, accuInit]) if (outer) checkExpr(outer, bound, free);
      const inner = new Set([...bound, iterVar, iterVar2, accuVar].filter(Boolean));
      for (const body of [loopCondition, loopStep, result]) if (body) checkExpr(body, inner, free);
      return;
    }
    default:
      return;
  }
}

/** JSON to CEL: whole numbers are CEL ints (JSON has no 2.0), objects are maps. */
function toCel(value: JsonValue): unknown {
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (Array.isArray(value)) return value.map(toCel);
  if (isJsonObject(value)) return new Map(Object.entries(value).map(([name, item]) => [name, toCel(item)]));
  return value;
}

function fromCel(value: unknown): JsonValue {
  if (typeof value === 'bigint') return Number(value);
  if (isCelUint(value)) return Number(value.value);
  if (isCelList(value)) return [...value].map(fromCel);
  if (isCelMap(value)) return Object.fromEntries([...value].map(([key, item]) => [String(key), fromCel(item)]));
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as JsonValue;
  throw new CelError(`a result of type ${typeof value} has no JSON form`);
}

/** The library's wording where it differs from the API server's (cel-go). */
function apiServerMessage(message: string): string {
  return message.replace(/^field not found: /, 'no such key: ');
}

export interface CelProgram {
  source: string;
  /** Transition rules (those that read `oldSelf`) only run on updates where the old value is present. */
  usesOldSelf: boolean;
  evaluate(self: JsonValue, oldSelf?: JsonValue): JsonValue;
}

export function compileCel(source: string): CelProgram {
  let expr: Expr;
  try {
    expr = parse(source).expr;
  } catch (error) {
    throw new CelError((error as Error).message);
  }
  const free = new Set<string>();
  checkExpr(expr, new Set(['self', 'oldSelf']), free);
  const run = plan(env, expr);
  return {
    source,
    usesOldSelf: free.has('oldSelf'),
    evaluate(self, oldSelf) {
      const bindings: Record<string, unknown> = { self: toCel(self) };
      if (oldSelf !== undefined) bindings.oldSelf = toCel(oldSelf);
      const result = run(bindings as Parameters<typeof run>[0]);
      if (isCelError(result)) throw new CelError(apiServerMessage(result.message));
      return fromCel(result);
    },
  };
}
