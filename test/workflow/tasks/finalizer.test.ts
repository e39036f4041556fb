import { COMPUTE_INSTANCE_FINALIZER, jobProgressPatch } from '../../../lib/computeinstance';
import { ensureFinalizer, launch, removeFinalizer } from '../../../lib/workflow/tasks';
import { harness } from './support';

describe('ensureFinalizer', () => {
  it('adds ours once', async () => {
    const h = harness();
    const ref = h.create('vm', { finalizer: false });
    expect(await ensureFinalizer(h.ctx, { ref })).toEqual({ added: true });
    expect(await ensureFinalizer(h.ctx, { ref })).toEqual({ added: false });
    expect((await h.read(ref)).metadata.finalizers).toEqual([COMPUTE_INSTANCE_FINALIZER]);
  });

  it('refuses once deletion began, as InstanceDeleting (the console name for the store Deleting)', async () => {
    const h = harness();
    const ref = h.create('vm', { finalizer: false });
    h.store.touch(ref, (c) => ({ ...c, metadata: { ...c.metadata, finalizers: ['example.com/other'] } }));
    h.deleteInstance(ref);
    await expect(ensureFinalizer(h.ctx, { ref })).rejects.toMatchObject({ name: 'InstanceDeleting' });
  });

  it('a gone instance is InstanceGone', async () => {
    const h = harness();
    const ref = h.create('vm', { finalizer: false });
    await expect(ensureFinalizer(h.ctx, { ref: { ...ref, uid: 'another' } })).rejects.toMatchObject({
      name: 'InstanceGone',
    });
  });
});

describe('removeFinalizer', () => {
  it('removes it once the deprovision succeeded; the object then goes', async () => {
    const h = harness();
    const ref = h.create('vm');
    h.deleteInstance(ref);
    const state = await launch(h.ctx, { ref, type: 'deprovision', execution: 'd' });
    await h.store.updateStatus(ref, jobProgressPatch(state.job, { state: 'Succeeded', status: 'successful' }, h.now()));
    expect(await removeFinalizer(h.ctx, { ref })).toMatchObject({ removed: true });
    expect(await h.store.get(ref)).toBeUndefined();
  });

  it.each([
    ['deletion has not begun', false],
    ['the deprovision has not run', true],
  ])('keeps it while %s: FinalizerStillNeeded, nothing written', async (_label, deleting) => {
    const h = harness();
    const ref = h.create('vm');
    if (deleting) h.deleteInstance(ref);
    await expect(removeFinalizer(h.ctx, { ref })).rejects.toMatchObject({ name: 'FinalizerStillNeeded' });
    expect((await h.read(ref)).metadata.finalizers).toEqual([COMPUTE_INSTANCE_FINALIZER]);
  });

  it('a hand-managed instance: not ours to touch', async () => {
    const h = harness();
    const ref = h.create('vm', { annotations: { 'osac.openshift.io/management-state': 'manual' } });
    expect(await removeFinalizer(h.ctx, { ref })).toMatchObject({ removed: false });
    expect((await h.read(ref)).metadata.finalizers).toEqual([COMPUTE_INSTANCE_FINALIZER]);
  });

  it('an instance already gone: nothing to do', async () => {
    const h = harness();
    const ref = h.create('vm', { finalizer: false });
    h.deleteInstance(ref);
    expect(await removeFinalizer(h.ctx, { ref })).toEqual({ removed: false, reason: 'the instance is already gone' });
  });
});
