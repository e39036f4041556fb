import { z } from 'zod';

/**
 * Fault injection: added latency, 5xx answers on any request, and 409 Conflict "storms" on writes to existing
 * objects, optionally only for paths matching a regular expression. Draws come from a seeded generator so a test
 * can make a fractional rate reproducible.
 */

export const FaultsSchema = z.strictObject({
  /** Share (0..1) of PUT/PATCH/DELETE requests on an object answered 409 Conflict before they are applied. */
  conflictRate: z.number().min(0).max(1).default(0),
  /** Share (0..1) of API requests answered with `errorStatus`. */
  errorRate: z.number().min(0).max(1).default(0),
  errorStatus: z.number().int().min(500).max(599).default(500),
  /** Delay added before every API request is handled. */
  latencyMs: z.number().int().min(0).max(600_000).default(0),
  /** Regular expression over the request path; when set, only matching requests are faulted. */
  pathFilter: z
    .string()
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression')
    .optional(),
  /** Seed for the fault draws; random when omitted. */
  seed: z.number().int().optional(),
});
export type FaultsInput = z.input<typeof FaultsSchema>;
export type Faults = z.output<typeof FaultsSchema>;

export class FaultsError extends Error {
  override name = 'FaultsError';
}

/** mulberry32: small, fast, good enough to spread fault draws. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjector {
  private faults: Faults = FaultsSchema.parse({});
  private filter: RegExp | undefined;
  private random: () => number = seededRandom(Math.floor(Math.random() * 2 ** 32));

  /** Replaces every fault setting; fields left out return to "no fault". */
  set(input: unknown): Faults {
    const parsed = FaultsSchema.safeParse(input ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new FaultsError(`invalid faults: ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`);
    }
    this.faults = parsed.data;
    this.filter = parsed.data.pathFilter === undefined ? undefined : new RegExp(parsed.data.pathFilter);
    this.random = seededRandom(parsed.data.seed ?? Math.floor(Math.random() * 2 ** 32));
    return this.get();
  }

  get(): Faults {
    return { ...this.faults };
  }

  appliesTo(path: string): boolean {
    return this.filter === undefined || this.filter.test(path);
  }

  latencyFor(path: string): number {
    return this.appliesTo(path) ? this.faults.latencyMs : 0;
  }

  /** The status to fail this request with, or undefined. */
  errorFor(path: string): number | undefined {
    if (this.faults.errorRate === 0 || !this.appliesTo(path)) return undefined;
    return this.random() < this.faults.errorRate ? this.faults.errorStatus : undefined;
  }

  conflictFor(path: string): boolean {
    if (this.faults.conflictRate === 0 || !this.appliesTo(path)) return false;
    return this.random() < this.faults.conflictRate;
  }
}
