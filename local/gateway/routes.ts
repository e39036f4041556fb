/**
 * API Gateway HTTP API route keys (`POST /v1/clusters/{cluster}/events`, `ANY /files/{path+}`, `$default`) and the
 * route selection API Gateway documents: the most specific route wins, a method beats `ANY`, a greedy `{name+}`
 * variable only catches what nothing more specific matched, and `$default` catches the rest.
 */

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

export interface Route {
  /** The route key as written, e.g. `POST /v1/clusters/{cluster}/events`. */
  readonly key: string;
  /** Upper-case method, `ANY`, or undefined for `$default`. */
  readonly method: string | undefined;
  readonly segments: readonly Segment[];
}

export interface RouteMatch {
  readonly route: Route;
  readonly pathParameters: Record<string, string>;
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'ANY']);
const VARIABLE = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/;

export class InvalidRouteKey extends Error {
  override readonly name = 'InvalidRouteKey';
}

export function parseRouteKey(key: string): Route {
  if (key === '$default') return { key, method: undefined, segments: [] };
  const match = /^(\S+) (\/\S*)$/.exec(key);
  const method = match?.[1];
  const path = match?.[2];
  if (method === undefined || path === undefined || !METHODS.has(method)) {
    throw new InvalidRouteKey(`route key "${key}" is not "<METHOD> /path" or "$default"`);
  }
  const parts = path === '/' ? [] : path.slice(1).split('/');
  const segments = parts.map((part, index): Segment => {
    const variable = VARIABLE.exec(part);
    if (variable === null) {
      if (part === '' || part.includes('{') || part.includes('}')) {
        throw new InvalidRouteKey(`route key "${key}": segment "${part}" is neither a literal nor {name}`);
      }
      return { kind: 'literal', value: part };
    }
    const name = variable[1] as string;
    if (variable[2] === '+') {
      if (index !== parts.length - 1) throw new InvalidRouteKey(`route key "${key}": {${name}+} must be last`);
      return { kind: 'greedy', name };
    }
    return { kind: 'param', name };
  });
  return { key, method, segments };
}

export function parseRouteKeys(keys: readonly string[]): Route[] {
  const routes = keys.map(parseRouteKey);
  const seen = new Set<string>();
  for (const route of routes) {
    if (seen.has(route.key)) throw new InvalidRouteKey(`route key "${route.key}" is declared twice`);
    seen.add(route.key);
  }
  return routes;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a malformed escape is passed on as sent, like any other opaque text
  }
}

function matchPath(route: Route, parts: readonly string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of route.segments.entries()) {
    if (segment.kind === 'greedy') {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.every((part) => part === '')) return undefined;
      parameters[segment.name] = decodeSegment(rest.join('/'));
      return parameters;
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (part !== segment.value) return undefined;
    } else {
      if (part === '') return undefined;
      parameters[segment.name] = decodeSegment(part);
    }
  }
  return parts.length === route.segments.length ? parameters : undefined;
}

/**
 * Sort key, smaller is more specific: no greedy variable before greedy (then longer literal prefix first), fewer
 * path variables, literals earlier in the path, a method before ANY.
 */
function specificity(route: Route): number[] {
  const greedy = route.segments.some((segment) => segment.kind === 'greedy');
  const variables = route.segments.filter((segment) => segment.kind !== 'literal').length;
  const shape = route.segments.map((segment) => (segment.kind === 'literal' ? 0 : 1));
  return [greedy ? 1 : 0, greedy ? -route.segments.length : 0, variables, ...shape, route.method === 'ANY' ? 1 : 0];
}

function compareSpecificity(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The route API Gateway would select for this request, or undefined (API Gateway answers 404 Not Found). */
export function selectRoute(routes: readonly Route[], method: string, rawPath: string): RouteMatch | undefined {
  const upper = method.toUpperCase();
  const parts = rawPath === '/' ? [] : rawPath.replace(/^\//, '').split('/');
  const candidates: Array<RouteMatch & { rank: number[] }> = [];
  for (const route of routes) {
    if (route.method === undefined) continue;
    if (route.method !== 'ANY' && route.method !== upper) continue;
    const pathParameters = matchPath(route, parts);
    if (pathParameters !== undefined) candidates.push({ route, pathParameters, rank: specificity(route) });
  }
  candidates.sort((a, b) => compareSpecificity(a.rank, b.rank));
  const best = candidates[0];
  if (best !== undefined) return { route: best.route, pathParameters: best.pathParameters };
  const fallback = routes.find((route) => route.method === undefined);
  return fallback === undefined ? undefined : { route: fallback, pathParameters: {} };
}
