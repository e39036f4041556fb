import type { ComputeInstanceSpec } from './schema';

/**
 * `status.desiredConfigVersion`: a hash of the spec. Every job records the version it was launched for, so a spec
 * change (any field, mutable ones included) is seen as "not applied yet" and triggers a new provision job.
 */

const utf8 = new TextEncoder();

/**
 * FNV-1a, 64 bit, over the UTF-8 bytes of `input`, as 16 lowercase hex characters. The 64-bit state is kept in
 * four 16-bit limbs (lowest first) rather than a BigInt: same output, several times faster, no allocation per byte.
 * The prime is 2^40 + 0x1b3, so a multiplication is `limbs * 0x1b3` plus the state shifted up by 40 bits
 * (two limbs and 8 bits); every intermediate stays far below 2^53.
 */
export function fnv1a64Hex(input: string): string {
  // The offset basis 0xcbf29ce484222325.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  for (const byte of utf8.encode(input)) {
    h0 ^= byte;
    const t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3;
    let t2 = h2 * 0x1b3 + (h0 << 8);
    const t3 = h3 * 0x1b3 + (h1 << 8);
    t1 += t0 >>> 16;
    t2 += t1 >>> 16;
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = (t3 + (t2 >>> 16)) & 0xffff;
  }
  const hex = (limb: number) => limb.toString(16).padStart(4, '0');
  return hex(h3) + hex(h2) + hex(h1) + hex(h0);
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
