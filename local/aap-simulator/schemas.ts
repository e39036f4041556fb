import { z } from 'zod';

/** Durations are unscaled seconds; the simulator multiplies them by its timeScale. */
const seconds = z.number().finite().nonnegative();

export const TemplateKind = z.enum(['job', 'workflow']);
export type TemplateKind = z.infer<typeof TemplateKind>;

/** The terminal status a template's jobs reach when nothing (cancel, fault) intervenes. */
export const JobOutcome = z.enum(['successful', 'failed', 'error']);
export type JobOutcome = z.infer<typeof JobOutcome>;

/** What a job does to the simulated world while it runs. */
export const TemplateEffect = z.enum(['create-vm', 'delete-vm', 'none']);
export type TemplateEffect = z.infer<typeof TemplateEffect>;

/**
 * Which generation of the OSAC compute-instance playbooks a template runs (see playbooks.ts): `osac_job_vars`
 * (since August 2026) or `ansible_eda` (February 2026, what the product sends today: the default for now).
 */
export const PlaybookGeneration = z.enum(['osac_job_vars', 'ansible_eda']);
export type PlaybookGeneration = z.infer<typeof PlaybookGeneration>;
export const DEFAULT_PLAYBOOK_GENERATION: PlaybookGeneration = 'ansible_eda';

/** What `PATCH /_sim/templates/{id}` may change: the playbooks a template runs and its job environment. */
export const PlaybookSettings = z.strictObject({
  playbooks: PlaybookGeneration.optional(),
  storageRequestedTier: z.string().min(1).optional(),
});
export type PlaybookSettingsInput = z.input<typeof PlaybookSettings>;

export const Organization = z.strictObject({ id: z.number().int().positive(), name: z.string().min(1) });
export type Organization = z.infer<typeof Organization>;

export const PhaseDurations = z.strictObject({
  pending: seconds.default(1),
  waiting: seconds.default(1),
  running: seconds.default(20),
  /** How long after the terminal status `event_processing_finished` turns true (AWX stores events after the fact). */
  eventProcessing: seconds.default(0.5),
});
export type PhaseDurations = z.infer<typeof PhaseDurations>;

export const TemplateSpec = z.strictObject({
  name: z.string().min(1).max(512),
  kind: TemplateKind.default('job'),
  description: z.string().default(''),
  askVariablesOnLaunch: z.boolean().default(true),
  /** Job templates only: launch-time `credentials` are used (else listed in ignored_fields, as AWX does). */
  askCredentialOnLaunch: z.boolean().default(false),
  allowSimultaneous: z.boolean().default(true),
  organization: Organization.prefault({ id: 1, name: 'Default' }),
  /** The template's own extra_vars text (YAML or JSON), merged under the launch-time variables. */
  extraVars: z.string().default(''),
  durations: PhaseDurations.prefault({}),
  outcome: JobOutcome.default('successful'),
  effect: TemplateEffect.default('none'),
  /** Fraction of the running phase at which the effect's task runs. */
  effectAt: z.number().min(0).max(1).default(0.5),
  /** result_traceback for failed/error outcomes. */
  traceback: z.string().optional(),
  /** create-vm/delete-vm templates: the playbooks installed; unset, the simulator's `playbooks` option. */
  playbooks: PlaybookGeneration.optional(),
  /** The job environment's STORAGE_REQUESTED_TIER: the tier today's create playbook needs a storage class for. */
  storageRequestedTier: z.string().min(1).default('local'),
});
export type TemplateSpecInput = z.input<typeof TemplateSpec>;
export type TemplateSpec = z.output<typeof TemplateSpec>;

const exactlyOne = (a: unknown, b: unknown) => (a === undefined) !== (b === undefined);

export const RateLimitFault = z
  .strictObject({
    /** Every Nth /api request is answered 429. */
    everyNth: z.number().int().positive().optional(),
    /** At most this many /api requests per second of the simulator clock; the rest are answered 429. */
    rate: z.number().positive().optional(),
    retryAfterSeconds: z.number().int().nonnegative().default(1),
  })
  .refine((r) => exactlyOne(r.everyNth, r.rate), 'rateLimit needs exactly one of everyNth or rate');

export const HangJobsFault = z
  .strictObject({
    templateName: z.string().min(1).optional(),
    jobId: z.number().int().positive().optional(),
    /** Several jobs at once (a long hang of one job beside the short ones of others). */
    jobIds: z.array(z.number().int().positive()).min(1).optional(),
  })
  .refine(
    (h) => [h.templateName, h.jobId, h.jobIds].filter((given) => given !== undefined).length === 1,
    'hangJobs needs exactly one of templateName, jobId or jobIds',
  );

export const FailNextFault = z.strictObject({
  templateName: z.string().min(1),
  traceback: z
    .string()
    .default('Traceback (most recent call last):\nRuntimeError: failure injected by the AAP simulator\n'),
  explanation: z.string().default(''),
});

/** What happens to webhook notifications between AWX and the receiver. Reordering follows from unequal delays. */
export const NotificationFaults = z.strictObject({
  /** Share never sent: AWX records the Notification `failed` with error "lost (simulated)". */
  lostFraction: z.number().min(0).max(1).default(0),
  /** Unscaled seconds each send waits, drawn uniformly between min and max (scaled by timeScale). */
  delaySeconds: z
    .strictObject({ min: seconds, max: seconds })
    .refine((d) => d.min <= d.max, 'delaySeconds.min must not exceed delaySeconds.max')
    .optional(),
  /** Share delivered twice (a retrying proxy between AWX and the receiver); AWX records one send. */
  duplicateFraction: z.number().min(0).max(1).default(0),
});

export const ServerErrorStatus = z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]);
export type ServerErrorStatus = z.infer<typeof ServerErrorStatus>;

export const Faults = z.strictObject({
  /** Share of /api requests answered with a 5xx instead of being handled. */
  errorRate: z.number().min(0).max(1).optional(),
  errorStatuses: z.array(ServerErrorStatus).min(1).optional(),
  rateLimit: RateLimitFault.optional(),
  /** Added before every /api response, in real (unscaled) milliseconds. */
  latencyMs: z.number().finite().nonnegative().optional(),
  /** Share of /api requests whose socket is destroyed without a response. */
  dropRate: z.number().min(0).max(1).optional(),
  /** `after-handling` performs the request (a launch creates its job) and then drops the response: the lost 201. */
  dropMode: z.enum(['before-handling', 'after-handling']).optional(),
  /**
   * A black hole: every /api connection is accepted and its request read, then nothing is done and nothing answered
   * until the client gives up (a hung controller or a firewall dropping replies); only the client's timeout ends it.
   */
  blackHole: z.boolean().optional(),
  hangJobs: HangJobsFault.optional(),
  failNext: FailNextFault.optional(),
  /** Unscaled seconds between a cancel request on a running job and its `canceled` status (default 2). */
  cancelDelaySeconds: seconds.optional(),
  notifications: NotificationFaults.optional(),
  /** Seed of the generators behind errorRate/dropRate and the notification faults, so a fault run can be replayed. */
  seed: z.number().int().optional(),
});
export type FaultsInput = z.input<typeof Faults>;
export type Faults = z.output<typeof Faults>;

export const NotFoundStyle = z.enum(['drf-3.15', 'drf-3.14']);
export type NotFoundStyle = z.infer<typeof NotFoundStyle>;

export const SimulatorOptions = z.strictObject({
  port: z.number().int().min(0).max(65535).default(0),
  host: z.string().min(1).default('127.0.0.1'),
  token: z.string().min(1).optional(),
  timeScale: z.number().finite().nonnegative().default(1),
  templates: z.array(TemplateSpec).default([]),
  now: z
    .custom<() => number>((v) => typeof v === 'function', 'now must be a function returning epoch milliseconds')
    .optional(),
  /** 404 body for a missing object: DRF 3.15 (AWX ≥ 24.3, AAP 2.5) names the model, DRF 3.14 says "Not found.". */
  notFoundStyle: NotFoundStyle.default('drf-3.15'),
  /** A superuser gets 405 when canceling a finished job; any other user gets 403. */
  superuser: z.boolean().default(true),
  /** The playbooks of every template that does not name its own. */
  playbooks: PlaybookGeneration.default(DEFAULT_PLAYBOOK_GENERATION),
});
export type SimulatorOptionsInput = z.input<typeof SimulatorOptions>;
export type SimulatorOptions = z.output<typeof SimulatorOptions>;
