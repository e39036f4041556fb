import { DEFAULT_POLL_SCHEDULE, type PollSchedule } from '../../lib/workflow/polling';

/** The job durations the benchmark reports on (seconds of AAP time). */
export const JOB_DURATIONS = [10, 60, 600, 1800, 7200] as const;
export const QUICK_JOB_DURATIONS = [10, 60, 600] as const;

export type StrategyKey = 'adaptive' | 'fixed-30s' | 'fixed-2s';

/**
 * One way of polling, run in a stack of its own. The time scale is chosen per strategy: every real millisecond of
 * processing costs 1/timeScale virtual ones, and a fixed 2 s poll at 0.02 would be a 40 ms real cycle half eaten by
 * processing (and saturate the single Node thread the whole stack runs on with a few jobs), so it gets a slower
 * clock and leaves its longest jobs to the model.
 */
export interface Strategy {
  key: StrategyKey;
  label: string;
  /** The system this replaces. */
  baseline: boolean;
  /** Task settings for the stack (POLL_MIN_SECONDS…). */
  env: Record<string, string>;
  schedule: PollSchedule;
  timeScale: number;
  /** The longest job run in this stack; longer ones are modelled from the schedule. */
  longestMeasuredSeconds: { full: number; quick: number };
  jobsPerDuration: { full: number; quick: number };
  /** Real milliseconds between two launches: a burst of launches would load the clock and distort the short jobs. */
  launchSpacingMs: number;
}

const fixed = (seconds: number): Pick<Strategy, 'env' | 'schedule'> => ({
  env: { POLL_MIN_SECONDS: String(seconds), POLL_MAX_SECONDS: String(seconds) },
  schedule: { ...DEFAULT_POLL_SCHEDULE, minSeconds: seconds, maxSeconds: seconds },
});

export const STRATEGIES: readonly Strategy[] = [
  {
    key: 'adaptive',
    label: `adaptive (${DEFAULT_POLL_SCHEDULE.minSeconds} s..${DEFAULT_POLL_SCHEDULE.maxSeconds / 60} min, ${DEFAULT_POLL_SCHEDULE.fraction * 100} %)`,
    baseline: false,
    env: {},
    schedule: DEFAULT_POLL_SCHEDULE,
    timeScale: 0.02,
    longestMeasuredSeconds: { full: 7200, quick: 600 },
    jobsPerDuration: { full: 6, quick: 3 },
    launchSpacingMs: 500,
  },
  {
    key: 'fixed-30s',
    label: 'fixed 30 s (baseline)',
    baseline: true,
    ...fixed(30),
    timeScale: 0.02,
    longestMeasuredSeconds: { full: 7200, quick: 600 },
    jobsPerDuration: { full: 6, quick: 3 },
    launchSpacingMs: 500,
  },
  {
    key: 'fixed-2s',
    label: 'fixed 2 s',
    baseline: false,
    ...fixed(2),
    timeScale: 0.1,
    longestMeasuredSeconds: { full: 1800, quick: 60 },
    jobsPerDuration: { full: 3, quick: 2 },
    launchSpacingMs: 500,
  },
];

export interface PlannedJob {
  /** The duration the job is reported under (a cell of the table). */
  cellSeconds: number;
  /** What its instance asks the AAP simulator for. */
  requestedSeconds: number;
  name: string;
}

/**
 * `count` jobs per duration spread evenly over ±10 % of it, so a cell samples where in the poll cycle jobs end
 * (identical durations would all end at the same phase and report one lag n times). Longest first, so the short
 * ones run while the long ones are already in their slow polling.
 */
export function planJobs(durations: readonly number[], count: number): PlannedJob[] {
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`jobs per duration must be ≥ 1, got ${count}`);
  return [...durations]
    .sort((a, b) => b - a)
    .flatMap((cellSeconds) =>
      Array.from({ length: count }, (_, i) => ({
        cellSeconds,
        requestedSeconds: Math.round(cellSeconds * (0.9 + (0.2 * (i + 0.5)) / count) * 1000) / 1000,
        name: `vm-${cellSeconds}s-${i}`,
      })),
    );
}
