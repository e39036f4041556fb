import type { z } from 'zod';
import { formatIssuePath } from '../runtime/issues';
import { InvalidResponse } from './errors';

/** A response body as the transport hands it over: AAP speaks JSON, proxies in front of it often do not. */
export type DecodedBody = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'text'; text: string };

/** The final answer to one request, after any retries. */
export interface AapResponse {
  status: number;
  /** `METHOD /origin-relative/path/?query`, used to name the endpoint in errors and logs. */
  endpoint: string;
  body: DecodedBody;
  attempts: number;
}

export function decodeBody(raw: unknown): DecodedBody {
  if (raw === undefined || raw === null) return { kind: 'empty' };
  const text = typeof raw === 'string' ? raw : Buffer.isBuffer(raw) ? raw.toString('utf8') : JSON.stringify(raw);
  if (text.trim().length === 0) return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) };
  } catch {
    return { kind: 'text', text };
  }
}

const MAX_MESSAGES = 10;
const MAX_MESSAGE_LENGTH = 300;
// Keys that hold a message rather than name a field: `{"detail": …}`, `{"__all__": […]}`, `{"error": …}`.
const UNNAMED_MESSAGE_KEYS = new Set(['detail', '__all__', 'non_field_errors', 'error']);

/**
 * AAP's messages from an error body, one string per message, prefixed by the field they are about:
 * `{"variables_needed_to_start": ["'x' value missing"]}` → `["variables_needed_to_start: 'x' value missing"]`.
 * Bounded in count and length, since a proxy's HTML error page may land here too.
 */
export function collectAapMessages(body: DecodedBody): string[] {
  if (body.kind === 'empty') return [];
  const all = body.kind === 'text' ? [body.text.replace(/\s+/g, ' ').trim()] : flattenMessages(body.value, '');
  const bounded = all.slice(0, MAX_MESSAGES).map((message) => clip(message, MAX_MESSAGE_LENGTH));
  if (all.length > MAX_MESSAGES) bounded.push(`and ${all.length - MAX_MESSAGES} more`);
  return bounded;
}

function flattenMessages(value: unknown, field: string): string[] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((item) => flattenMessages(item, field));
  if (typeof value === 'object') {
    return Object.entries(value).flatMap(([key, nested]) =>
      flattenMessages(nested, UNNAMED_MESSAGE_KEYS.has(key) ? field : field ? `${field}.${key}` : key),
    );
  }
  const text = String(value);
  return [field ? `${field}: ${text}` : text];
}

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Parses a JSON body with `schema`; anything else is an InvalidResponse that names the endpoint and the field. */
export function parseBody<T extends z.ZodType>(
  schema: T,
  response: AapResponse,
  options: { launchOutcomeUnknown?: boolean } = {},
): z.output<T> {
  const { status, endpoint, body } = response;
  const init = { status, launchOutcomeUnknown: options.launchOutcomeUnknown };
  if (body.kind !== 'json') {
    const got = body.kind === 'empty' ? 'an empty body' : 'a body that is not JSON';
    throw new InvalidResponse(`${endpoint} answered HTTP ${status} with ${got}; expected JSON`, 'INVALID_BODY', init);
  }
  const parsed = schema.safeParse(body.value);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  const field = formatIssuePath(issue?.path ?? [], '(body)');
  throw new InvalidResponse(
    `${endpoint} answered HTTP ${status} with an unexpected body: field "${field}": ${issue?.message ?? 'invalid'}`,
    'INVALID_BODY',
    init,
  );
}
