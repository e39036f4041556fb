import { latestJob, PURGED_MESSAGE } from '../../../lib/computeinstance';
import { cancelProvision, launch } from '../../../lib/workflow/tasks';
import { type Harness, harness } from './support';

async function deletedWhileRunning(h: Harness) {
  const ref = h.create('vm-cancel');
  const state = await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
  h.aap.setStatus(state.job.id, 'running');
  h.deleteInstance(ref);
  return { ref, id: state.job.id };
}

describe('cancelProvision', () => {
  it('no provision job: settled at once, AAP not asked', async () => {
    const h = harness();
    const ref = h.create('vm-none');
    h.deleteInstance(ref);
    expect(await cancelProvision(h.ctx, { ref, rounds: 0 })).toEqual({ settled: true, waitSeconds: 5 });
    expect(h.aap.cancels).toEqual([]);
  });

  it('202: cancel asked once, waited on until AAP says terminal, then settled', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    const first = await cancelProvision(h.ctx, { ref, rounds: 0 });
    expect(first).toMatchObject({ settled: false, requestedFor: id, continueAsNew: false });
    expect(h.aap.job(id).cancelRequested).toBe(true);
    const again = await cancelProvision(h.ctx, { ref, cancel: first, rounds: 1 });
    expect(again).toMatchObject({ settled: false, requestedFor: id });
    expect(h.aap.cancels).toEqual([id]);
    expect(h.metric('ProvisionJobCancelRequests')).toBe(1);
    h.aap.setStatus(id, 'canceled');
    expect(await cancelProvision(h.ctx, { ref, cancel: again, rounds: 2 })).toMatchObject({ settled: true });
    expect(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision')?.state).toBe('Canceled');
    expect(h.metric('ProvisionJobsCanceled')).toBe(1);
  });

  it('405: the job ended before the cancel; what AAP says now goes on the object, settled', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    // AAP finishes the job between our read and our cancel request.
    const read = h.aap.getJob.bind(h.aap);
    jest.spyOn(h.aap, 'getJob').mockImplementationOnce(async (job) => {
      const seen = await read(job);
      h.aap.setStatus(id, 'successful');
      return seen;
    });
    const cancel = jest.spyOn(h.aap, 'cancelJob');
    expect(await cancelProvision(h.ctx, { ref, rounds: 0 })).toMatchObject({ settled: true });
    await expect(cancel.mock.results[0]?.value).resolves.toBe('not-cancelable');
    expect(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision')?.state).toBe('Succeeded');
  });

  it('404: the job was purged; settled, its outcome unknown on the object', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    h.aap.purge(id);
    expect(await cancelProvision(h.ctx, { ref, rounds: 0 })).toMatchObject({ settled: true });
    expect(h.aap.cancels).toEqual([]);
    const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision');
    expect(entry).toMatchObject({ state: 'Failed', message: expect.stringContaining(PURGED_MESSAGE) });
    expect(h.metric('ProvisionJobsPurged')).toBe(1);
  });

  it('a purge between the read and the cancel (404 → gone): read again, settled', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    const read = h.aap.getJob.bind(h.aap);
    jest.spyOn(h.aap, 'getJob').mockImplementationOnce(async (job) => {
      const seen = await read(job);
      h.aap.purge(id);
      return seen;
    });
    expect(await cancelProvision(h.ctx, { ref, rounds: 0 })).toMatchObject({ settled: true });
    expect(h.aap.cancels).toEqual([id]);
  });

  it('a provision launch in flight: waited on (no id to cancel yet), then settled once it is stale and abandoned', async () => {
    const h = harness();
    const ref = h.create('vm-inflight');
    await h.writeIntent(ref);
    h.deleteInstance(ref);
    expect(await cancelProvision(h.ctx, { ref, rounds: 0 })).toMatchObject({ settled: false, continueAsNew: false });
    h.advance(301_000);
    expect(await cancelProvision(h.ctx, { ref, rounds: 1 })).toMatchObject({ settled: false });
    expect(h.metric('LaunchIntentsAbandoned')).toBe(1);
    expect(await cancelProvision(h.ctx, { ref, rounds: 2 })).toMatchObject({ settled: true });
  });

  it('a provision job that already ended: settled', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    h.aap.setStatus(id, 'successful');
    await cancelProvision(h.ctx, { ref, rounds: 0 });
    expect(await cancelProvision(h.ctx, { ref, rounds: 1 })).toEqual({ settled: true, waitSeconds: 5 });
  });

  it('still waiting with the rounds spent: hands over to a fresh execution', async () => {
    const h = harness({ settings: { POLLS_PER_EXECUTION: '3' } });
    const { ref } = await deletedWhileRunning(h);
    expect(await cancelProvision(h.ctx, { ref, rounds: 3 })).toMatchObject({ settled: false, continueAsNew: true });
  });

  it('a gone instance is InstanceGone', async () => {
    const h = harness();
    const { ref } = await deletedWhileRunning(h);
    await expect(cancelProvision(h.ctx, { ref: { ...ref, uid: 'x' }, rounds: 0 })).rejects.toMatchObject({
      name: 'InstanceGone',
    });
  });
});
