// Routes, body and signature come from the contract the webhook reads them by, so the two cannot drift apart.

import { parseRetryAfterMs } from '../../lib/runtime/retry';
import {
  encodeWebhookEvent,
  SIGNATURE_HEADER,
  signWebhook,
  WEBHOOK_CONTENT_TYPE,
  WEBHOOK_METHOD,
  webhookUrl,
} from '../../lib/wire/webhook-contract';
import type { ChangeEvent } from './events';

/**
 * One signed POST of one event to the webhook's events route, and the decision what its answer means:
 * 2xx delivered; 429, 5xx, timeouts and network failures are worth retrying (the receiver or the path to it is
 * struggling); anything else is the receiver refusing this event for good, and retrying it would only repeat that.
 */

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly kind: 'rejected'; readonly status: number; readonly reason: string };

/** How much of a refusing receiver's answer is kept for the log line. */
const MAX_REASON_LENGTH = 300;

export function classifyResponse(
  status: number,
  responseText: string,
  retryAfter: string | null = null,
  nowMs: number = Date.now(),
): DeliveryOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  const reason = `HTTP ${status}${summarise(responseText)}`;
  if (status === 429 || status >= 500) {
    const retryAfterMs = parseRetryAfterMs(retryAfter, nowMs);
    return retryAfterMs === undefined ? { kind: 'retry', reason } : { kind: 'retry', reason, retryAfterMs };
  }
  return { kind: 'rejected', status, reason };
}

function summarise(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  if (oneLine === '') return '';
  return `: ${oneLine.length > MAX_REASON_LENGTH ? `${oneLine.slice(0, MAX_REASON_LENGTH)}…` : oneLine}`;
}

/** A failed fetch in a few words: the abort or the socket error code, never the request (it holds the signature). */
export function describeNetworkFailure(error: unknown, timeoutMs: number): string {
  const { name, cause } = (error ?? {}) as { name?: unknown; cause?: unknown };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string') return `network error (${code})`;
  return `network error (${typeof name === 'string' ? name : typeof error})`;
}

export interface WebhookTarget {
  /** The webhook's base URL; the events route is appended. */
  readonly url: string;
  readonly cluster: string;
  readonly requestTimeoutMs: number;
}

/** The events route of `cluster` under `url`. */
export function eventsEndpoint(url: string, cluster: string): string {
  return webhookUrl(url, cluster, 'events');
}

export class WebhookSender {
  readonly endpoint: string;
  readonly #secret: string;
  readonly #timeoutMs: number;

  constructor(target: WebhookTarget, secret: string) {
    this.endpoint = eventsEndpoint(target.url, target.cluster);
    this.#secret = secret;
    this.#timeoutMs = target.requestTimeoutMs;
  }

  async send(event: ChangeEvent): Promise<DeliveryOutcome> {
    const body = encodeWebhookEvent(event);
    // Signed at each attempt: a retry after a long backoff still carries a fresh timestamp.
    const signature = signWebhook(this.#secret, body, Math.floor(Date.now() / 1000));
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: WEBHOOK_METHOD,
        headers: { 'Content-Type': WEBHOOK_CONTENT_TYPE, [SIGNATURE_HEADER]: signature },
        body,
        // A redirect would resend a signed body somewhere else: treat it as an answer, not a hop.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      return { kind: 'retry', reason: describeNetworkFailure(error, this.#timeoutMs) };
    }
    // The status is the answer; a body cut short only loses the detail for the log line.
    const text = await response.text().catch(() => '');
    return classifyResponse(response.status, text, response.headers.get('retry-after'));
  }
}
