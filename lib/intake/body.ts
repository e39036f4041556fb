import * as z from 'zod';
import {
  API_VERSION,
  type ComputeInstance,
  GROUP,
  InvalidComputeInstanceError,
  KIND,
  parseComputeInstance,
  VERSION,
} from '../computeinstance';
import { DNS_LABEL_MESSAGE, DNS_SUBDOMAIN_MESSAGE, isDnsLabel, isDnsSubdomain } from '../k8s/names';
import { formatIssuePath, type Issue, joinIssues, listIssues } from '../runtime/issues';
import { InstanceRef } from '../sfn/names';
import { WebhookEventEnvelope, WebhookEventType, type WebhookRoute } from '../wire/webhook-contract';

// In request.ts, which the AAP notification receiver shares without this module's schemas.
export { MAX_BODY_BYTES, type RawBody, readRawBody } from './request';

/** The watch event types the `events` route takes: the wire contract's. */
export const WatchEventType = WebhookEventType;
export type WatchEventType = WebhookEventType;

/** `upsert`: the object as it now is, decide what it needs. `delete`: it is going away, deprovision if still ours. */
export type ChangeKind = 'upsert' | 'delete';

export interface WebhookChange {
  kind: ChangeKind;
  /** The watch event type; undefined on the EDA routes. */
  eventType?: WatchEventType;
  instance: ComputeInstance;
  ref: InstanceRef;
}

/** A field the body got wrong; shown to the sender as is. */
export type BodyIssue = Issue;

export type ParsedBody =
  | { ok: true; change: WebhookChange }
  | { ok: false; reason: 'malformed_json' | 'invalid_body'; message: string; issues: BodyIssue[] };

const text = (what: string) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'required' : `expected ${what} as a string`) })
    .min(1, 'must not be empty');

/**
 * What must hold before the object is worth validating in full: it is OUR kind (a message naming the field, not a
 * generic literal mismatch) and it names an instance we can reference.
 */
const Identity = z.looseObject(
  {
    apiVersion: text('the API version').superRefine((apiVersion, ctx) => {
      const slash = apiVersion.indexOf('/');
      const group = slash === -1 ? '' : apiVersion.slice(0, slash);
      if (group !== GROUP) ctx.addIssue({ code: 'custom', message: `expected group ${GROUP} (${API_VERSION})` });
      else if (apiVersion.slice(slash + 1) !== VERSION) {
        ctx.addIssue({ code: 'custom', message: `expected version ${VERSION} (${API_VERSION})` });
      }
    }),
    kind: z.literal(KIND, { error: `expected ${KIND}` }),
    metadata: z.looseObject(
      {
        // The API server's rules, so a name it could never hold ('..', 'a/b', 'Bad_NS') starts nothing.
        namespace: text('the namespace').refine((value) => value === '' || isDnsLabel(value), DNS_LABEL_MESSAGE),
        name: text('the name').refine((value) => value === '' || isDnsSubdomain(value), DNS_SUBDOMAIN_MESSAGE),
        uid: text('the uid'),
      },
      { error: 'required' },
    ),
  },
  { error: `expected a ${KIND} object` },
);

const decoder = new TextDecoder('utf-8', { fatal: true });

function invalid(prefix: readonly string[], issues: readonly BodyIssue[]): ParsedBody {
  const message = `invalid ${prefix.length === 0 ? 'body' : 'event'}: ${joinIssues(issues)}`;
  return { ok: false, reason: 'invalid_body', message, issues: [...issues] };
}

/** parseComputeInstance names paths from the object's root; put them under where the object sits in the body. */
function prefixed(prefix: readonly string[], path: string): string {
  if (prefix.length === 0) return path;
  const base = formatIssuePath(prefix);
  if (path === '(root)') return base;
  return path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}

/**
 * Parses a webhook body: UTF-8 JSON, a watch event (`events`) or a bare ComputeInstance (`create`, `delete`), the
 * object validated in full. Every failure names the fields at fault and never echoes the body.
 */
export function parseWebhookBody(route: WebhookRoute, bytes: Uint8Array, cluster: string): ParsedBody {
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch {
    return { ok: false, reason: 'malformed_json', message: 'body is not valid UTF-8 JSON', issues: [] };
  }

  let object: unknown = json;
  let eventType: WatchEventType | undefined;
  const prefix = route === 'events' ? ['object'] : [];
  if (route === 'events') {
    const event = WebhookEventEnvelope.safeParse(json);
    if (!event.success) return invalid(prefix, listIssues(event.error, []));
    object = event.data.object;
    eventType = event.data.type;
  }

  const identity = Identity.safeParse(object);
  if (!identity.success) return invalid(prefix, listIssues(identity.error, prefix));

  let instance: ComputeInstance;
  try {
    instance = parseComputeInstance(object);
  } catch (error) {
    if (!(error instanceof InvalidComputeInstanceError)) throw error;
    return invalid(
      prefix,
      error.issues.map((issue) => ({ path: prefixed(prefix, issue.path), message: issue.message })),
    );
  }

  const { namespace, name, uid } = identity.data.metadata;
  // Execution names and inputs carry this reference: its bounds are the API server's (name 253, namespace 63).
  const ref = InstanceRef.safeParse({ cluster, namespace, name, uid });
  if (!ref.success) return invalid(prefix, listIssues(ref.error, [...prefix, 'metadata']));

  const kind: ChangeKind = route === 'delete' || eventType === 'DELETED' ? 'delete' : 'upsert';
  return { ok: true, change: { kind, ...(eventType === undefined ? {} : { eventType }), instance, ref: ref.data } };
}
