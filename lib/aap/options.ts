import * as z from 'zod';
import { describeIssues } from '../runtime/issues';
import { isLogger, type Logger } from '../runtime/logger';

/** Called before every request, so a rotated secret is picked up; cache inside the provider if fetching is costly. */
export type AapTokenProvider = () => Promise<string>;

// Visible ASCII only: anything else cannot go into an HTTP header, and Node's complaint would not say why.
const HEADER_SAFE_TOKEN = /^[\x21-\x7e]+$/;

export function isHeaderSafeToken(token: string): boolean {
  return HEADER_SAFE_TOKEN.test(token);
}

const BASE_URL_HINT =
  'e.g. https://aap.example.com/api/controller (AAP 2.5+ gateway) or https://awx.example.com/api (AWX, AAP 2.4 and older)';

const BaseUrl = z
  .string({ error: `baseUrl must be a string, ${BASE_URL_HINT}` })
  .trim()
  .transform((raw, ctx) => {
    const url = URL.canParse(raw) ? new URL(raw) : undefined;
    const problem =
      url === undefined
        ? 'is not an absolute URL'
        : url.protocol !== 'http:' && url.protocol !== 'https:'
          ? `must use http or https, not ${url.protocol.replace(/:$/, '')}`
          : url.username || url.password
            ? 'must not carry credentials; pass the token instead'
            : url.search || url.hash
              ? 'must not have a query or a fragment'
              : undefined;
    if (url === undefined || problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: `baseUrl ${problem}, ${BASE_URL_HINT}` });
      return z.NEVER;
    }
    // The client appends `v2/…`: tolerate a trailing slash, and a `/v2` someone copied from a browser.
    const path = url.pathname.replace(/\/+$/, '').replace(/\/v2$/, '');
    if (path.length === 0) {
      ctx.addIssue({ code: 'custom', message: `baseUrl needs the API path, not just the host, ${BASE_URL_HINT}` });
      return z.NEVER;
    }
    return { origin: url.origin, apiRoot: `${url.origin}${path}/` };
  });

const Token = z.union(
  [
    z
      .string()
      .trim()
      .refine(
        isHeaderSafeToken,
        'token must be a non-empty string of visible ASCII characters, or a function returning a Promise of one',
      ),
    z.custom<AapTokenProvider>((value) => typeof value === 'function'),
  ],
  { error: 'token must be a non-empty string or a function returning a Promise of one' },
);

const Organization = z.union([z.number().int().positive(), z.string().trim().min(1)], {
  error: 'organization must be a positive integer id or a non-empty name',
});

// The client logs endpoints, ids and statuses, never tokens or payloads.
const LoggerOption = z.custom<Logger>(isLogger, 'logger must have debug, info, warn and error methods');

export const AapClientOptionsSchema = z.object({
  /** The API base with or without the gateway prefix; the client appends `v2/…`. */
  baseUrl: BaseUrl,
  token: Token,
  /** Narrows template lookup when names repeat across organizations: an id (number or digits) or a name. */
  organization: Organization.optional(),
  /** Per attempt, not per call. */
  timeoutMs: z.number().int().positive().default(30_000),
  /** Retries of idempotent requests (GETs and cancel POSTs); a launch POST is never retried. */
  maxRetries: z.number().int().min(0).max(10).default(4),
  retryBaseDelayMs: z.number().int().min(0).default(500),
  maxRetryAfterMs: z.number().int().min(0).default(30_000),
  logger: LoggerOption.optional(),
});

export type AapClientOptions = z.input<typeof AapClientOptionsSchema>;
export type ResolvedAapClientOptions = z.output<typeof AapClientOptionsSchema>;

export function resolveAapClientOptions(options: unknown): ResolvedAapClientOptions {
  const parsed = AapClientOptionsSchema.safeParse(options);
  if (!parsed.success) {
    // zod messages name the field and the expected shape, never the value, so the token cannot leak through here.
    throw new TypeError(`Invalid AapClient options: ${describeIssues(parsed.error)}`);
  }
  return parsed.data;
}

/** Seams for tests and for callers that schedule time themselves. */
export interface AapClientDeps {
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1), for backoff jitter. */
  random?: () => number;
  /** Epoch milliseconds, for HTTP-date Retry-After headers. */
  now?: () => number;
}
