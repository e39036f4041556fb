import { createHash, timingSafeEqual } from 'node:crypto';

import { parseSignatureHeader, signatureDigest } from '../wire/webhook-contract';

// The scheme (header, format, what is signed) is the wire contract's; this side decides what it accepts.
export {
  type ParsedSignatureHeader,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signWebhook,
} from '../wire/webhook-contract';

/**
 * How far the signed timestamp may be from our clock, either way. A request replayed within it only repeats work
 * that deterministic execution names make idempotent.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export type SignatureFailure = 'missing' | 'malformed' | 'expired' | 'mismatch';
export type SignatureCheck = { ok: true } | { ok: false; failure: SignatureFailure };

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
    const expected = signatureDigest(secret, parsed.timestamp, input.body);
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
