/**
 * Summaries of measured samples. Percentiles use the nearest-rank method: the value reported was actually
 * observed, never interpolated, so with 5 samples the p95 is the largest of them (and says so by being equal to it).
 */

/** The nearest-rank `p`-th percentile (0 < p ≤ 100) of `values`; NaN when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function mean(values: readonly number[]): number {
  const kept = values.filter((v) => !Number.isNaN(v));
  return kept.length === 0 ? Number.NaN : kept.reduce((sum, v) => sum + v, 0) / kept.length;
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: readonly number[]): Summary {
  const kept = values.filter((v) => !Number.isNaN(v));
  return {
    count: kept.length,
    min: kept.length === 0 ? Number.NaN : Math.min(...kept),
    p50: percentile(kept, 50),
    p95: percentile(kept, 95),
    p99: percentile(kept, 99),
    max: kept.length === 0 ? Number.NaN : Math.max(...kept),
    mean: mean(kept),
  };
}

/**
 * Least-squares line through (x, y) points: how a count grows with another (state transitions per poll).
 * Undefined when the x values do not vary.
 */
export function linearFit(
  points: ReadonlyArray<{ x: number; y: number }>,
): { intercept: number; slope: number } | undefined {
  const n = points.length;
  if (n < 2) return undefined;
  const meanX = points.reduce((s, p) => s + p.x, 0) / n;
  const meanY = points.reduce((s, p) => s + p.y, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const { x, y } of points) {
    sxx += (x - meanX) ** 2;
    sxy += (x - meanX) * (y - meanY);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { intercept: meanY - slope * meanX, slope };
}
