import * as z from 'zod';
import { JobState, JobType } from '../domain/job-state';
import { InstanceRef } from '../sfn';

// The payloads that travel between states: references and small facts, never the object, never a secret.
// One schema per task input; the task handler parses with it before the task runs.

export const JobRef = z.object({
  id: z.number().int().positive(),
  kind: z.enum(['job', 'workflow_job']),
  type: JobType,
});
export type JobRef = z.infer<typeof JobRef>;

/** What the poll loop carries from one Wait to the next. */
export const PollState = z.object({
  job: JobRef,
  /** When the job was launched (the status entry's timestamp): the poll schedule grows with the time since. */
  launchedAt: z.iso.datetime({ offset: true }),
  polls: z.number().int().nonnegative(),
  waitSeconds: z.number().int().positive(),
  /**
   * AAP's notification may end the wait (JOB_NOTIFICATIONS=on): the state machine waits in WaitFor…JobToEnd, with
   * `waitSeconds` as its timeout, instead of a plain Wait. Absent (an execution started before it existed): false.
   */
  notifications: z.boolean().default(false),
});
export type PollState = z.infer<typeof PollState>;

export const PollResult = PollState.extend({
  state: JobState,
  terminal: z.boolean(),
  /** Provision only: the job succeeded for the spec the instance has now. */
  configApplied: z.boolean(),
  continueAsNew: z.boolean(),
});
export type PollResult = z.infer<typeof PollResult>;

export const Workflow = z.enum(['provision', 'deprovision']);

/** Rounds of the waiting loops run by this execution so far; counted by the state machine, 0 when not given. */
const Rounds = z.number().int().nonnegative().default(0);

export const InspectInput = z.object({
  ref: InstanceRef,
  workflow: Workflow,
  generation: z.number().int().optional(),
  /** Deprovision: the deletion this execution serves (its name carries it). */
  deletionTimestamp: z.string().optional(),
  /** Loop rounds this execution has run so far (`$.loop.rounds`). */
  rounds: Rounds,
});
export type InspectInput = z.infer<typeof InspectInput>;

/** Every decision says whether the execution hands over first (a Choice cannot test a field that may be absent). */
export type Decision = DecisionStep & { continueAsNew: boolean };
export type DecisionStep =
  | { action: 'Trigger'; configVersion: string; generation: number }
  | { action: 'Poll'; poll: PollState }
  | { action: 'WaitForLaunch'; reason: string }
  | { action: 'Backoff'; waitSeconds: number; reason: string }
  | { action: 'Deprovision' }
  | { action: 'RemoveFinalizer'; reason: string }
  | { action: 'Done'; reason: string };

export const RefInput = z.object({ ref: InstanceRef });
export type RefInput = z.infer<typeof RefInput>;

export const LaunchInput = z.object({ ref: InstanceRef, type: JobType, execution: z.string().min(1) });
export type LaunchInput = z.infer<typeof LaunchInput>;

export const PollInput = z.object({
  ref: InstanceRef,
  poll: PollState,
  rounds: Rounds.optional(),
  execution: z.string().optional(),
});
export type PollInput = z.infer<typeof PollInput>;

export const CancelState = z.object({
  /** True once the latest provision job is terminal (or purged, or there is none): deprovisioning may start. */
  settled: z.boolean(),
  /** The provision job a cancel was requested for, so it is asked only once. */
  requestedFor: z.number().int().positive().optional(),
  /** When that cancel was asked: the wait between looks grows with the time since, like the job poll loop's. */
  requestedAt: z.iso.datetime({ offset: true }).optional(),
  waitSeconds: z.number().int().positive(),
  /** The provision job being waited for, once there is one: what a notification names. */
  job: JobRef.optional(),
  /** AAP's notification for `job` may end the wait (JOB_NOTIFICATIONS=on and a job to wait for). */
  notifications: z.boolean().optional(),
  stoppedExecutions: z.array(z.string()).optional(),
  /** Still waiting, and this execution has run its share of rounds: hand over to a fresh one. */
  continueAsNew: z.boolean().optional(),
});
export type CancelState = z.infer<typeof CancelState>;
export const CancelInput = z.object({ ref: InstanceRef, cancel: CancelState.partial().optional(), rounds: Rounds });
export type CancelInput = z.infer<typeof CancelInput>;

/** What a cancel-wait hands over to the execution that continues it, so the cancel is not asked again and its
 * looks keep the schedule counted from the first request. */
export const CancelCarried = CancelState.pick({ requestedFor: true, requestedAt: true });
export type CancelCarried = z.infer<typeof CancelCarried>;

export const StopInput = z.object({
  ref: InstanceRef,
  execution: z.string().min(1),
  /** This execution's own input: a continued cancel-wait finds there what the previous execution carried. */
  executionInput: z.object({ cancel: CancelCarried.optional() }).optional(),
});
export type StopInput = z.infer<typeof StopInput>;

export const ContinueInput = z.object({
  ref: InstanceRef,
  generation: z.number().int().optional(),
  deletionTimestamp: z.string().optional(),
  execution: z.string().min(1),
  stateMachineArn: z.string().min(1),
  /** Set when a cancel-wait hands over. */
  cancel: CancelState.partial().optional(),
});
export type ContinueInput = z.infer<typeof ContinueInput>;

/**
 * awaitJobEnd: the Parameters of a WaitFor…JobToEnd / WaitForCanceledJobToStop task (`.waitForTaskToken`). The
 * token is a bearer credential for the execution: it goes to the waiter table and to Step Functions only.
 */
export const AwaitJobInput = z.object({
  job: JobRef,
  token: z.string().min(1),
  /** The waiting execution's ARN (`$$.Execution.Id`). */
  execution: z.string().min(1),
  /** The task's timeout (TimeoutSecondsPath): the fallback poll interval. */
  waitSeconds: z.number().int().positive(),
});
export type AwaitJobInput = z.infer<typeof AwaitJobInput>;
