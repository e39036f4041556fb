import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCfnYaml } from '../sfn-engine/cfn-yaml';
import { loadServerlessProject } from '../sfn-engine/serverless-project';
import { ACCOUNT_ID } from './api-gateway-event';
import { parseRouteKey } from './routes';
import type { GatewayRoute, HttpApiHandler } from './server';

/**
 * The HTTP API a serverless.yml declares: every function's `httpApi` events, as route keys, with the function
 * behind each. The local gateway serves exactly these, so it cannot drift from what is deployed.
 */

export interface HttpApiRoute {
  /** `POST /v1/clusters/{cluster}/events`, or `$default` for `httpApi: '*'`. */
  readonly routeKey: string;
  /** The key under `functions:`. */
  readonly functionKey: string;
  readonly functionName: string;
  /** Absolute module path without extension, and the export Lambda calls. */
  readonly modulePath: string;
  readonly exportName: string;
  readonly timeoutSeconds: number;
}

export class HttpApiDeclarationError extends Error {
  override readonly name = 'HttpApiDeclarationError';
}

/**
 * Route keys of one function's `events`: `httpApi: 'POST /path'`, `httpApi: {method, path}`, or `httpApi: '*'`
 * (the catch-all `$default`). Other event types are not the HTTP API's.
 */
export function httpApiRouteKeys(events: unknown, where: string): string[] {
  if (events === undefined || events === null) return [];
  if (!Array.isArray(events)) throw new HttpApiDeclarationError(`${where}.events must be a list`);
  const keys: string[] = [];
  events.forEach((event, index) => {
    const declared = (event as { httpApi?: unknown } | null)?.httpApi;
    if (declared === undefined) return;
    const at = `${where}.events[${index}].httpApi`;
    let key: string;
    if (declared === '*') key = '$default';
    else if (typeof declared === 'string') key = declared.trim().replace(/\s+/, ' ');
    else if (typeof declared === 'object' && declared !== null) {
      const { method, path: routePath } = declared as { method?: unknown; path?: unknown };
      if (typeof method !== 'string' || typeof routePath !== 'string') {
        throw new HttpApiDeclarationError(`${at} needs a method and a path`);
      }
      key =
        method === '*' && routePath === '*'
          ? '$default'
          : `${method === '*' ? 'ANY' : method.toUpperCase()} ${routePath}`;
    } else throw new HttpApiDeclarationError(`${at} must be "METHOD /path", "*" or {method, path}`);
    if (key.includes('${')) throw new HttpApiDeclarationError(`${at}: variables in routes are not resolved locally`);
    try {
      parseRouteKey(key);
    } catch (error) {
      throw new HttpApiDeclarationError(`${at}: ${(error as Error).message}`);
    }
    keys.push(key);
  });
  return keys;
}

export function httpApiRoutes(projectRoot: string, stage: string, serverlessFile = 'serverless.yml'): HttpApiRoute[] {
  const project = loadServerlessProject({
    projectRoot,
    serverlessFile,
    stage,
    region: process.env.AWS_REGION ?? 'us-east-1',
    accountId: ACCOUNT_ID,
  });
  const file = path.resolve(projectRoot, serverlessFile);
  const raw = parseCfnYaml(readFileSync(file, 'utf8'), file) as { functions?: Record<string, { events?: unknown }> };
  return project.functions.flatMap((fn) =>
    httpApiRouteKeys(raw.functions?.[fn.key]?.events, `${serverlessFile}: functions.${fn.key}`).map((routeKey) => ({
      routeKey,
      functionKey: fn.key,
      functionName: fn.functionName,
      modulePath: fn.modulePath,
      exportName: fn.exportName,
      timeoutSeconds: fn.timeoutSeconds,
    })),
  );
}

/** The route as the gateway serves it: the declared handler, required in-process, with its function timeout. */
export function gatewayRoute(route: HttpApiRoute): GatewayRoute {
  const handler: unknown = (require(route.modulePath) as Record<string, unknown>)[route.exportName];
  if (typeof handler !== 'function') {
    throw new Error(`${route.functionKey}: ${route.modulePath}.${route.exportName} is not an exported function`);
  }
  return {
    routeKey: route.routeKey,
    functionName: route.functionName,
    handler: handler as HttpApiHandler,
    timeoutMs: route.timeoutSeconds * 1000,
  };
}
