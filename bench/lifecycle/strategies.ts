import { DEFAULT_FALLBACK_POLL_SCHEDULE, DEFAULT_POLL_SCHEDULE, type PollSchedule } from '../../lib/workflow/polling';

/** The job durations the benchmark reports on (seconds of AAP time). */
export const JOB_DURATIONS = [10, 60, 600, 1800, 7200] as const;
export const QUICK_JOB_DURATIONS = [10, 60, 600] as const;

export type StrategyKey =
  | 'notifications'
  | 'notifications-lost'
  | 'lean-notifications'
  | 'lean-notifications-lost'
  | 'adaptive'
  | 'fixed-30s'
  | 'fixed-2s';

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
  /** The schedule of the timed polls: the fallback's when AAP notifies the workflows. */
  schedule: PollSchedule;
  /** AAP notifies the workflows when a job ends (the stack's `notifications`); polling alone when absent. */
  notifications?: {
    /** Share of the notifications the AAP simulator loses (its seeded fault, so every run loses the same ones). */
    lostFraction: number;
  };
  timeScale: number;
  /**
   * Short cells run in stacks of their own on slower clocks: a job's schedule counts from its launch intent, and on
   * a fast clock the launch's real milliseconds are many stack-clock seconds, which would add a scaled-up launch
   * latency to every wait of a short job (its fallback wait is a share of the time since the intent).
   */
  slowerClocks?: ReadonlyArray<{ upToSeconds: number; timeScale: number }>;
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

const fallback = (schedule: PollSchedule): Pick<Strategy, 'env' | 'schedule'> => ({
  env: {
    FALLBACK_POLL_MIN_SECONDS: String(schedule.minSeconds),
    FALLBACK_POLL_MAX_SECONDS: String(schedule.maxSeconds),
    FALLBACK_POLL_FRACTION: String(schedule.fraction),
  },
  schedule,
});

const describeSchedule = (s: PollSchedule) =>
  s.minSeconds === s.maxSeconds
    ? `${s.minSeconds} s`
    : `${s.minSeconds} s..${s.maxSeconds / 60} min, ${Math.round(s.fraction * 100)} %`;

/**
 * The fallback that gives up the lost-notification target for transitions: its first timed look comes after 20 minutes
 * and the next ones 20 to 30 minutes apart, so a job whose notification arrives costs a round per 20-30 minutes it
 * runs (none under 20 minutes), and one whose notification is lost waits up to that long.
 */
export const LEAN_FALLBACK_POLL_SCHEDULE: PollSchedule = { minSeconds: 1200, maxSeconds: 1800, fraction: 0.5 };

/** The notification strategies run every length in a stack: a round costs little, so nothing is left to a model. */
const notified = { timeScale: 0.02, longestMeasuredSeconds: { full: 7200, quick: 600 } };

export const STRATEGIES: readonly Strategy[] = [
  {
    key: 'notifications',
    label: `notifications (fallback ${describeSchedule(DEFAULT_FALLBACK_POLL_SCHEDULE)})`,
    baseline: false,
    ...fallback(DEFAULT_FALLBACK_POLL_SCHEDULE),
    notifications: { lostFraction: 0 },
    ...notified,
    jobsPerDuration: { full: 6, quick: 3 },
    launchSpacingMs: 500,
  },
  {
    key: 'notifications-lost',
    label: `notifications, 30 % lost (fallback ${describeSchedule(DEFAULT_FALLBACK_POLL_SCHEDULE)})`,
    baseline: false,
    ...fallback(DEFAULT_FALLBACK_POLL_SCHEDULE),
    notifications: { lostFraction: 0.3 },
    ...notified,
    // The lag of a lost notification is a share of the time since the launch intent: real time for jobs under a
    // minute, a tenth of it up to 10 minutes, so the launch's own latency is not scaled up into that share.
    slowerClocks: [
      { upToSeconds: 60, timeScale: 1 },
      { upToSeconds: 600, timeScale: 0.1 },
    ],
    // More jobs, so each cell has lost notifications to measure (the seed decides which).
    jobsPerDuration: { full: 10, quick: 4 },
    launchSpacingMs: 300,
  },
  {
    key: 'lean-notifications',
    label: `notifications, lean fallback (${describeSchedule(LEAN_FALLBACK_POLL_SCHEDULE)})`,
    baseline: false,
    ...fallback(LEAN_FALLBACK_POLL_SCHEDULE),
    notifications: { lostFraction: 0 },
    ...notified,
    jobsPerDuration: { full: 6, quick: 3 },
    launchSpacingMs: 500,
  },
  {
    key: 'lean-notifications-lost',
    label: `notifications, 30 % lost, lean fallback (${describeSchedule(LEAN_FALLBACK_POLL_SCHEDULE)})`,
    baseline: false,
    ...fallback(LEAN_FALLBACK_POLL_SCHEDULE),
    notifications: { lostFraction: 0.3 },
    ...notified,
    jobsPerDuration: { full: 10, quick: 4 },
    launchSpacingMs: 300,
  },
  {
    key: 'adaptive',
    label: `polling only (${describeSchedule(DEFAULT_POLL_SCHEDULE)})`,
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

/** The stacks a strategy's cells run in: each slower clock takes the cells up to its bound, the rest the strategy's. */
export function clockGroups(
  strategy: Pick<Strategy, 'timeScale' | 'slowerClocks'>,
  durations: readonly number[],
): Array<{ timeScale: number; durations: number[] }> {
  const groups: Array<{ timeScale: number; durations: number[] }> = [];
  let left = [...durations];
  for (const clock of [...(strategy.slowerClocks ?? [])].sort((a, b) => a.upToSeconds - b.upToSeconds)) {
    const taken = left.filter((seconds) => seconds <= clock.upToSeconds);
    if (taken.length > 0) groups.push({ timeScale: clock.timeScale, durations: taken });
    left = left.filter((seconds) => seconds > clock.upToSeconds);
  }
  if (left.length > 0) groups.push({ timeScale: strategy.timeScale, durations: left });
  return groups;
}
