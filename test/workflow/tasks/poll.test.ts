import { latestJob, PURGED_MESSAGE } from '../../../lib/computeinstance';
import { launch, poll } from '../../../lib/workflow/tasks';
import { type Harness, harness } from './support';

async function launched(h: Harness, type: 'provision' | 'deprovision' = 'provision') {
  const ref = h.create(`vm-${type}`);
  if (type === 'deprovision') h.deleteInstance(ref);
  return { ref, state: await launch(h.ctx, { ref, type, execution: 'e' }) };
}

describe('poll', () => {
  it.each([
    // AAP status, what the status entry says, terminal, configApplied, outcome metric
    ['running', 'Running', false, false, undefined],
    ['successful', 'Succeeded', true, true, 'ProvisionJobsSucceeded'],
    ['failed', 'Failed', true, false, 'ProvisionJobsFailed'],
    ['canceled', 'Canceled', true, false, 'ProvisionJobsCanceled'],
  ] as const)('AAP says %s → %s on the object', async (status, state, terminal, configApplied, metric) => {
    const h = harness();
    const { ref, state: pollState } = await launched(h);
    h.advance(30_000);
    h.aap.setStatus(pollState.job.id, status, {
      explanation: status === 'failed' ? 'Job terminated due to error' : '',
    });
    const result = await poll(h.ctx, { ref, poll: pollState });
    expect(result).toMatchObject({ state, terminal, configApplied, polls: 1, continueAsNew: false });
    const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision');
    expect(entry?.state).toBe(state);
    if (status === 'failed') expect(entry?.message).toContain('Job terminated due to error');
    if (metric) expect(h.metric(metric)).toBe(1);
    else expect(h.metrics.map((m) => m.name)).toEqual(['ProvisionJobsLaunched']);
    if (terminal) expect(h.metric('DetectionLag')).toBe(0);
  });

  it('a purged job is over, its outcome unknown: Failed, said so on the object, counted as Purged', async () => {
    const h = harness();
    const { ref, state } = await launched(h);
    h.aap.purge(state.job.id);
    expect(await poll(h.ctx, { ref, poll: state })).toMatchObject({ state: 'Failed', terminal: true });
    expect(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision')?.message).toContain(PURGED_MESSAGE);
    expect(h.metric('ProvisionJobsPurged')).toBe(1);
  });

  it('a deprovision that succeeded applies no config', async () => {
    const h = harness();
    const { ref, state } = await launched(h, 'deprovision');
    h.aap.setStatus(state.job.id, 'successful');
    expect(await poll(h.ctx, { ref, poll: state })).toMatchObject({
      state: 'Succeeded',
      terminal: true,
      configApplied: false,
    });
    expect(h.metric('DeprovisionJobsSucceeded')).toBe(1);
  });

  it('a success for an older spec is not the current one applied', async () => {
    const h = harness();
    const { ref, state } = await launched(h);
    h.store.updateSpec(ref, { cores: 8 });
    h.aap.setStatus(state.job.id, 'successful');
    expect(await poll(h.ctx, { ref, poll: state })).toMatchObject({ state: 'Succeeded', configApplied: false });
  });

  it.each([
    ['rounds spent, job running', { rounds: 10 }, 'running', true],
    ['rounds left', { rounds: 9 }, 'running', false],
    ['polls counted when no rounds are passed', {}, 'running', true],
    ['rounds spent, but the job ended', { rounds: 10 }, 'successful', false],
  ] as const)('continueAsNew: %s', async (_label, extra, status, handsOver) => {
    const h = harness({ settings: { POLLS_PER_EXECUTION: '10' } });
    const { ref, state } = await launched(h);
    h.aap.setStatus(state.job.id, status);
    const result = await poll(h.ctx, { ref, poll: { ...state, polls: 9 }, ...extra });
    expect(result.continueAsNew).toBe(handsOver);
  });

  it('the wait grows with the time since the launch', async () => {
    const h = harness();
    const { ref, state } = await launched(h);
    h.aap.setStatus(state.job.id, 'running');
    h.advance(3_600_000);
    const result = await poll(h.ctx, { ref, poll: state });
    expect(result.waitSeconds).toBeGreaterThan(state.waitSeconds);
  });

  it('a gone instance is InstanceGone, a named error the state machine catches', async () => {
    const h = harness();
    const { ref, state } = await launched(h);
    await expect(poll(h.ctx, { ref: { ...ref, uid: 'another' }, poll: state })).rejects.toMatchObject({
      name: 'InstanceGone',
    });
  });
});
