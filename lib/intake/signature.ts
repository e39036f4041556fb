import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The webhook signature scheme:
 *
 *   X-Signature-256: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=<…>]
 *
 * The timestamp is signed together with the raw body bytes, so a captured request cannot be replayed later with a
 * fresh `t`, and a request replayed within the tolerance only repeats work that deterministic execution names make
 * idempotent. Several `v1=` entries let a sender sign with the old and the new secret while one is being rotated.
 */

/** Header names are case-insensitive; API Gateway HTTP APIs hand them over lower-cased. */
export const SIGNATURE_HEADER = 'X-Signature-256';
/** How far the signed timestamp may be from our clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;
// Bounds on what a sender may make us parse and hash: a real header is ~80 characters with one or two entries.
const MAX_HEADER_LENGTH = 1024;
const MAX_SIGNATURES = 8;

const TIMESTAMP = /^\d{1,12}$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';
export type SignatureCheck = { ok: true } | { ok: false; failure: SignatureFailure };

export interface ParsedSignatureHeader {
  /** The digits exactly as sent: they are what was signed. */
  timestamp: string;
  signatures: Buffer[];
}

function hmac(secret: string, timestamp: string, body: Uint8Array): Buffer {
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
  return `t=${timestamp},v1=${hmac(secret, timestamp, bytes).toString('hex')}`;
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

/** Constant time once the lengths agree; a length says nothing here (digests have a fixed size). */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface SignatureInput {
  header: string | undefined;
  body: Uint8Array;
  /** The cluster's secrets: the current one and, during a rotation, the other one. */
  secrets: readonly string[];
  nowSeconds: number;
  toleranceSeconds?: number;
}

/** Valid when the timestamp is fresh and ANY `v1` entry matches ANY of the secrets. */
export function verifySignature(input: SignatureInput): SignatureCheck {
  if (input.header === undefined || input.header.trim() === '') return { ok: false, failure: 'missing' };
  const parsed = parseSignatureHeader(input.header);
  if (parsed === undefined) return { ok: false, failure: 'malformed' };
  const tolerance = input.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS;
  if (Math.abs(input.nowSeconds - Number(parsed.timestamp)) > tolerance) return { ok: false, failure: 'expired' };
  for (const secret of input.secrets) {
    const expected = hmac(secret, parsed.timestamp, input.body);
    if (parsed.signatures.some((given) => sameBytes(given, expected))) return { ok: true };
  }
  return { ok: false, failure: 'mismatch' };
}

/**
 * Compares a presented secret with the expected one in constant time. Both are hashed first so the comparison
 * leaks neither where they differ nor how long the expected one is.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
