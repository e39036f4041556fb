import { parseWebhookPath, WEBHOOK_METHOD, type WebhookRoute } from '../wire/webhook-contract';

/** The routes, their paths and their method are the wire contract's (lib/wire/webhook-contract.ts). */
export { WEBHOOK_METHOD, type WebhookRoute } from '../wire/webhook-contract';

export type RouteMatch =
  | { kind: 'route'; route: WebhookRoute; cluster: string }
  | { kind: 'not-found' }
  | { kind: 'method-not-allowed'; allow: string };

/** `path` without a stage prefix, e.g. `/v1/clusters/prod-east/events`. */
export function matchRoute(method: string, path: string): RouteMatch {
  const named = parseWebhookPath(path);
  if (named === undefined) return { kind: 'not-found' };
  if (method.toUpperCase() !== WEBHOOK_METHOD) return { kind: 'method-not-allowed', allow: WEBHOOK_METHOD };
  return { kind: 'route', ...named };
}
