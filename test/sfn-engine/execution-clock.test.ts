import fc from 'fast-check';
import {
  ExecutionClock,
  PauseIndex,
  type RealInterval,
  retryPauseCeilingMs,
} from '../../local/sfn-engine/execution-clock';

/** A clock whose wall time the test moves by hand. */
function manualClock(timeScale: number) {
  let now = 1_000_000;
  const clock = new ExecutionClock(timeScale, () => now);
  return { clock, advance: (ms: number) => (now += ms), now: () => now };
}

describe('ExecutionClock', () => {
  it('books a full Wait at its unscaled length', () => {
    const { clock, advance } = manualClock(0.01);
    const entered = clock.now();
    const pause = clock.beginPause(300_000);
    expect(pause.scaledMs).toBe(3_000);
    advance(3_000);
    pause.end();
    expect(clock.now() - entered).toBe(300_000);
    advance(50);
    expect(clock.now() - entered).toBe(300_050);
  });

  it('books a pause cut short for the time it really lasted, scaled up', () => {
    const { clock, advance } = manualClock(0.01);
    const entered = clock.now();
    const pause = clock.beginPause(300_000);
    advance(1_000);
    pause.end();
    advance(2_000);
    expect(clock.now() - entered).toBe(100_000 + 2_000);
  });

  it('counts overlapping pauses (Parallel branches) once', () => {
    const { clock, advance } = manualClock(0.1);
    const start = clock.now();
    const first = clock.beginPause(10_000);
    advance(500);
    const second = clock.beginPause(10_000);
    advance(1_000);
    first.end();
    advance(500);
    second.end();
    // Virtual: the first 10 s pause spans 0–10 s, the second 5–15 s; then 0.5 s of plain wall time.
    expect(clock.now() - start).toBe(15_500);
  });

  it('books a past Retry pause', () => {
    const { clock, advance, now } = manualClock(0.001);
    const failedAt = now();
    advance(100);
    clock.recordPause(failedAt, failedAt + 100);
    expect(clock.now() - failedAt).toBe(100_000);
    expect(clock.toVirtual(failedAt)).toBe(failedAt);
  });

  it('is wall time at timeScale 1', () => {
    const { clock, advance, now } = manualClock(1);
    const pause = clock.beginPause(5_000);
    advance(5_000);
    pause.end();
    expect(clock.now()).toBe(now());
  });

  it('never runs backwards, whatever the pauses', () => {
    const pause = fc.record({ start: fc.integer({ min: 0, max: 1_000 }), length: fc.integer({ min: 0, max: 500 }) });
    fc.assert(
      fc.property(
        fc.array(pause, { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 2 }),
        (pauses, instants) => {
          const clock = new ExecutionClock(0.05, () => 0);
          for (const { start, length } of pauses) clock.recordPause(start, start + length);
          const sorted = [...instants].sort((a, b) => a - b);
          const virtual = sorted.map((instant) => clock.toVirtual(instant));
          return virtual.every((value, i) => i === 0 || value >= (virtual[i - 1] ?? value));
        },
      ),
    );
  });

  it('reports its pace and every change of it', () => {
    const { clock, advance } = manualClock(0.01);
    const changes: number[] = [];
    clock.onChange(() => changes.push(clock.rate()));
    expect(clock.rate()).toBe(1);
    const pause = clock.beginPause(1_000);
    expect(clock.rate()).toBe(100);
    advance(10);
    pause.end();
    expect(clock.rate()).toBe(1);
    clock.recordPause(0, 5);
    expect(changes).toEqual([100, 1, 1]);
  });

  it('refuses a timeScale that is not positive', () => {
    expect(() => new ExecutionClock(0)).toThrow(/timeScale must be positive/);
  });
});

/** The obvious definition, to check the index against: clip, sort, merge, sum. */
function naivePausedBefore(pauses: readonly RealInterval[], realMs: number): number {
  const clipped = pauses
    .map(({ start, end }) => ({ start, end: Math.min(end, realMs) }))
    .filter(({ start, end }) => end > start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let coveredUntil = Number.NEGATIVE_INFINITY;
  for (const { start, end } of clipped) {
    total += Math.max(0, end - Math.max(start, coveredUntil));
    coveredUntil = Math.max(coveredUntil, end);
  }
  return total;
}

describe('PauseIndex', () => {
  it.each([
    ['no pauses', [], 100, 0],
    ['a pause fully before', [[0, 10]], 100, 10],
    ['a pause still running', [[90, 200]], 100, 10],
    [
      'overlapping pauses',
      [
        [0, 50],
        [25, 75],
      ],
      100,
      75,
    ],
    [
      'pauses added out of order',
      [
        [60, 70],
        [0, 10],
      ],
      100,
      20,
    ],
    ['a pause after the instant', [[150, 200]], 100, 0],
  ])('measures %s', (_case, pauses, instant, expected) => {
    const index = new PauseIndex();
    for (const [start = 0, end = 0] of pauses) index.add(start, end);
    expect(index.pausedBefore(instant)).toBe(expected);
  });

  it('agrees with the naive measure for any pauses, any early ends and any instants', () => {
    const operation = fc.oneof(
      fc.record({ add: fc.tuple(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 300 })) }),
      fc.record({ endEarly: fc.tuple(fc.nat(), fc.integer({ min: 0, max: 1_300 })) }),
      fc.record({ query: fc.integer({ min: -10, max: 1_400 }) }),
    );
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 40 }), (operations) => {
        const index = new PauseIndex();
        const pauses: RealInterval[] = [];
        for (const step of operations) {
          if ('add' in step) {
            const [start, length] = step.add;
            pauses.push(index.add(start, start + length));
          } else if ('endEarly' in step) {
            const pause = pauses[step.endEarly[0] % Math.max(1, pauses.length)];
            if (pause !== undefined) index.endBy(pause, step.endEarly[1]);
          } else if (index.pausedBefore(step.query) !== naivePausedBefore(pauses, step.query)) {
            return false;
          }
        }
        return true;
      }),
    );
  });

  it('measures a long run of sequential pauses', () => {
    const index = new PauseIndex();
    for (let i = 0; i < 3_000; i += 1) index.add(i * 10, i * 10 + 5);
    expect(index.pausedBefore(30_000)).toBe(15_000);
    expect(index.pausedBefore(12_347)).toBe(1_234 * 5 + 5);
  });
});

describe('retryPauseCeilingMs', () => {
  it.each([
    [{}, 1, 1_000],
    [{}, 3, 4_000],
    [{ IntervalSeconds: 0.1, BackoffRate: 2 }, 2, 200],
    [{ IntervalSeconds: 10, BackoffRate: 3, MaxDelaySeconds: 50 }, 3, 50_000],
  ])('for %j before attempt %i is %i ms', (retrier, attempt, expected) => {
    expect(retryPauseCeilingMs(retrier, attempt)).toBeCloseTo(expected, 6);
  });
});
