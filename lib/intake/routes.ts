/**
 * The webhook's routes. `events` takes a Kubernetes watch event; `create` and `delete` take the bare
 * ComputeInstance the Event-Driven Ansible era operator posted, so its existing webhook URLs keep working.
 */
export type WebhookRoute = 'events' | 'create' | 'delete';

const ROUTES: ReadonlyMap<string, WebhookRoute> = new Map([
  ['events', 'events'],
  ['create-compute-instance', 'create'],
  ['delete-compute-instance', 'delete'],
]);

export const WEBHOOK_METHOD = 'POST';

export type RouteMatch =
  | { kind: 'route'; route: WebhookRoute; cluster: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string };

const PATH = /^\/v1\/clusters\/([^/]+)\/([^/]+)\/?$/;

/** `path` without a stage prefix, e.g. `/v1/clusters/prod-east/events`. */
export function matchRoute(method: string, path: string): RouteMatch {
  const match = PATH.exec(path);
  const cluster = match?.[1];
  const route = match?.[2] === undefined ? undefined : ROUTES.get(match[2]);
  if (cluster === undefined || route === undefined) return { kind: 'not-found' };
  if (method.toUpperCase() !== WEBHOOK_METHOD) return { kind: 'method-not-allowed', allow: WEBHOOK_METHOD };
  return { kind: 'route', route, cluster };
}
