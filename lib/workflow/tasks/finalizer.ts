import { nextAction } from '../../computeinstance';
import type { TaskContext } from '../context';
import { FinalizerStillNeeded } from '../errors';
import type { RefInput } from '../wire';
import { describe, storeRef, translateStoreError } from './common';

// EnsureFinalizer / RemoveFinalizer

export async function ensureFinalizer(ctx: TaskContext, { ref }: RefInput) {
  const access = await ctx.cluster(ref.cluster);
  try {
    const { changed } = await access.store.addFinalizer(storeRef(ref), access.finalizer);
    return { added: changed };
  } catch (err) {
    return translateStoreError(err);
  }
}

/** Only once the fresh object says so (deprovision succeeded, or management-state manual): never on a stale word. */
export async function removeFinalizer(ctx: TaskContext, { ref }: RefInput) {
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
