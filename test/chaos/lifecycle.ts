import { setTimeout as sleep } from 'node:timers/promises';
import { type ClusterUser, ClusterUserError } from './cluster-user';
import type { Observer } from './observer';
import type { LifecyclePlan, Moment } from './plan';

/** What happened when a plan was played: the object's uid, whether its deletion was asked, what never came. */
export interface LifecycleOutcome {
  plan: LifecyclePlan;
  uid: string | undefined;
  deleteRequested: boolean;
  /** Simulated epoch ms of the first delete request. */
  deleteRequestedAtMs?: number;
  /** Awaited moments that did not come within their timeout (the lifecycle went on regardless). */
  missedMoments: Moment[];
  /** The user could not do a step even with retries: a harness problem, reported apart from the invariants. */
  error?: string;
}

export interface LifecycleContext {
  user: ClusterUser;
  observer: Observer;
  now(): Date;
  /** Real milliseconds per simulated second / 1000. */
  timeScale: number;
  /** Simulated ms since the run started. */
  elapsedMs(): number;
}

/** How often an await looks again (real ms): the observer's reads are cheap and shared. */
const AWAIT_POLL_MS = 20;

function simSleep(ctx: LifecycleContext, seconds: number): Promise<void> {
  return sleep(seconds * 1000 * ctx.timeScale);
}

async function awaitMoment(
  ctx: LifecycleContext,
  moment: Moment,
  name: string,
  uid: string,
  timeoutSeconds: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000 * ctx.timeScale;
  for (;;) {
    if (ctx.observer.reached(moment, name, uid)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(AWAIT_POLL_MS);
  }
}

export async function playLifecycle(plan: LifecyclePlan, ctx: LifecycleContext): Promise<LifecycleOutcome> {
  const outcome: LifecycleOutcome = { plan, uid: undefined, deleteRequested: false, missedMoments: [] };
  const wait = plan.startAfterSeconds * 1000 - ctx.elapsedMs();
  if (wait > 0) await simSleep(ctx, wait / 1000);
  const { user } = ctx;
  try {
    const { uid } = await user.create(plan.name, { runStrategy: plan.runStrategy, groups: plan.groups });
    outcome.uid = uid;
    for (const step of plan.steps) {
      switch (step.kind) {
        case 'pause':
          await simSleep(ctx, step.seconds);
          break;
        case 'await':
          if (!(await awaitMoment(ctx, step.moment, plan.name, uid, step.timeoutSeconds))) {
            outcome.missedMoments.push(step.moment);
          }
          break;
        case 'set-run-strategy':
          await user.setRunStrategy(plan.name, step.runStrategy);
          break;
        case 'set-security-groups':
          await user.setSecurityGroups(plan.name, step.groups);
          break;
        case 'restart':
          await user.restart(plan.name, ctx.now());
          break;
        case 'delete':
          // Asked, whatever the answer: a 404 means it went already, which is what deletion wants.
          outcome.deleteRequested = true;
          outcome.deleteRequestedAtMs ??= ctx.now().getTime();
          await user.delete(plan.name);
          break;
      }
    }
  } catch (error) {
    if (!(error instanceof ClusterUserError)) throw error;
    outcome.error = error.message;
  }
  return outcome;
}
