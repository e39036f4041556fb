import type { RunStrategy } from '../../lib/computeinstance';
import type { Prng } from './prng';

/**
 * One randomized lifecycle as data: what a user does to one ComputeInstance and when. Pure, so a seed always
 * plans the same lifecycles and a plan can be printed, compared and tested without a stack.
 */

/** Moments a lifecycle waits for, judged from what AAP and the API server hold for this instance. */
export type Moment =
  /** A provision launch intent (or a job) is on the status: the workflow is about to launch or has. */
  | 'launch-in-flight'
  /** AAP runs a provision job for this object. */
  | 'job-running'
  /** The current spec is applied (latest provision job succeeded for it). */
  | 'provisioned'
  /** AAP was asked to cancel this object's provision job and has not finished doing so. */
  | 'cancel-in-flight';

export const SECURITY_GROUPS = ['sg-web', 'sg-db', 'sg-ssh', 'sg-admin'] as const;

export type Step =
  | { kind: 'pause'; seconds: number }
  | { kind: 'await'; moment: Moment; timeoutSeconds: number }
  | { kind: 'set-run-strategy'; runStrategy: RunStrategy }
  | { kind: 'set-security-groups'; groups: string[] }
  | { kind: 'restart' }
  | { kind: 'delete' };

export interface LifecyclePlan {
  index: number;
  name: string;
  /** Simulated seconds after the run starts. */
  startAfterSeconds: number;
  runStrategy: RunStrategy;
  groups: string[];
  steps: Step[];
  /** Where the deletion falls, for the summary; undefined: the instance lives on. */
  deleteMoment: DeleteMoment | undefined;
}

export type DeleteMoment =
  | 'at-once'
  | 'while-launching'
  | 'while-job-runs'
  | 'during-cancel'
  | 'after-provisioned'
  | 'after-pause';

const DELETE_MOMENTS: readonly DeleteMoment[] = [
  'at-once',
  'while-launching',
  'while-job-runs',
  'during-cancel',
  'after-provisioned',
  'after-pause',
];

export interface PlanSettings {
  /** Share of lifecycles that end deleted; the rest must end converged on their last spec. */
  deleteShare: number;
  spreadSeconds: number;
  /** How long an `await` may wait for its moment before the lifecycle carries on regardless. */
  awaitTimeoutSeconds: number;
}

export const DEFAULT_PLAN_SETTINGS: PlanSettings = { deleteShare: 0.7, spreadSeconds: 300, awaitTimeoutSeconds: 600 };

function specChange(prng: Prng, current: { runStrategy: RunStrategy; groups: string[] }): Step {
  switch (prng.pick(['run-strategy', 'groups', 'restart'] as const)) {
    case 'run-strategy': {
      current.runStrategy = current.runStrategy === 'Always' ? 'Halted' : 'Always';
      return { kind: 'set-run-strategy', runStrategy: current.runStrategy };
    }
    case 'groups': {
      let groups = prng.subset(SECURITY_GROUPS);
      // Always a change: the same list again would be no new generation and so no new work.
      if (groups.join() === current.groups.join()) groups = groups.length > 0 ? groups.slice(1) : ['sg-web'];
      current.groups = groups;
      return { kind: 'set-security-groups', groups };
    }
    case 'restart':
      return { kind: 'restart' };
  }
}

function lead(prng: Prng, timeoutSeconds: number): Step {
  switch (prng.pick(['pause', 'job-running', 'provisioned', 'launch-in-flight'] as const)) {
    case 'pause':
      return { kind: 'pause', seconds: prng.int(0, 120) };
    case 'job-running':
      return { kind: 'await', moment: 'job-running', timeoutSeconds };
    case 'provisioned':
      return { kind: 'await', moment: 'provisioned', timeoutSeconds };
    case 'launch-in-flight':
      return { kind: 'await', moment: 'launch-in-flight', timeoutSeconds };
  }
}

function deletionSteps(prng: Prng, moment: DeleteMoment, timeoutSeconds: number, current: SpecState): Step[] {
  const remove: Step = { kind: 'delete' };
  switch (moment) {
    case 'at-once':
      return [remove];
    case 'while-launching':
      return [{ kind: 'await', moment: 'launch-in-flight', timeoutSeconds }, remove];
    case 'while-job-runs':
      return [
        { kind: 'await', moment: 'job-running', timeoutSeconds },
        { kind: 'pause', seconds: prng.int(0, 30) },
        remove,
      ];
    case 'during-cancel':
      // While AAP works on the cancel: the user edits the spec and deletes again (a second DELETE is a no-op, but
      // both come back as watch events that reach the webhook).
      return [
        { kind: 'await', moment: 'job-running', timeoutSeconds },
        remove,
        { kind: 'await', moment: 'cancel-in-flight', timeoutSeconds },
        specChange(prng, current),
        remove,
      ];
    case 'after-provisioned':
      return [{ kind: 'await', moment: 'provisioned', timeoutSeconds }, remove];
    case 'after-pause':
      return [{ kind: 'pause', seconds: prng.int(1, 240) }, remove];
  }
}

interface SpecState {
  runStrategy: RunStrategy;
  groups: string[];
}

/** `ck-<index>`: unique within a run (each run has its own API server), short enough for execution names. */
export function lifecycleName(index: number): string {
  return `ck-${index}`;
}

export function planLifecycle(
  prng: Prng,
  index: number,
  settings: PlanSettings = DEFAULT_PLAN_SETTINGS,
): LifecyclePlan {
  const initial: SpecState = {
    runStrategy: prng.pick(['Always', 'Halted'] as const),
    groups: prng.subset(SECURITY_GROUPS),
  };
  const current: SpecState = { runStrategy: initial.runStrategy, groups: [...initial.groups] };
  const steps: Step[] = [];
  const changes = prng.int(0, 3);
  for (let i = 0; i < changes; i++) {
    steps.push(lead(prng, settings.awaitTimeoutSeconds), specChange(prng, current));
  }
  const deleteMoment = prng.chance(settings.deleteShare) ? prng.pick(DELETE_MOMENTS) : undefined;
  if (deleteMoment !== undefined) {
    steps.push(...deletionSteps(prng, deleteMoment, settings.awaitTimeoutSeconds, current));
    // Sometimes the user keeps editing while the deletion runs: new generations of an object being deleted.
    if (prng.chance(0.2)) steps.push({ kind: 'pause', seconds: prng.int(0, 60) }, specChange(prng, current));
  }
  return {
    index,
    name: lifecycleName(index),
    startAfterSeconds: prng.int(0, Math.floor(settings.spreadSeconds)),
    runStrategy: initial.runStrategy,
    groups: initial.groups,
    steps,
    deleteMoment,
  };
}

/** Every lifecycle of a run, each from its own fork of the seed: adding lifecycles never changes earlier ones. */
export function planLifecycles(prng: Prng, count: number, settings: PlanSettings = DEFAULT_PLAN_SETTINGS) {
  return Array.from({ length: count }, (_, index) => planLifecycle(prng.fork(`lifecycle-${index}`), index, settings));
}

/** One line per step, for a failing lifecycle's report. */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'pause':
      return `pause ${step.seconds}s`;
    case 'await':
      return `await ${step.moment}`;
    case 'set-run-strategy':
      return `runStrategy=${step.runStrategy}`;
    case 'set-security-groups':
      return `securityGroupRefs=[${step.groups.join(',')}]`;
    case 'restart':
      return 'restart';
    case 'delete':
      return 'delete';
  }
}
