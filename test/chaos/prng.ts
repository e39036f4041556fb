/**
 * A small seeded PRNG (sfc32, seeded through a 32-bit string hash) with the few helpers the chaos suite uses. Every
 * random choice of a run comes from one of these, so a seed replays the same plan: the same lifecycles, the same
 * fault weather, the same fate for each instance's webhooks. (Thread interleavings still vary between replays; the
 * plan does not.)
 */

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser so nearby labels land far apart. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** `seed` is any text; forks of the same seed and label always give the same stream. */
  constructor(readonly seed: string) {
    this.a = hash32(`a:${seed}`);
    this.b = hash32(`b:${seed}`);
    this.c = hash32(`c:${seed}`);
    this.d = hash32(`d:${seed}`) | 1;
    // Mix away the correlation between the four hashed words before the first draw.
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  /** A whole number in [min, max], both included. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`Prng.int needs whole numbers min <= max, got ${min}..${max}`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p` (0..1). */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Prng.pick needs at least one item');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A random subset, in the order of `items`. */
  subset<T>(items: readonly T[], p = 0.5): T[] {
    return items.filter(() => this.chance(p));
  }

  /** An independent stream for one purpose (a lifecycle, an instance's webhooks): unaffected by other draws. */
  fork(label: string): Prng {
    return new Prng(`${this.seed}/${label}`);
  }
}
