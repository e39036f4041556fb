import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod';
import { AapError, type AapJob, type AapJobKind, isIgnoredFieldsError, JobNotFound } from '../aap';
import {
  type ComputeInstance,
  desiredConfigVersion,
  formatMetaTime,
  instantMs,
  isBeingDeleted,
  isLaunchIntent,
  latestJob,
  needsOf,
  nextAction,
  onDeprovisionStarted,
  onJobLaunched,
  onJobProgress,
  onLaunchFailed,
  onProvisionLaunchIntent,
  type ProvisioningJob,
  type StatusPatch,
} from '../computeinstance';
import { isTerminalJobState, JobState, JobType } from '../domain/job-state';
import { type ComputeInstanceRef, isStoreError } from '../k8s';
import { logger, metrics } from '../runtime/powertools';
import {
  continuationName,
  executionNamePrefix,
  InstanceRef,
  listRunningExecutions,
  startExecution,
  stopExecutions,
} from '../sfn';
import type { ClusterAccess, WorkflowContext } from './context';
import {
  FinalizerStillNeeded,
  InstanceDeleting,
  InstanceGone,
  LaunchNotNeeded,
  ProvisionJobStillRunning,
} from './errors';
import { nextPollDelaySeconds, shouldContinueAsNew } from './polling';

// ---------------------------------------------------------------------------------------------------------------
// The payloads that travel between states: references and small facts, never the object, never a secret.

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
/** Every decision says whether the execution hands over first (a Choice cannot test a field that may be absent). */
export type Decision = DecisionStep & { continueAsNew: boolean };
type DecisionStep =
  | { action: 'Trigger'; configVersion: string; generation: number }
  | { action: 'Poll'; poll: PollState }
  | { action: 'WaitForLaunch'; reason: string }
  | { action: 'Backoff'; waitSeconds: number; reason: string }
  | { action: 'Deprovision' }
  | { action: 'RemoveFinalizer'; reason: string }
  | { action: 'Done'; reason: string };

export const RefInput = z.object({ ref: InstanceRef });
export const LaunchInput = z.object({ ref: InstanceRef, type: JobType, execution: z.string().min(1) });
export const PollInput = z.object({
  ref: InstanceRef,
  poll: PollState,
  rounds: Rounds.optional(),
  execution: z.string().optional(),
});

export const CancelState = z.object({
  /** True once the latest provision job is terminal (or purged, or there is none): deprovisioning may start. */
  settled: z.boolean(),
  /** The provision job a cancel was requested for, so it is asked only once. */
  requestedFor: z.number().int().positive().optional(),
  waitSeconds: z.number().int().positive(),
  stoppedExecutions: z.array(z.string()).optional(),
  /** Still waiting, and this execution has run its share of rounds: hand over to a fresh one. */
  continueAsNew: z.boolean().optional(),
});
export type CancelState = z.infer<typeof CancelState>;
export const CancelInput = z.object({ ref: InstanceRef, cancel: CancelState.partial().optional(), rounds: Rounds });

export const StopInput = z.object({ ref: InstanceRef, execution: z.string().min(1) });
export const ContinueInput = z.object({
  ref: InstanceRef,
  generation: z.number().int().optional(),
  deletionTimestamp: z.string().optional(),
  execution: z.string().min(1),
  stateMachineArn: z.string().min(1),
});

// ---------------------------------------------------------------------------------------------------------------
// helpers

function storeRef(ref: InstanceRef): ComputeInstanceRef {
  return { namespace: ref.namespace, name: ref.name, uid: ref.uid };
}

function describe(ref: InstanceRef): string {
  return `${ref.cluster}/${ref.namespace}/${ref.name}`;
}

/** Store errors keep their names (InstanceGone, Transient, Conflict); `Deleting` reads better in the console as this. */
function translateStoreError(err: unknown): never {
  if (isStoreError(err, 'Deleting')) throw new InstanceDeleting((err as Error).message);
  throw err;
}

async function readInstance(access: ClusterAccess, ref: InstanceRef): Promise<ComputeInstance> {
  const instance = await access.store.get(storeRef(ref));
  if (!instance) throw new InstanceGone(`${describe(ref)} (uid ${ref.uid}) is gone`);
  return instance;
}

async function writeStatus(
  access: ClusterAccess,
  ref: InstanceRef,
  mutate: (current: ComputeInstance) => StatusPatch | undefined,
): Promise<ComputeInstance> {
  try {
    return (await access.store.updateStatus(storeRef(ref), mutate)).instance;
  } catch (err) {
    return translateStoreError(err);
  }
}

function templateFor(ctx: WorkflowContext, type: JobType): string {
  return type === 'provision' ? ctx.settings.AAP_PROVISION_TEMPLATE : ctx.settings.AAP_DEPROVISION_TEMPLATE;
}

/** Status records only the job's number; the template's type says whether it is a job or a workflow job. */
async function jobKindFor(ctx: WorkflowContext, type: JobType): Promise<AapJobKind> {
  const template = await ctx.aap.findTemplate(templateFor(ctx, type));
  return template.type === 'workflow_job_template' ? 'workflow_job' : 'job';
}

function secondsBetween(fromIso: string, to: Date): number {
  return Math.max(0, (to.getTime() - Date.parse(fromIso)) / 1000);
}

function pollDelay(ctx: WorkflowContext, launchedAt: string, now: Date): number {
  const s = ctx.settings;
  return nextPollDelaySeconds(secondsBetween(launchedAt, now), {
    minSeconds: s.POLL_MIN_SECONDS,
    maxSeconds: s.POLL_MAX_SECONDS,
    fraction: s.POLL_FRACTION,
  });
}

async function pollStateFor(ctx: WorkflowContext, job: ProvisioningJob, now: Date): Promise<PollState> {
  return {
    job: { id: Number(job.jobID), kind: await jobKindFor(ctx, job.type), type: job.type },
    launchedAt: job.timestamp,
    polls: 0,
    // The same schedule as its launcher would have used, counted from the job's launch.
    waitSeconds: pollDelay(ctx, job.timestamp, now),
  };
}

/** A job AAP no longer knows (purged) is terminal; its outcome is unknown, so it counts as failed. */
const PURGED_MESSAGE = 'purged from AAP before its outcome was read';

async function readJob(ctx: WorkflowContext, job: JobRef): Promise<AapJob | 'purged'> {
  try {
    return await ctx.aap.getJob({ id: job.id, kind: job.kind });
  } catch (err) {
    if (err instanceof JobNotFound || (err as Error).name === 'JobNotFound') return 'purged';
    throw err;
  }
}

function progressPatch(job: JobRef, seen: AapJob | 'purged', now: Date) {
  return (instance: ComputeInstance): StatusPatch | undefined => {
    const entry = instance.status?.provisioningJobs?.findLast((j) => j.jobID === String(job.id));
    // Trimmed from the history or never recorded there: nothing of ours to update.
    if (!entry || entry.type !== job.type) return undefined;
    if (seen === 'purged') {
      if (isTerminalJobState(entry.state)) return undefined;
      return onJobProgress(instance, {
        jobID: entry.jobID,
        type: job.type,
        state: 'Failed',
        message: PURGED_MESSAGE,
        now,
      });
    }
    return onJobProgress(instance, {
      jobID: entry.jobID,
      type: job.type,
      state: seen.state,
      message: seen.status,
      errorDetail: seen.errorDetail,
      now,
    });
  };
}

function recordOutcomeMetrics(job: JobRef, seen: AapJob | 'purged', now: Date): void {
  const state = seen === 'purged' ? 'Purged' : seen.state;
  metrics.addMetric(`${job.type === 'provision' ? 'Provision' : 'Deprovision'}Jobs${state}`, MetricUnit.Count, 1);
  if (seen !== 'purged' && seen.finished) {
    // How long after AAP finished the job we noticed: the price of polling instead of being told.
    metrics.addMetric('DetectionLag', MetricUnit.Seconds, secondsBetween(seen.finished, now));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Launch intents whose launcher never came back

// Lambda and AAP clocks may disagree a little; search from a bit before the intent so the job is not missed.
const CLOCK_SKEW_MARGIN_MS = 60_000;
// A POST for an intent is sent within the same invocation (launchJob's 30 s timeout, AAP client timeout 30 s); a
// controller that queues a request may record it a little later. Five minutes covers that with room to spare.
const LAUNCH_WINDOW_MS = 300_000;
const LAUNCH_SEARCH_LIMIT = 500;

/**
 * An intent older than LAUNCH_INTENT_TTL_SECONDS means its launcher died, or AAP never answered the launch. Only AAP
 * knows whether a job was created, so ask it: jobs of the template created since the intent whose payload carries
 * this instance's uid. Found: the intent gets that job's id (and is then polled or cancelled like any job). None: the
 * launch never happened, and the intent becomes a Failed record so the decision backs off and tries again.
 * Returns true when the intent was settled.
 */
async function settleStaleIntent(
  ctx: WorkflowContext,
  access: ClusterAccess,
  ref: InstanceRef,
  instance: ComputeInstance,
  type: JobType,
): Promise<boolean> {
  const intent = latestJob(instance.status?.provisioningJobs, type);
  if (!intent || !isLaunchIntent(intent)) return false;
  const now = ctx.now();
  const intentMs = instantMs(intent.timestamp, 'launch intent timestamp');
  const ageMs = now.getTime() - intentMs;
  if (ageMs < ctx.settings.LAUNCH_INTENT_TTL_SECONDS * 1000) return false;
  let found: AapJob[];
  try {
    found = await ctx.aap.findLaunchedJobs({
      templateName: templateFor(ctx, type),
      since: new Date(intentMs - CLOCK_SKEW_MARGIN_MS),
      // The launcher's POST happens within its invocation after the intent: bounding the window there keeps the
      // candidates few however busy AAP is and however long ago the intent was written.
      until: new Date(intentMs + LAUNCH_WINDOW_MS + CLOCK_SKEW_MARGIN_MS),
      payloadUid: ref.uid,
      // Each candidate costs one detail read; a busy controller may create a few hundred jobs in the window.
      limit: LAUNCH_SEARCH_LIMIT,
    });
  } catch (err) {
    if ((err as Error).name !== 'TooManyCandidates') throw err;
    // Too busy a window to read every candidate now: keep waiting on the intent (it is retried on the next look)
    // rather than fail the execution; nothing may launch while it is unsettled.
    logger.warn('stale launch intent not settled: too many candidate jobs', { intent: intent.timestamp, type });
    return false;
  }
  // Any of them would have to end before a deprovision; the newest is the one the intent stood for.
  const job = found.at(-1);
  if (job) {
    await writeStatus(access, ref, (current) =>
      onJobLaunched(current, { intentTimestamp: intent.timestamp, jobID: String(job.id), type }),
    );
    metrics.addMetric('LaunchIntentsRecovered', MetricUnit.Count, 1);
    return true;
  }
  await writeStatus(access, ref, (current) =>
    onLaunchFailed(current, {
      intentTimestamp: intent.timestamp,
      type,
      errorDetail: `the launch recorded at ${intent.timestamp} never reported back, and AAP holds no job for it`,
      now,
    }),
  );
  metrics.addMetric('LaunchIntentsAbandoned', MetricUnit.Count, 1);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// FetchInstance

/** Reads the instance fresh and turns the shared decision (`nextAction`) into the step this workflow takes next. */
export async function inspect(ctx: WorkflowContext, input: z.infer<typeof InspectInput>): Promise<Decision> {
  const step = await decideStep(ctx, input);
  // Only the steps that wait and come back here loop; the others lead into loops that count for themselves.
  const waits = step.action === 'WaitForLaunch' || step.action === 'Backoff';
  return { ...step, continueAsNew: waits && shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION) };
}

async function decideStep(ctx: WorkflowContext, input: z.infer<typeof InspectInput>): Promise<DecisionStep> {
  const { ref, workflow, generation, deletionTimestamp } = input;
  const access = await ctx.cluster(ref.cluster);
  const instance = await access.store.get(storeRef(ref));
  if (!instance) return { action: 'Done', reason: 'the instance is gone' };
  const now = ctx.now();
  const deleting = isBeingDeleted(instance.metadata);
  if (workflow === 'provision' && deleting) return { action: 'Done', reason: 'the instance is being deleted' };
  if (workflow === 'deprovision' && !deleting) return { action: 'Done', reason: 'the instance is not being deleted' };
  if (workflow === 'deprovision' && deletionTimestamp !== undefined) {
    const actual = instance.metadata.deletionTimestamp as string;
    // Compared as instants: a stray delete naming another instant must not do (or take the name of) the real work.
    if (Date.parse(actual) !== Date.parse(deletionTimestamp)) {
      return {
        action: 'Done',
        reason: `serves the deletion of ${deletionTimestamp}; the instance was deleted at ${actual}`,
      };
    }
  }
  const current = instance.metadata.generation ?? 0;
  if (workflow === 'provision' && generation !== undefined && current > generation) {
    // A newer spec has its own execution (started by its webhook or the reconciler); it takes over from here.
    return { action: 'Done', reason: `superseded by generation ${current}` };
  }

  return completeStep(ctx, access, ref, instance, now, current);
}

/** The step the shared decision projects for workflows (`needsOf`), with what AAP says where the step needs it. */
async function completeStep(
  ctx: WorkflowContext,
  access: ClusterAccess,
  ref: InstanceRef,
  instance: ComputeInstance,
  now: Date,
  generation: number,
): Promise<DecisionStep> {
  const step = needsOf(instance, now, access.finalizer).step;
  switch (step.action) {
    case 'Trigger':
      return { action: 'Trigger', configVersion: step.configVersion, generation };
    case 'Poll': {
      const job = latestJob(instance.status?.provisioningJobs, step.jobType) as ProvisioningJob;
      return { action: 'Poll', poll: await pollStateFor(ctx, job, now) };
    }
    case 'WaitForLaunch': {
      const settled = await settleStaleIntent(ctx, access, ref, instance, step.jobType);
      const reason = settled
        ? `settled the stale ${step.jobType} launch of ${step.intentTimestamp} with AAP's answer`
        : `a ${step.jobType} launch of ${step.intentTimestamp} is in flight`;
      return { action: 'WaitForLaunch', reason };
    }
    default:
      return step;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// EnsureFinalizer / RemoveFinalizer

export async function ensureFinalizer(ctx: WorkflowContext, { ref }: z.infer<typeof RefInput>) {
  const access = await ctx.cluster(ref.cluster);
  try {
    const { changed } = await access.store.addFinalizer(storeRef(ref), access.finalizer);
    return { added: changed };
  } catch (err) {
    return translateStoreError(err);
  }
}

/** Only once the fresh object says so (deprovision succeeded, or management-state manual): never on a stale word. */
export async function removeFinalizer(ctx: WorkflowContext, { ref }: z.infer<typeof RefInput>) {
  const access = await ctx.cluster(ref.cluster);
  const instance = await access.store.get(storeRef(ref));
  if (!instance) return { removed: false, reason: 'the instance is already gone' };
  const next = nextAction({ instance, now: ctx.now(), finalizer: access.finalizer });
  if (next.action === 'Ignore') return { removed: false, reason: next.reason };
  if (next.action !== 'RemoveFinalizer') {
    throw new FinalizerStillNeeded(`${describe(ref)}: the finalizer stays while the next step is ${next.action}`);
  }
  const { changed } = await access.store.removeFinalizer(storeRef(ref), access.finalizer);
  return { removed: changed, reason: next.reason };
}

// ---------------------------------------------------------------------------------------------------------------
// LaunchProvisionJob / LaunchDeprovisionJob

/**
 * The launch intent closes the race between a launch and a deletion. It is written to status with the object's
 * resourceVersion as a precondition, after deciding on that very version:
 * - a deletion (or spec change) that lands before the intent makes the write fail; deciding again on the fresh
 *   object then refuses the launch, so no provision job can start once deletion began;
 * - a deletion that lands after it finds the intent, and the deprovision waits until the intent has its job ID
 *   (then cancels that job) before it launches anything, so the two never run at once.
 */
function provisionIntent(ctx: WorkflowContext, now: Date, execution: string, finalizer: string) {
  return (instance: ComputeInstance): StatusPatch => {
    if (isBeingDeleted(instance.metadata)) throw new InstanceDeleting('the instance is being deleted');
    const next = nextAction({ instance, now, finalizer });
    if (next.action !== 'Trigger') throw new LaunchNotNeeded(`next step on the fresh object is ${next.action}`);
    if (next.addFinalizer) throw new LaunchNotNeeded('our finalizer is not on the instance yet');
    return onProvisionLaunchIntent(instance, {
      now,
      configVersion: next.configVersion,
      executionName: execution,
      maxHistory: ctx.settings.MAX_JOB_HISTORY,
    });
  };
}

function deprovisionIntent(ctx: WorkflowContext, now: Date, execution: string, finalizer: string) {
  return (instance: ComputeInstance): StatusPatch => {
    if (!isBeingDeleted(instance.metadata)) throw new LaunchNotNeeded('the instance is not being deleted');
    const provision = latestJob(instance.status?.provisioningJobs, 'provision');
    if (provision && (isLaunchIntent(provision) || !isTerminalJobState(provision.state))) {
      throw new ProvisionJobStillRunning(
        `provision ${provision.jobID ? `job ${provision.jobID}` : 'launch'} is ${provision.state}: it must end first`,
      );
    }
    const next = nextAction({ instance, now, finalizer });
    if (next.action !== 'Deprovision') throw new LaunchNotNeeded(`next step on the fresh object is ${next.action}`);
    return onDeprovisionStarted(instance, now, { executionName: execution, maxHistory: ctx.settings.MAX_JOB_HISTORY });
  };
}

export async function launch(ctx: WorkflowContext, input: z.infer<typeof LaunchInput>): Promise<PollState> {
  const { ref, type, execution } = input;
  const access = await ctx.cluster(ref.cluster);
  const now = ctx.now();
  const intentTimestamp = formatMetaTime(now);
  const mutate =
    type === 'provision'
      ? provisionIntent(ctx, now, execution, access.finalizer)
      : deprovisionIntent(ctx, now, execution, access.finalizer);
  const instance = await writeStatus(access, ref, mutate);

  const template = templateFor(ctx, type);
  let launched: { jobId: number; kind: AapJobKind };
  try {
    // The object as it is now (intent and deletionTimestamp included) is what EDA-era playbooks read. The cluster id
    // and the cluster's own AAP credentials keep one AAP serving many clusters from acting on the wrong one.
    launched = await ctx.aap.launch(template, {
      payload: instance,
      cluster: ref.cluster,
      credentials: access.cluster.aapCredentials,
    });
  } catch (err) {
    await recordLaunchFailure(ctx, access, ref, type, intentTimestamp, err);
    throw err;
  }
  await writeStatus(access, ref, (current) =>
    onJobLaunched(current, { intentTimestamp, jobID: String(launched.jobId), type }),
  );
  metrics.addMetric(`${type === 'provision' ? 'Provision' : 'Deprovision'}JobsLaunched`, MetricUnit.Count, 1);
  return {
    job: { id: launched.jobId, kind: launched.kind, type },
    launchedAt: intentTimestamp,
    polls: 0,
    waitSeconds: pollDelay(ctx, intentTimestamp, now),
  };
}

/**
 * A refused launch becomes a Failed record (so the next decision backs off). When AAP may have created the job
 * anyway (timeout, 5xx) the intent stays: abandoning it could let a deprovision run beside an unseen job.
 * VariablesIgnored and CredentialsIgnored did create a job - one that runs without our variables or without the
 * cluster's credentials - so it is cancelled and recorded, its message (naming the template setting) on the status.
 */
async function recordLaunchFailure(
  ctx: WorkflowContext,
  access: ClusterAccess,
  ref: InstanceRef,
  type: JobType,
  intentTimestamp: string,
  err: unknown,
): Promise<void> {
  if (err instanceof AapError && err.launchOutcomeUnknown) return;
  const now = ctx.now();
  if (isIgnoredFieldsError(err) && err.jobId !== undefined) {
    const jobRef: JobRef = { id: err.jobId, kind: await jobKindFor(ctx, type), type };
    await ctx.aap.cancelJob(jobRef).catch(() => undefined);
    const jobID = String(err.jobId);
    await writeStatus(access, ref, (current) => onJobLaunched(current, { intentTimestamp, jobID, type }));
    await writeStatus(access, ref, (current) =>
      onJobProgress(current, { jobID, type, state: 'Failed', message: err.message, now }),
    );
    return;
  }
  const detail = err instanceof Error ? err.message : String(err);
  await writeStatus(access, ref, (current) =>
    onLaunchFailed(current, { intentTimestamp, type, errorDetail: detail, now }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// PollProvisionJob / PollDeprovisionJob

export async function poll(ctx: WorkflowContext, input: z.infer<typeof PollInput>): Promise<PollResult> {
  const { ref, poll: state } = input;
  const access = await ctx.cluster(ref.cluster);
  const seen = await readJob(ctx, state.job);
  const now = ctx.now();
  const instance = await writeStatus(access, ref, progressPatch(state.job, seen, now));
  const jobState: JobState = seen === 'purged' ? 'Failed' : seen.state;
  const terminal = seen === 'purged' || seen.terminal;
  if (terminal) recordOutcomeMetrics(state.job, seen, now);
  const polls = state.polls + 1;
  const entry = instance.status?.provisioningJobs?.findLast((j) => j.jobID === String(state.job.id));
  const configApplied =
    state.job.type === 'provision' &&
    jobState === 'Succeeded' &&
    entry?.configVersion === desiredConfigVersion(instance.spec);
  return {
    ...state,
    polls,
    waitSeconds: pollDelay(ctx, state.launchedAt, now),
    state: jobState,
    terminal,
    configApplied,
    // Counted over every loop of the execution when the state machine passes its rounds; polls alone otherwise.
    continueAsNew: !terminal && shouldContinueAsNew(input.rounds ?? polls, ctx.settings.POLLS_PER_EXECUTION),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// StopProvisionWorkflows / CancelRunningProvisionJob

export async function stopProvisioning(ctx: WorkflowContext, { ref, execution }: z.infer<typeof StopInput>) {
  const access = await ctx.cluster(ref.cluster);
  await writeStatus(access, ref, (current) =>
    isBeingDeleted(current.metadata) && current.status?.phase !== 'Deleting' ? { phase: 'Deleting' } : undefined,
  );
  const arn = ctx.settings.PROVISION_STATE_MACHINE_ARN;
  let stoppedExecutions: string[] = [];
  if (arn) {
    const running = await listRunningExecutions(ctx.sfn, arn, `${executionNamePrefix('provision', ref)}-`);
    stoppedExecutions = await stopExecutions(
      ctx.sfn,
      running,
      'InstanceDeleting',
      `${describe(ref)} is being deleted; deprovision execution ${execution} takes over`,
    );
  }
  return { settled: false, waitSeconds: ctx.settings.CANCEL_POLL_SECONDS, stoppedExecutions } satisfies CancelState;
}

/**
 * One look at the latest provision job, asking AAP to cancel it at most once. Cancellation is asynchronous (tasks
 * already dispatched keep running), so the state machine calls this again after a wait until AAP says terminal.
 */
export async function cancelProvision(ctx: WorkflowContext, input: z.infer<typeof CancelInput>): Promise<CancelState> {
  const { ref } = input;
  const access = await ctx.cluster(ref.cluster);
  const instance = await readInstance(access, ref);
  const waitSeconds = ctx.settings.CANCEL_POLL_SECONDS;
  const settled: CancelState = { settled: true, waitSeconds };
  const latest = latestJob(instance.status?.provisioningJobs, 'provision');
  if (!latest || (latest.jobID === '' && isTerminalJobState(latest.state))) return settled;
  if (isLaunchIntent(latest)) {
    // Its job ID arrives with its launcher; a launcher that died is settled by asking AAP (after the TTL).
    await settleStaleIntent(ctx, access, ref, instance, 'provision');
    return {
      settled: false,
      waitSeconds,
      continueAsNew: shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION),
    };
  }
  if (isTerminalJobState(latest.state)) return settled;

  const job: JobRef = { id: Number(latest.jobID), kind: await jobKindFor(ctx, 'provision'), type: 'provision' };
  let seen = await readJob(ctx, job);
  let requestedFor = input.cancel?.requestedFor;
  if (seen !== 'purged' && !seen.terminal && requestedFor !== job.id) {
    const outcome = await ctx.aap.cancelJob(job);
    requestedFor = job.id;
    metrics.addMetric('ProvisionJobCancelRequests', MetricUnit.Count, 1);
    // 405: already terminal, 404: purged; either way read what AAP says now (AAP may answer 202 and cancel later).
    if (outcome !== 'accepted') seen = await readJob(ctx, job);
  }
  const now = ctx.now();
  await writeStatus(access, ref, progressPatch(job, seen, now));
  if (seen === 'purged' || seen.terminal) {
    recordOutcomeMetrics(job, seen, now);
    return settled;
  }
  return {
    settled: false,
    waitSeconds,
    ...(requestedFor === undefined ? {} : { requestedFor }),
    continueAsNew: shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// ContinueAsNewExecution

export async function continueAsNew(ctx: WorkflowContext, input: z.infer<typeof ContinueInput>) {
  const name = continuationName(input.execution);
  const payload = {
    ref: input.ref,
    ...(input.generation === undefined ? {} : { generation: input.generation }),
    ...(input.deletionTimestamp === undefined ? {} : { deletionTimestamp: input.deletionTimestamp }),
  };
  const { executionArn, started } = await startExecution(ctx.sfn, input.stateMachineArn, name, payload);
  return { executionName: name, executionArn, started };
}
