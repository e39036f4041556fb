import { createHmac } from 'node:crypto';
import * as z from 'zod';

/**
 * The wire contract between the cluster forwarder (the sender, `forwarder/`) and the webhook (the receiver,
 * `lib/intake`): routes, the event body and the signature scheme. Both sides import it from here, so neither can
 * change what goes on the wire without the other seeing it. Kept to node:crypto and zod: the webhook bundle
 * loads it on every cold start.
 */

// ---- Routes -------------------------------------------------------------------------------------------------------

export const WEBHOOK_METHOD = 'POST';
export const WEBHOOK_CONTENT_TYPE = 'application/json';

/**
 * The route under `/v1/clusters/{cluster}/`: `events` takes a watch event; `create` and `delete` take the bare
 * ComputeInstance the Event-Driven Ansible era operator posted, so its existing webhook URLs keep working.
 */
export type WebhookRoute = 'events' | 'create' | 'delete';

/** The path segment of each route, as senders spell it. */
export const ROUTE_SEGMENTS: Readonly<Record<WebhookRoute, string>> = {
  events: 'events',
  create: 'create-compute-instance',
  delete: 'delete-compute-instance',
};

const ROUTE_BY_SEGMENT: ReadonlyMap<string, WebhookRoute> = new Map(
  (Object.entries(ROUTE_SEGMENTS) as Array<[WebhookRoute, string]>).map(([route, segment]) => [segment, route]),
);

/** `/v1/clusters/{cluster}/{segment}`, the cluster id percent-encoded. */
export function webhookPath(cluster: string, route: WebhookRoute): string {
  return `/v1/clusters/${encodeURIComponent(cluster)}/${ROUTE_SEGMENTS[route]}`;
}

/** The URL a sender POSTs `route` of `cluster` to, under the webhook's base URL (a stage prefix included). */
export function webhookUrl(baseUrl: string, cluster: string, route: WebhookRoute): string {
  return `${baseUrl.replace(/\/+$/, '')}${webhookPath(cluster, route)}`;
}

const PATH = /^\/v1\/clusters\/([^/]+)\/([^/]+)\/?$/;

/** The cluster and route a path (without a stage prefix) names; undefined when it names none. */
export function parseWebhookPath(path: string): { cluster: string; route: WebhookRoute } | undefined {
  const match = PATH.exec(path);
  const cluster = match?.[1];
  const route = match?.[2] === undefined ? undefined : ROUTE_BY_SEGMENT.get(match[2]);
  return cluster === undefined || route === undefined ? undefined : { cluster, route };
}

// ---- The event body -----------------------------------------------------------------------------------------------

/** The changes the receiver hears about; BOOKMARK and ERROR stay between the API server and the forwarder. */
export const WebhookEventType = z.enum(['ADDED', 'MODIFIED', 'DELETED']);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** The body of the `events` route: a Kubernetes watch event, the object as the API server handed it over. */
export interface WebhookEvent<T = unknown> {
  readonly type: WebhookEventType;
  readonly object: T;
}

/** The envelope as the receiver reads it; the object is checked as the ComputeInstance it must be, next. */
export const WebhookEventEnvelope = z.looseObject(
  {
    type: z.enum(WebhookEventType.options, { error: 'expected ADDED, MODIFIED or DELETED' }),
    object: z.unknown().optional(),
  },
  { error: 'expected a watch event: {"type": …, "object": …}' },
);

/** The exact bytes (as a string) a sender signs and POSTs: only `type` and `object`, nothing else of the event. */
export function encodeWebhookEvent(event: WebhookEvent): string {
  return JSON.stringify({ type: event.type, object: event.object });
}

// ---- The signature ------------------------------------------------------------------------------------------------

/**
 * The signature scheme:
 *
 *   X-Signature-256: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<…>]
 *
 * The timestamp is signed together with the raw body bytes, so a captured request cannot be replayed later with a
 * fresh `t`. Several `v1=` entries let a sender sign with the old and the new secret while one is being rotated.
 */

/** Header names are case-insensitive; API Gateway HTTP APIs hand them over lower-cased. */
export const SIGNATURE_HEADER = 'X-Signature-256';
// Bounds on what a sender may make us parse and hash: a real header is ~80 characters with one or two entries.
const MAX_HEADER_LENGTH = 1024;
const MAX_SIGNATURES = 8;

const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export interface ParsedSignatureHeader {
  /** The digits exactly as sent: they are what was signed. */
  timestamp: string;
  signatures: Buffer[];
}

/** HMAC-SHA256 of `<timestamp>.<body>`: what a `v1` entry carries. */
export function signatureDigest(secret: string, timestamp: string, body: Uint8Array): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

/**
 * The `X-Signature-256` value for `body` sent at `timestampSeconds`. `body` must be the exact bytes (or the exact
 * string, UTF-8 encoded) that go on the wire: any re-serialisation in between breaks the signature.
 */
export function signWebhook(secret: string, body: string | Uint8Array, timestampSeconds: number): string {
  if (secret === '') throw new Error('signWebhook: the secret is empty');
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new Error(`signWebhook: timestampSeconds must be whole unix seconds, got ${timestampSeconds}`);
  }
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const timestamp = String(timestampSeconds);
  return `t=${timestamp},v1=${signatureDigest(secret, timestamp, bytes).toString('hex')}`;
}

/** `t` exactly once and 1–8 well-formed `v1` entries; unknown keys (a future `v2`) are skipped. */
export function parseSignatureHeader(header: string): ParsedSignatureHeader | undefined {
  if (header.length > MAX_HEADER_LENGTH) return undefined;
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return undefined;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return undefined;
      timestamp = value;
    } else if (key === 'v1') {
      if (!HEX_SHA256.test(value) || signatures.length === MAX_SIGNATURES) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}
