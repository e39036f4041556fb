import * as z from 'zod';
import { describeIssues } from '../../lib/runtime/issues';

/**
 * What a chaos run is told: how many lifecycles, how fast the clock runs, and how bad the weather is. Everything
 * here is validated once, at the boundary; the rest of the suite works on the parsed values.
 */

const share = z.number().min(0).max(1);
const seconds = z.number().finite().nonnegative();
const range = (what: string) =>
  z.tuple([seconds, seconds]).refine(([min, max]) => min <= max, `${what}: the first bound must not exceed the second`);

/**
 * The faults a run injects. AAP, API-server and webhook "weather" is re-rolled every `periodSeconds` of simulated
 * time; a `…Chance` is the probability that a period has that fault at all, a `…Rate` how many requests it hits then.
 */
export const FaultProfile = z.strictObject({
  periodSeconds: seconds.min(1),
  // AAP (the simulator's proxy-level faults and its world)
  aapErrorChance: share,
  aapErrorRate: share,
  rateLimitChance: share,
  /** Every Nth AAP request is answered 429 with Retry-After, N drawn from this range. */
  rateLimitEveryNth: z.tuple([z.int().min(2), z.int().min(2)]),
  retryAfterSeconds: z.int().min(0).max(5),
  latencyChance: share,
  /** Real milliseconds added to every AAP answer in a slow period, drawn up to this. */
  maxLatencyMs: z.int().min(0).max(5000),
  dropChance: share,
  dropRate: share,
  /** Per period: the next job of a template fails with a traceback. */
  failNextChance: share,
  /** Per period: one active job is held in `running` (hangJobs) for a while, then released. */
  hangChance: share,
  hangSeconds: range('hangSeconds'),
  /**
   * Once per run, AAP becomes a black hole (every request read, none answered, so only the clients' timeouts end
   * them) from this many simulated seconds after the start, for `blackHoleSeconds` (0: never).
   */
  blackHoleAtSeconds: seconds,
  blackHoleSeconds: seconds,
  /**
   * Once per run, from `longHangAtSeconds` on, the first running provision job of an instance its user will delete is
   * held in `running` for `longHangSeconds` (0: never): the deletion waits behind a cancel AAP never carries out.
   */
  longHangAtSeconds: seconds,
  longHangSeconds: seconds,
  /** Per period: AAP takes this long (simulated seconds) to turn a cancel into `canceled`; drawn from the list. */
  slowCancelChance: share,
  slowCancelSeconds: z.array(seconds).min(1),
  /** Share of terminal jobs purged (404 from then on) at each period. Only terminal ones: AWX refuses the rest. */
  purgeShare: share,
  /**
   * Only jobs that finished at least this long ago (simulated seconds) are purged. AWX's cleanup keeps jobs for days;
   * purging one within LAUNCH_INTENT_TTL_SECONDS of its launch, or while an outage keeps the recovery from asking AAP,
   * takes away the only record a lost launch answer can be recovered from (see the report), which no real retention
   * setting does.
   */
  purgeMinAgeSeconds: seconds,
  // The API server
  conflictStormChance: share,
  conflictRate: share,
  kubeErrorChance: share,
  kubeErrorRate: share,
  /** Per period: the API server restarts (every watch dropped); half the restarts also compact its history (410). */
  apiRestartChance: share,
  // The webhook channel, per event
  webhookLossRate: share,
  webhookDuplicateRate: share,
  webhookDelayRate: share,
  /** A delayed webhook arrives up to this many simulated seconds late (so after later ones: reordered). */
  webhookMaxDelaySeconds: seconds,
  // AAP's job notifications (runs with notifications on), per period: the simulator's delivery faults
  notificationFaultChance: share,
  /** In a faulty period: the share of AAP's notifications never sent, and the share sent twice. */
  notificationLossRate: share,
  notificationDuplicateRate: share,
  /** In a faulty period each notification waits up to this many simulated seconds (so later ones pass it). */
  notificationMaxDelaySeconds: seconds,
  /** Requests the forger POSTs to the receiver per period: bad tokens, lies about real jobs, junk bodies. */
  forgeriesPerPeriod: z.int().min(0).max(1000),
});
export type FaultProfile = z.infer<typeof FaultProfile>;

/**
 * The standard long hang: four simulated hours, past the 3.85 h at which a cancel-wait once ran into the history
 * limit and four times the reconciler's longest backoff. Simulated time runs at a fixed rate (at time scale 0.01 an
 * hour takes 36 s), so the issue's hundred hours (`{"longHangSeconds":360000}`) take an hour of real time.
 */
export const LONG_HANG_SECONDS = 4 * 3600;

/** Three hours: the two-hour black hole plus the reconciler's one-hour longest backoff. */
export const PURGE_MIN_AGE_SECONDS = 3 * 3600;

const NO_FAULTS: FaultProfile = {
  periodSeconds: 120,
  aapErrorChance: 0,
  aapErrorRate: 0,
  rateLimitChance: 0,
  rateLimitEveryNth: [10, 20],
  retryAfterSeconds: 1,
  latencyChance: 0,
  maxLatencyMs: 0,
  dropChance: 0,
  dropRate: 0,
  failNextChance: 0,
  hangChance: 0,
  hangSeconds: [60, 600],
  blackHoleAtSeconds: 0,
  blackHoleSeconds: 0,
  longHangAtSeconds: 0,
  longHangSeconds: 0,
  slowCancelChance: 0,
  slowCancelSeconds: [2],
  purgeShare: 0,
  purgeMinAgeSeconds: 900,
  conflictStormChance: 0,
  conflictRate: 0,
  kubeErrorChance: 0,
  kubeErrorRate: 0,
  apiRestartChance: 0,
  webhookLossRate: 0,
  webhookDuplicateRate: 0,
  webhookDelayRate: 0,
  webhookMaxDelaySeconds: 0,
  notificationFaultChance: 0,
  notificationLossRate: 0,
  notificationDuplicateRate: 0,
  notificationMaxDelaySeconds: 0,
  forgeriesPerPeriod: 0,
};

const STANDARD: FaultProfile = {
  periodSeconds: 90,
  aapErrorChance: 0.4,
  aapErrorRate: 0.08,
  rateLimitChance: 0.3,
  rateLimitEveryNth: [6, 15],
  retryAfterSeconds: 1,
  latencyChance: 0.3,
  maxLatencyMs: 40,
  dropChance: 0.3,
  dropRate: 0.05,
  failNextChance: 0.5,
  hangChance: 0.4,
  hangSeconds: [60, 900],
  // Two hours without a single answer from AAP, while lifecycles (and their deletions) go on.
  blackHoleAtSeconds: 600,
  blackHoleSeconds: 7200,
  longHangAtSeconds: 120,
  longHangSeconds: LONG_HANG_SECONDS,
  slowCancelChance: 0.5,
  slowCancelSeconds: [30, 120, 240],
  purgeShare: 0.2,
  // Longer than the black hole and the reconciler's longest backoff together: a lost launch answer is recovered
  // from AAP's record of the job once AAP answers again, and AWX keeps its jobs for days (see purgeMinAgeSeconds).
  purgeMinAgeSeconds: PURGE_MIN_AGE_SECONDS,
  conflictStormChance: 0.3,
  conflictRate: 0.3,
  kubeErrorChance: 0.3,
  kubeErrorRate: 0.05,
  apiRestartChance: 0.05,
  webhookLossRate: 0.15,
  webhookDuplicateRate: 0.15,
  webhookDelayRate: 0.2,
  webhookMaxDelaySeconds: 120,
  notificationFaultChance: 0.6,
  notificationLossRate: 0.3,
  notificationDuplicateRate: 0.3,
  notificationMaxDelaySeconds: 120,
  forgeriesPerPeriod: 6,
};

export const FAULT_PROFILES = {
  none: NO_FAULTS,
  standard: STANDARD,
  heavy: {
    ...STANDARD,
    periodSeconds: 60,
    aapErrorChance: 0.6,
    aapErrorRate: 0.2,
    rateLimitChance: 0.5,
    dropChance: 0.5,
    dropRate: 0.15,
    failNextChance: 0.8,
    hangChance: 0.6,
    slowCancelChance: 0.7,
    purgeShare: 0.5,
    conflictStormChance: 0.5,
    conflictRate: 0.6,
    kubeErrorChance: 0.5,
    kubeErrorRate: 0.15,
    apiRestartChance: 0.1,
    webhookLossRate: 0.35,
    webhookDuplicateRate: 0.3,
    webhookDelayRate: 0.35,
    webhookMaxDelaySeconds: 300,
    notificationFaultChance: 0.8,
    notificationLossRate: 0.5,
    notificationDuplicateRate: 0.5,
    notificationMaxDelaySeconds: 600,
    forgeriesPerPeriod: 20,
  },
} satisfies Record<string, FaultProfile>;
export type FaultProfileName = keyof typeof FAULT_PROFILES;
export const FaultProfileName = z.enum(Object.keys(FAULT_PROFILES) as [FaultProfileName, ...FaultProfileName[]]);

/**
 * Simulated seconds a job spends in each phase, and where in `running` its VM task runs (0..1). A VM task early in a
 * long run leaves the simulator a wide margin between its effect and its completion timers (see the report).
 */
export const JobDurations = z.strictObject({
  pending: seconds,
  waiting: seconds,
  running: seconds,
  effectAt: z.number().min(0).max(1).default(0.5),
});
export type JobDurations = z.infer<typeof JobDurations>;

export const ChaosOptions = z.strictObject({
  /** Any text or number; printed with every failure so the run can be replayed. */
  seed: z.union([z.string().min(1), z.int()]).transform(String),
  lifecycles: z.int().min(1).max(10_000).default(50),
  /** Lifecycles in flight at once. */
  concurrency: z.int().min(1).max(1000).default(16),
  /** Real seconds per simulated second for the whole stack (0.01: a 5-minute wait takes 3 s). */
  timeScale: z.number().positive().max(1).default(0.01),
  /** A profile by name, or a profile's name plus the fields to change (`{ base: 'standard', dropRate: 0.3 }`). */
  faults: z
    .union([FaultProfileName, FaultProfile.partial().extend({ base: FaultProfileName.default('standard') })])
    .default('standard')
    .transform((given): FaultProfile => {
      if (typeof given === 'string') return FAULT_PROFILES[given];
      const { base, ...overrides } = given;
      return FaultProfile.parse({ ...FAULT_PROFILES[base], ...overrides });
    }),
  /** The reconciler runs this often (simulated seconds) during the run, as the EventBridge schedule would. */
  reconcileIntervalSeconds: seconds.min(1).default(150),
  /** After the run (faults off): how long (simulated seconds) everything may take to converge before the check. */
  settleSeconds: seconds.min(1).default(3600),
  /** Lifecycles start spread over this many simulated seconds. */
  spreadSeconds: seconds.default(300),
  createJob: JobDurations.default({ pending: 2, waiting: 2, running: 60, effectAt: 0.5 }),
  deleteJob: JobDurations.default({ pending: 1, waiting: 1, running: 30, effectAt: 0.3 }),
  /**
   * AAP notifies the workflows when a job ends (the receiver behind the gateway, JOB_NOTIFICATIONS=on), with the
   * notification faults and the forger of the weather; `false` runs on polling alone, as before issue 13.
   */
  notifications: z.boolean().default(true),
  /** Extra settings for the task functions (LAUNCH_INTENT_TTL_SECONDS, MAX_JOB_HISTORY…). */
  env: z.record(z.string(), z.string()).default({}),
  /** Progress lines (one per phase); silent when omitted. */
  log: z.custom<(line: string) => void>((value) => typeof value === 'function', 'log must be a function').optional(),
});
export type ChaosOptionsInput = z.input<typeof ChaosOptions>;
export type ChaosOptions = z.output<typeof ChaosOptions>;

export class InvalidChaosOptions extends Error {
  override readonly name = 'InvalidChaosOptions';
}

export function parseChaosOptions(input: ChaosOptionsInput): ChaosOptions {
  const parsed = ChaosOptions.safeParse(input);
  if (!parsed.success) {
    throw new InvalidChaosOptions(`invalid chaos options: ${describeIssues(parsed.error, [], '(options)')}`);
  }
  return parsed.data;
}
