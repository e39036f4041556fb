import type { Logger } from '../runtime/logger';
import type { IntakeResult } from './process';

/**
 * What the webhook writes about one request: one log line and one metric, never the body, never a header. Pure, so
 * the mapping is table-tested; the handler hands it to Powertools (recordOutcome).
 */

export type WebhookMetric = 'WebhookAccepted' | 'WebhookIgnored' | 'WebhookRejected' | 'WebhookUnavailable';

/** One log line and one metric; the AAP notification receiver records its outcomes the same way. */
export interface OutcomeRecord<Metric extends string = WebhookMetric> {
  readonly level: 'info' | 'error';
  readonly message: string;
  readonly attributes: Record<string, unknown>;
  readonly metric: Metric;
  /** Dimensions of this metric only (the invocation records no other). */
  readonly dimensions: Readonly<Record<string, string>>;
}

// Senders choose the path: keep what a log line repeats of it short.
const MAX_LABEL_LENGTH = 80;
const label = (value: string | undefined) => (value === undefined ? undefined : value.slice(0, MAX_LABEL_LENGTH));

export function describeOutcome(result: IntakeResult): OutcomeRecord {
  const { outcome } = result;
  const about = {
    cluster: label(result.cluster),
    route: result.route,
    eventType: result.eventType,
    namespace: result.instance?.namespace,
    name: result.instance?.name,
    status: result.response.statusCode,
  };
  switch (outcome.kind) {
    case 'accepted':
      return {
        level: 'info',
        message: 'webhook accepted',
        attributes: {
          ...about,
          action: outcome.action,
          executionName: outcome.executionName,
          duplicate: outcome.duplicate,
          reason: outcome.reason,
        },
        metric: 'WebhookAccepted',
        dimensions: {},
      };
    case 'ignored':
      return {
        level: 'info',
        message: 'webhook ignored',
        attributes: { ...about, action: 'ignored', reason: outcome.reason },
        metric: 'WebhookIgnored',
        dimensions: {},
      };
    case 'rejected':
      // Low-cardinality by construction (RejectReason), so it can be a dimension.
      return {
        level: 'info',
        message: 'webhook rejected',
        attributes: { ...about, reason: outcome.reason, detail: outcome.detail },
        metric: 'WebhookRejected',
        dimensions: { reason: outcome.reason },
      };
    case 'unavailable':
      return {
        level: 'error',
        message: 'webhook could not be handled; the sender is told to retry',
        attributes: { ...about, detail: outcome.detail },
        metric: 'WebhookUnavailable',
        dimensions: {},
      };
  }
}

/** A request the intake could not even decide on (settings, a bug): not the sender's doing, all of it ours. */
export function describeFailure(error: unknown): OutcomeRecord {
  return {
    level: 'error',
    message: 'webhook failed',
    attributes: { error },
    metric: 'WebhookUnavailable',
    dimensions: {},
  };
}

/** Where a record goes: the runtime's Logger and the part of Powertools' Metrics it needs. */
export interface OutcomeSinks {
  readonly logger: Pick<Logger, 'info' | 'error'>;
  readonly metrics: {
    addDimension(name: string, value: string): void;
    addMetric(name: string, unit: 'Count', value: number): void;
  };
}

export function recordOutcome(record: OutcomeRecord<string>, { logger, metrics }: OutcomeSinks): void {
  // Dimensions are cleared when the invocation's metrics are flushed: they land on this one metric only.
  for (const [name, value] of Object.entries(record.dimensions)) metrics.addDimension(name, value);
  metrics.addMetric(record.metric, 'Count', 1);
  logger[record.level](record.message, record.attributes);
}
