import * as z from 'zod';
import { describeIssues } from '../../lib/runtime/issues';

/**
 * Everything that shapes one forwarder, validated once. The webhook secret is not among them: it travels apart, so
 * that these options can be logged whole.
 */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DnsLabel = z
  .string()
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL, 'must be lowercase letters, digits and "-", starting and ending with a letter or digit');

const WebhookUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  // The URL is logged; credentials in it would be too. The signature is what authenticates us.
  .refine((url) => {
    const parsed = URL.parse(url);
    return parsed === null || (parsed.username === '' && parsed.password === '');
  }, 'must not carry credentials')
  .refine((url) => {
    const parsed = URL.parse(url);
    return parsed === null || (parsed.search === '' && parsed.hash === '');
  }, 'must be the webhook base URL, without a query or fragment');

const Count = z.int('must be a whole number').min(1, 'must be at least 1');
const Millis = z.int('must be a whole number of milliseconds').min(0, 'must not be negative');

export const BackoffOptions = z
  .strictObject({ baseDelayMs: Millis.min(1, 'must be at least 1'), maxDelayMs: Millis })
  .refine((backoff) => backoff.maxDelayMs >= backoff.baseDelayMs, {
    path: ['maxDelayMs'],
    message: 'must not be below baseDelayMs',
  });

export const ForwarderOptions = z.strictObject({
  /** The webhook's base URL; events go to `{url}/v1/clusters/{cluster}/events`. */
  url: WebhookUrl,
  /** The id the webhook knows this cluster by. */
  cluster: DnsLabel,
  /** Watch this namespace only; omitted: all namespaces. */
  namespace: DnsLabel.optional(),
  queueCapacity: Count.default(1000),
  /** Per POST to the webhook, and per LIST page from the API server. */
  requestTimeoutMs: Millis.min(1, 'must be at least 1').default(10_000),
  deliveryBackoff: BackoffOptions.default({ baseDelayMs: 500, maxDelayMs: 30_000 }),
  watchBackoff: BackoffOptions.default({ baseDelayMs: 500, maxDelayMs: 30_000 }),
  minHealthyWatchMs: Millis.default(1000),
  listPageSize: Count.default(500),
  /** How often the counters are logged; 0: never. */
  statsIntervalMs: Millis.default(60_000),
});
export type ForwarderOptions = z.infer<typeof ForwarderOptions>;
export type ForwarderOptionsInput = z.input<typeof ForwarderOptions>;

export class ForwarderConfigError extends Error {
  override readonly name = 'ForwarderConfigError';
}

/** The options with defaults applied; throws ForwarderConfigError naming every bad field. */
export function parseForwarderOptions(input: ForwarderOptionsInput): ForwarderOptions {
  const parsed = ForwarderOptions.safeParse(input);
  if (!parsed.success) throw new ForwarderConfigError(`forwarder options: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
