import type { SFNClient } from '@aws-sdk/client-sfn';
import type { ClusterRegistry, WebhookCluster } from '../k8s/clusters';
import type { ProbeLimits } from '../reconcile/plan';
import type { StateMachines } from '../workflow/start';
import { type Authentication, authenticateWebhook } from './authenticate';
import { parseWebhookBody, readRawBody, type WatchEventType } from './body';
import { decideIntake, servesNamespace } from './decide';
import { jsonResponse, type WebhookRequest, type WebhookResponse } from './request';
import { matchRoute, type WebhookRoute } from './routes';
import { SIGNATURE_TOLERANCE_SECONDS } from './signature';
import { startOrRetry } from './start';

/** What the intake talks to; built once per container from the settings (see context.ts), injected in tests. */
export interface IntakeContext {
  clusters: Pick<ClusterRegistry<WebhookCluster>, 'get'>;
  /**
   * The Step Functions client, loaded and built at the first start: most events start nothing, and requiring the
   * SDK client would be most of a cold start's load time.
   */
  sfn(): SFNClient;
  machines: StateMachines;
  /** When a failed execution's retry is due: the reconciler's limits, so both pace retries alike. */
  retryLimits: ProbeLimits;
  /** Wall clock: signature timestamps are the sender's wall clock. */
  now(): Date;
  /** The clock lifecycle decisions (backoff) are made on; the local stack runs it faster than the wall clock. */
  decisionNow(): Date;
}

/** Low-cardinality on purpose: it is a metric dimension. */
export type RejectReason =
  | 'route_not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unknown_cluster'
  | 'unauthenticated'
  | 'malformed_json'
  | 'invalid_body'
  | 'namespace_forbidden';

export type IntakeOutcome =
  | {
      kind: 'accepted';
      action: 'provision' | 'deprovision';
      executionName: string;
      executionArn: string;
      duplicate: boolean;
      reason: string;
    }
  | { kind: 'ignored'; reason: string }
  /** `detail` is for our logs only: the sender gets no more than the status says (never which check failed). */
  | { kind: 'rejected'; reason: RejectReason; detail: string }
  /** Our own outage (cluster registry, Step Functions): 503, so the sender retries. */
  | { kind: 'unavailable'; detail: string };

export interface IntakeResult {
  response: WebhookResponse;
  outcome: IntakeOutcome;
  /** What the request was about, as far as it got: for log lines. */
  cluster?: string;
  route?: WebhookRoute;
  eventType?: WatchEventType;
  instance?: { namespace: string; name: string };
}

export const UNAUTHENTICATED_MESSAGE = 'invalid or missing signature';
const RETRY_AFTER_SECONDS = '5';

interface RejectionExtras {
  /** For the log line when it says more than the sender may learn. */
  detail?: string;
  body?: Record<string, unknown>;
  headers?: Record<string, string>;
}

function rejected(
  statusCode: number,
  reason: RejectReason,
  message: string,
  extras: RejectionExtras = {},
): Pick<IntakeResult, 'response' | 'outcome'> {
  return {
    response: jsonResponse(statusCode, { message, ...extras.body }, extras.headers),
    outcome: { kind: 'rejected', reason, detail: extras.detail ?? message },
  };
}

function unavailable(detail: string): Pick<IntakeResult, 'response' | 'outcome'> {
  return {
    response: jsonResponse(
      503,
      { message: 'temporarily unable to accept the webhook; retry later' },
      { 'retry-after': RETRY_AFTER_SECONDS },
    ),
    outcome: { kind: 'unavailable', detail },
  };
}

/** `Name: message` of a failure in our own dependencies; AWS and registry errors hold no secret. */
function describeFailure(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return [name, message].filter((part) => typeof part === 'string' && part !== '').join(': ') || String(error);
}

/** For our log line only: which check failed. */
function describeAuthFailure(auth: Extract<Authentication, { ok: false }>): string {
  const what = auth.scheme === 'bearer' ? 'bearer token' : 'signature';
  switch (auth.failure) {
    case 'missing':
      return 'no signature, and no bearer token this cluster accepts';
    case 'malformed':
      return `${what} header is malformed`;
    case 'expired':
      return `signature timestamp is more than ${SIGNATURE_TOLERANCE_SECONDS} s from now`;
    case 'mismatch':
      return `${what} does not match`;
  }
}

/**
 * One webhook request, end to end: route, size, cluster, authentication, body, namespace, decision, start. Every
 * answer for bad input is a 4xx; only our own outage is a 5xx. Never throws for anything a sender can send.
 */
export async function processWebhook(request: WebhookRequest, ctx: IntakeContext): Promise<IntakeResult> {
  const match = matchRoute(request.method, request.path);
  if (match.kind === 'not-found') return rejected(404, 'route_not_found', 'no such route');
  if (match.kind === 'method-not-allowed') {
    return rejected(405, 'method_not_allowed', `method not allowed; use ${match.allow}`, {
      headers: { allow: match.allow },
    });
  }
  const about: Pick<IntakeResult, 'cluster' | 'route'> = { cluster: match.cluster, route: match.route };

  const raw = readRawBody(request.body, request.isBase64Encoded);
  if (!raw.ok) return { ...about, ...rejected(413, 'body_too_large', 'body is larger than 1 MiB') };

  let cluster: WebhookCluster | undefined;
  try {
    cluster = await ctx.clusters.get(match.cluster);
  } catch (error) {
    return { ...about, ...unavailable(`cluster registry: ${describeFailure(error)}`) };
  }
  if (cluster === undefined) {
    // Exactly the answer a bad signature gets: a different one would let anyone list the registered cluster ids.
    return {
      ...about,
      ...rejected(401, 'unknown_cluster', UNAUTHENTICATED_MESSAGE, {
        detail: `cluster ${match.cluster} is not registered`,
      }),
    };
  }

  const auth = authenticateWebhook({
    headers: request.headers,
    body: raw.bytes,
    cluster,
    nowSeconds: Math.floor(ctx.now().getTime() / 1000),
  });
  if (!auth.ok) {
    return {
      ...about,
      ...rejected(401, 'unauthenticated', UNAUTHENTICATED_MESSAGE, { detail: describeAuthFailure(auth) }),
    };
  }

  const parsed = parseWebhookBody(match.route, raw.bytes, cluster.id);
  if (!parsed.ok) {
    const body = parsed.issues.length === 0 ? {} : { issues: parsed.issues };
    return { ...about, ...rejected(400, parsed.reason, parsed.message, { body }) };
  }
  const { change } = parsed;
  const labelled: Omit<IntakeResult, 'response' | 'outcome'> = {
    ...about,
    ...(change.eventType === undefined ? {} : { eventType: change.eventType }),
    instance: { namespace: change.ref.namespace, name: change.ref.name },
  };
  if (!servesNamespace(cluster, change.ref.namespace)) {
    const message = `namespace ${change.ref.namespace} is not served for cluster ${cluster.id}`;
    return { ...labelled, ...rejected(403, 'namespace_forbidden', message) };
  }

  const decision = decideIntake(change, ctx.decisionNow(), cluster.finalizer);
  if (decision.kind === 'ignore') {
    return {
      ...labelled,
      response: jsonResponse(200, { action: 'ignored', reason: decision.reason }),
      outcome: { kind: 'ignored', reason: decision.reason },
    };
  }

  try {
    const now = ctx.decisionNow();
    const outcome = await startOrRetry(ctx.sfn(), ctx.machines, change.ref, decision.work, ctx.retryLimits, now);
    if (outcome.kind === 'backing-off') {
      return {
        ...labelled,
        response: jsonResponse(200, { action: 'ignored', reason: outcome.reason }),
        outcome: { kind: 'ignored', reason: outcome.reason },
      };
    }
    const started = outcome.workflow;
    const accepted = {
      action: started.kind,
      executionName: started.executionName,
      executionArn: started.executionArn,
      // Step Functions refused a second execution under this name: the same work was already started.
      duplicate: !started.started,
    };
    return {
      ...labelled,
      response: jsonResponse(202, accepted),
      outcome: { kind: 'accepted', ...accepted, reason: decision.work.reason },
    };
  } catch (error) {
    return { ...labelled, ...unavailable(`start ${decision.work.kind}: ${describeFailure(error)}`) };
  }
}
