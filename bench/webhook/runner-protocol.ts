import * as z from 'zod';
import type { CpuProfile } from '../support/cpu-profile';
import type { Summary } from '../support/stats';

/** What the parent hands the intake runner (a JSON file) and what the runner sends back (one IPC message). */

export const RUNNER_RUNS = ['handlerIgnored', 'processWebhookIgnored', 'handlerAccepted'] as const;
export const RunnerRun = z.enum(RUNNER_RUNS);
/**
 * `handlerIgnored`: the Lambda handler, MODIFIED events of an applied instance (ignored, no I/O).
 * `processWebhookIgnored`: the same events through lib/intake alone, without middy and Powertools.
 * `handlerAccepted`: the handler, ADDED events of new instances (each starts an execution).
 */
export type RunnerRun = z.infer<typeof RunnerRun>;

export const RunnerPlan = z.object({
  cluster: z.string().min(1),
  secret: z.string().min(1),
  /** The API server's objects (see events.ts): a provisioned instance, and a just-created one. */
  applied: z.record(z.string(), z.unknown()),
  fresh: z.record(z.string(), z.unknown()),
  runs: z.array(RunnerRun).min(1),
  /** Events of each ignored run that are not timed (JIT warm-up). */
  warmup: z.int().nonnegative(),
  ignored: z.int().positive(),
  accepted: z.int().positive(),
  /** Profile the timed part of each run (in a bundle built for it) and send the profile back. */
  profile: z.boolean().default(false),
});
export type RunnerPlan = z.infer<typeof RunnerPlan>;

export interface LoopResult {
  events: number;
  latencyMs: Summary;
  wallMs: number;
  cpuMs: number;
}

export interface RunnerReport {
  /** The container's first event: settings, cluster registry and clients built on the way. */
  coldInvocationMs: number;
  eventBytes: { ignored: number; accepted: number };
  runs: Partial<Record<RunnerRun, LoopResult>>;
  /** When the plan asked: the CPU profile of the timed loops. */
  profile?: CpuProfile;
}

export type RunnerMessage = { ok: true; report: RunnerReport } | { ok: false; error: string };
