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

  it.each([
    // seconds since the cancel was requested → wait before the next look (the job poll schedule: 5 s to 5 min)
    [0, 5],
    [30, 5],
    [60, 6],
    [600, 60],
    [3000, 300],
    [360_000, 300],
  ])('%p s after the cancel request the next look is %p s away', async (elapsed, expected) => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    const first = await cancelProvision(h.ctx, { ref, rounds: 0 });
    expect(first).toMatchObject({ requestedFor: id, requestedAt: h.now().toISOString(), waitSeconds: 5 });
    h.advance(elapsed * 1000);
    const later = await cancelProvision(h.ctx, { ref, cancel: first, rounds: 1 });
    // The request time is carried, not renewed: the wait keeps growing and the cancel is not asked again.
    expect(later).toMatchObject({ settled: false, requestedAt: first.requestedAt, waitSeconds: expected });
    expect(h.aap.cancels).toEqual([id]);
  });

  it('a cancel state without its request time (an execution from before) starts the schedule again', async () => {
    const h = harness();
    const { ref, id } = await deletedWhileRunning(h);
    await cancelProvision(h.ctx, { ref, rounds: 0 });
    h.advance(3_600_000);
    const later = await cancelProvision(h.ctx, { ref, cancel: { requestedFor: id }, rounds: 1 });
    expect(later).toMatchObject({ settled: false, requestedFor: id, waitSeconds: 5 });
    expect(later.requestedAt).toBeUndefined();
  });

  it('a job hung for 100 hours costs about 1,200 looks, not 72,000', async () => {
    const h = harness({ settings: { POLLS_PER_EXECUTION: '1000000' } });
    const { ref } = await deletedWhileRunning(h);
    const hang = 100 * 3600;
    let state = await cancelProvision(h.ctx, { ref, rounds: 0 });
    let waited = 0;
    let rounds = 1;
    while (waited < hang) {
      h.advance(state.waitSeconds * 1000);
      waited += state.waitSeconds;
      state = await cancelProvision(h.ctx, { ref, cancel: state, rounds });
      rounds += 1;
    }
    expect(state.settled).toBe(false);
    expect(rounds).toBeLessThan(1_500);
    expect(h.aap.cancels).toHaveLength(1);
  });

  it('a gone instance is InstanceGone', async () => {
    const h = harness();
    const { ref } = await deletedWhileRunning(h);
    await expect(cancelProvision(h.ctx, { ref: { ...ref, uid: 'x' }, rounds: 0 })).rejects.toMatchObject({
      name: 'InstanceGone',
    });
  });
});
