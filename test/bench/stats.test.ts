import { linearFit, median, percentile, summarize } from '../../bench/support';

describe('bench statistics', () => {
  it.each([
    [[1, 2, 3, 4, 5], 50, 3],
    [[1, 2, 3, 4, 5], 95, 5],
    [[1, 2, 3, 4, 5], 20, 1],
    [[1, 2, 3, 4, 5], 21, 2],
    [[5, 1, 4, 2, 3], 100, 5],
    [[7], 1, 7],
    [Array.from({ length: 100 }, (_, i) => i + 1), 99, 99],
    [Array.from({ length: 1000 }, (_, i) => 1000 - i), 99, 990],
  ])('takes the nearest-rank percentile of %j at p%d: %d', (values, p, expected) => {
    expect(percentile(values, p)).toBe(expected);
  });

  it('leaves unmeasured samples (NaN) out, and has nothing to say about no samples', () => {
    expect(percentile([Number.NaN, 4, Number.NaN, 2], 50)).toBe(2);
    expect(percentile([], 50)).toBeNaN();
    expect(median([Number.NaN])).toBeNaN();
  });

  it.each([0, -1, 101, Number.NaN])('refuses percentile %p', (p) => {
    expect(() => percentile([1, 2], p)).toThrow(/percentile must be in \(0, 100\]/);
  });

  it('does not reorder the caller’s samples', () => {
    const values = [3, 1, 2];
    percentile(values, 50);
    expect(values).toEqual([3, 1, 2]);
  });

  it('summarizes samples into count, extremes, percentiles and mean', () => {
    expect(summarize([4, 1, 3, 2, Number.NaN])).toEqual({
      count: 4,
      min: 1,
      p50: 2,
      p95: 4,
      p99: 4,
      max: 4,
      mean: 2.5,
    });
  });

  it.each([
    ['an exact line', [0, 1, 2, 10].map((x) => ({ x, y: 5 + 3 * x })), { intercept: 5, slope: 3 }],
    [
      'a noisy line',
      [
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
        { x: 3, y: 7 },
      ],
      { intercept: 1, slope: 2 },
    ],
  ])('fits %s', (_case, points, expected) => {
    const fit = linearFit(points);
    expect(fit?.intercept).toBeCloseTo(expected.intercept, 10);
    expect(fit?.slope).toBeCloseTo(expected.slope, 10);
  });

  it.each([
    ['one point', [{ x: 1, y: 1 }]],
    [
      'x values that never vary',
      [
        { x: 2, y: 1 },
        { x: 2, y: 5 },
      ],
    ],
  ])('fits no line through %s', (_case, points) => {
    expect(linearFit(points)).toBeUndefined();
  });
});
