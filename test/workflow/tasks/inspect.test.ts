import { TooManyCandidates } from '../../../lib/aap';
import { isLaunchIntent, jobProgressPatch, latestJob, type ProvisioningJob } from '../../../lib/computeinstance';
import type { InstanceRef } from '../../../lib/sfn';
import { inspect, launch } from '../../../lib/workflow/tasks';
import { DEPROVISION, type Harness, harness, PROVISION } from './support';

type Scene = (h: Harness) => Promise<{
  ref: InstanceRef;
  workflow: 'provision' | 'deprovision';
  generation?: number;
  deletionTimestamp?: string;
}>;

const finishJob = async (h: Harness, name: string, status: 'successful' | 'failed') => {
  const ref = h.create(name);
  const poll = await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
  h.aap.setStatus(poll.job.id, status);
  const state = status === 'successful' ? 'Succeeded' : 'Failed';
  await h.store.updateStatus(ref, jobProgressPatch(poll.job, { state, status }, h.now()));
  return ref;
};

describe('inspect: each decision', () => {
  const cases: Array<[string, string, Scene, Record<string, unknown>]> = [
    ['a new instance', 'Trigger', async (h) => ({ ref: h.create('vm'), workflow: 'provision' }), { generation: 1 }],
    [
      'a provision job running',
      'Poll',
      async (h) => {
        const ref = h.create('vm');
        await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
        return { ref, workflow: 'provision' };
      },
      { poll: { job: { kind: 'job', type: 'provision' }, polls: 0 } },
    ],
    [
      'a fresh launch in flight',
      'WaitForLaunch',
      async (h) => {
        const ref = h.create('vm');
        await h.writeIntent(ref);
        return { ref, workflow: 'provision' };
      },
      { reason: expect.stringContaining('is in flight') },
    ],
    [
      'a failed provision job',
      'Backoff',
      async (h) => {
        return { ref: await finishJob(h, 'vm', 'failed'), workflow: 'provision' };
      },
      { waitSeconds: expect.any(Number), reason: 'the last provision job failed' },
    ],
    [
      'the spec applied',
      'Done',
      async (h) => {
        return { ref: await finishJob(h, 'vm', 'successful'), workflow: 'provision' };
      },
      { reason: expect.any(String) },
    ],
    [
      'a deletion with nothing running',
      'Deprovision',
      async (h) => {
        const ref = h.create('vm');
        h.deleteInstance(ref);
        return { ref, workflow: 'deprovision' };
      },
      {},
    ],
    [
      'a deletion whose deprovision succeeded',
      'RemoveFinalizer',
      async (h) => {
        const ref = h.create('vm');
        h.deleteInstance(ref);
        const poll = await launch(h.ctx, { ref, type: 'deprovision', execution: 'd' });
        await h.store.updateStatus(
          ref,
          jobProgressPatch(poll.job, { state: 'Succeeded', status: 'successful' }, h.now()),
        );
        return { ref, workflow: 'deprovision' };
      },
      { reason: expect.any(String) },
    ],
    [
      'an instance managed by hand',
      'Done',
      async (h) => {
        const ref = h.create('vm', { annotations: { 'osac.openshift.io/management-state': 'manual' } });
        return { ref, workflow: 'provision' };
      },
      { reason: expect.stringContaining('manual') },
    ],
    [
      'a provision of an instance being deleted',
      'Done',
      async (h) => {
        const ref = h.create('vm');
        h.deleteInstance(ref);
        return { ref, workflow: 'provision' };
      },
      { reason: 'the instance is being deleted' },
    ],
    [
      'a deprovision of an instance not deleted',
      'Done',
      async (h) => ({ ref: h.create('vm'), workflow: 'deprovision' }),
      {
        reason: 'the instance is not being deleted',
      },
    ],
    [
      'a deprovision for another deletion instant',
      'Done',
      async (h) => {
        const ref = h.create('vm');
        h.deleteInstance(ref);
        return { ref, workflow: 'deprovision', deletionTimestamp: '2026-03-19T00:00:00Z' };
      },
      { reason: expect.stringContaining('serves the deletion of 2026-03-19T00:00:00Z') },
    ],
    [
      'a provision superseded by a newer generation',
      'Done',
      async (h) => {
        const ref = h.create('vm');
        h.store.updateSpec(ref, { cores: 4 });
        return { ref, workflow: 'provision', generation: 1 };
      },
      { reason: 'superseded by generation 2' },
    ],
  ];

  it.each(cases)('%s → %s', async (_label, action, scene, expected) => {
    const h = harness();
    const decision = await inspect(h.ctx, { rounds: 0, ...(await scene(h)) });
    expect(decision).toMatchObject({ action, continueAsNew: false, ...expected });
  });

  it('a gone instance is Done', async () => {
    const h = harness();
    const ref = h.create('vm-gone', { finalizer: false });
    h.deleteInstance(ref);
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'Done',
      reason: 'the instance is gone',
    });
  });

  it('Poll of a workflow job: the kind comes from the template', async () => {
    const h = harness({ templates: [{ name: PROVISION, type: 'workflow_job_template' }, { name: DEPROVISION }] });
    const ref = h.create('vm-wf');
    await launch(h.ctx, { ref, type: 'provision', execution: 'p' });
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'Poll',
      poll: { job: { kind: 'workflow_job' } },
    });
  });

  it.each([
    ['WaitForLaunch', true],
    ['Trigger', false],
  ])('%s with the rounds spent hands over to a fresh execution: %s', async (action, handsOver) => {
    const h = harness({ settings: { POLLS_PER_EXECUTION: '10' } });
    const ref = h.create('vm-rounds');
    if (action === 'WaitForLaunch') await h.writeIntent(ref);
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 10 })).toMatchObject({
      action,
      continueAsNew: handsOver,
    });
  });
});

describe('inspect: a launch intent past its TTL is settled with what AAP holds', () => {
  const TTL_MS = 300_000;

  async function staleIntent(h: Harness, withJob: boolean) {
    const ref = h.create('vm-stale');
    const intentAt = await h.writeIntent(ref);
    if (withJob) {
      // The launcher's POST reached AAP, and the launcher died before recording the id.
      h.advance(2_000);
      await h.aap.launch(PROVISION, { payload: await h.read(ref), cluster: ref.cluster });
    }
    h.advance(TTL_MS + 1_000);
    return { ref, intentAt };
  }

  it('recovered: the job AAP created gets the intent, polled from then on', async () => {
    const h = harness();
    const { ref, intentAt } = await staleIntent(h, true);
    const decision = await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 });
    expect(decision).toMatchObject({ action: 'WaitForLaunch', reason: expect.stringContaining('settled the stale') });
    const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision') as ProvisioningJob;
    expect(entry).toMatchObject({ jobID: String(h.aap.jobs()[0]?.id), timestamp: intentAt });
    expect(h.metric('LaunchIntentsRecovered')).toBe(1);
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({ action: 'Poll' });
  });

  it('abandoned: no job in AAP, the intent becomes a Failed record and the next decision tries again', async () => {
    const h = harness();
    const { ref } = await staleIntent(h, false);
    await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 });
    const entry = latestJob((await h.read(ref)).status?.provisioningJobs, 'provision') as ProvisioningJob;
    expect(entry).toMatchObject({ jobID: '', state: 'Failed' });
    expect(h.metric('LaunchIntentsAbandoned')).toBe(1);
    // The failure counts from the intent, a TTL ago: the first backoff has passed, so the launch is tried again.
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({ action: 'Trigger' });
  });

  it('not yet stale: AAP is not asked, the intent stays', async () => {
    const h = harness();
    const ref = h.create('vm-young');
    await h.writeIntent(ref);
    h.advance(TTL_MS - 1_000);
    const search = jest.spyOn(h.aap, 'findLaunchedJobs');
    await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 });
    expect(search).not.toHaveBeenCalled();
    expect(
      isLaunchIntent(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision') as ProvisioningJob),
    ).toBe(true);
  });

  it('too many candidates to read: the intent stays (nothing may launch), and a warning says why', async () => {
    const h = harness();
    const { ref } = await staleIntent(h, false);
    jest
      .spyOn(h.aap, 'findLaunchedJobs')
      .mockRejectedValue(new TooManyCandidates(PROVISION, '2026-03-20T10:00:00Z', 500, 900, 'v2/jobs/'));
    expect(await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'WaitForLaunch',
      reason: expect.stringContaining('in flight'),
    });
    expect(h.warnings).toEqual(['stale launch intent not settled: too many candidate jobs']);
    expect(
      isLaunchIntent(latestJob((await h.read(ref)).status?.provisioningJobs, 'provision') as ProvisioningJob),
    ).toBe(true);
  });
});
