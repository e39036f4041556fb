import type { ComputeInstanceSpec } from './schema';

/**
 * `status.desiredConfigVersion`: a hash of the spec. Every job records the version it was launched for, so a spec
 * change (any field, mutable ones included) is seen as "not applied yet" and triggers a new provision job.
 */

const FNV_OFFSET_BASIS_64 = 0xcbf29ce484222325n;
const FNV_PRIME_64 = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

/** FNV-1a, 64 bit, over the UTF-8 bytes of `input`, as 16 lowercase hex characters. */
export function fnv1a64Hex(input: string): string {
  let hash = FNV_OFFSET_BASIS_64;
  for (const byte of new TextEncoder().encode(input)) {
    hash = ((hash ^ BigInt(byte)) * FNV_PRIME_64) & MASK_64;
  }
  return hash.toString(16).padStart(16, '0');
}

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped (as JSON.stringify does), so two
 * equal values always give the same text whatever order their keys were written in.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, member: unknown) => {
    if (member === null || typeof member !== 'object' || Array.isArray(member)) return member;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(member).sort()) {
      sorted[key] = (member as Record<string, unknown>)[key];
    }
    return sorted;
  });
  // JSON.stringify(undefined) is undefined, not a string; hash it as JSON's nothing-at-all.
  return text ?? 'null';
}

/** The version a provision job must have applied for the instance to count as configured. */
export function desiredConfigVersion(spec: ComputeInstanceSpec): string {
  return fnv1a64Hex(canonicalJson(spec));
}
