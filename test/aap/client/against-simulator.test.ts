import { setTimeout as delay } from 'node:timers/promises';
import {
  AapClient,
  type AapJob,
  type AapJobRef,
  LaunchRejected,
  TemplateNotFound,
  Transient,
  Unauthorized,
  VariablesIgnored,
} from '../../../lib/aap';
import { type AapSimulator, startAapSimulator } from '../../../local/aap-simulator';
import { API_PREFIXES, type ApiPrefix } from '../../support/aap-fixtures';
import { caught, recordingLogger } from './harness';

/**
 * End to end against the AAP simulator (local/aap-simulator): the same client, a controller that keeps state.
 * timeScale 0.01 turns the default 22 s job into about 0.2 s.
 */
let sim: AapSimulator;
beforeAll(async () => {
  sim = await startAapSimulator({
    timeScale: 0.01,
    templates: [
      { name: 'sim-long-job', durations: { running: 600 } },
      { name: 'sim-release-pipeline', kind: 'workflow' },
      {
        name: 'sim-broken',
        outcome: 'error',
        traceback: 'Traceback (most recent call last):\nRuntimeError: pod failed',
      },
      { name: 'sim-no-prompt', askVariablesOnLaunch: false },
      { name: 'sim-no-prompt-workflow', kind: 'workflow', askVariablesOnLaunch: false },
    ],
  });
});
afterEach(() => sim.reset());
afterAll(() => sim.close());

const clients: AapClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

function clientFor(prefix: ApiPrefix, options: { token?: string; maxRetries?: number } = {}) {
  const logger = recordingLogger();
  const client = new AapClient(
    { baseUrl: `${sim.url}${prefix}`, token: options.token ?? sim.token, maxRetries: options.maxRetries, logger },
    { sleep: () => Promise.resolve() },
  );
  clients.push(client);
  return { client, logger };
}

const payload = {
  apiVersion: 'osac.openshift.io/v1alpha1',
  kind: 'ComputeInstance',
  metadata: { name: 'vm-e2e', namespace: 'tenant-a' },
  // The February playbooks read templateID to pick the role to run: without it the simulated job fails.
  spec: { templateID: 'osac.templates.ocp_virt_vm', cores: 2, memoryGiB: 4 },
};

/** Polls the job until `done` holds: what the Step Functions Wait loop does, compressed. */
async function waitForJob(
  client: AapClient,
  ref: AapJobRef,
  done: (job: AapJob) => boolean,
  timeoutMs = 10_000,
): Promise<AapJob> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await client.getJob(ref);
    if (done(job)) return job;
    if (Date.now() > deadline) throw new Error(`job ${ref.id} still ${job.status} after ${timeoutMs} ms`);
    await delay(10);
  }
}

const untilTerminal = (client: AapClient, ref: AapJobRef) => waitForJob(client, ref, (job) => job.terminal);

describe.each(API_PREFIXES)('against the AAP simulator under %s', (prefix) => {
  it('launches a job template and polls it to Succeeded, with our variables on the job', async () => {
    const { client } = clientFor(prefix);

    const launched = await client.launch('osac-create-compute-instance', {
      payload,
      tenantStorageClasses: [{ name: 'fast', tier: 'gold' }],
    });
    expect(launched).toMatchObject({ kind: 'job' });

    const job = await untilTerminal(client, { id: launched.jobId, kind: 'job' });

    expect(job).toMatchObject({ state: 'Succeeded', status: 'successful', failed: false, terminal: true });
    expect(job.started).not.toBeNull();
    expect(job.finished).not.toBeNull();
    expect(job.extraVars()).toMatchObject({
      osac_job_vars: { resource: payload, tenant_storage_classes: [{ name: 'fast', tier: 'gold' }] },
      ansible_eda: { event: { payload, tenant_storage_classes: [{ name: 'fast', tier: 'gold' }] } },
    });
    const batch = await client.getJobs([launched.jobId, 999_999]);
    expect([...batch.keys()]).toEqual([launched.jobId]);
    expect(batch.get(launched.jobId)?.state).toBe('Succeeded');
  });

  it('launches a workflow job template and polls the workflow job to Succeeded', async () => {
    const { client } = clientFor(prefix);

    const launched = await client.launch('sim-release-pipeline', { payload });
    expect(launched.kind).toBe('workflow_job');

    await expect(untilTerminal(client, { id: launched.jobId, kind: 'workflow_job' })).resolves.toMatchObject({
      kind: 'workflow_job',
      state: 'Succeeded',
    });
  });

  it('cancels a running job, sees it Canceled, and then finds it no longer cancelable', async () => {
    const { client } = clientFor(prefix);
    const { jobId } = await client.launch('sim-long-job', { payload });
    const ref = { id: jobId, kind: 'job' } as const;
    await waitForJob(client, ref, (job) => job.state === 'Running');
    await expect(client.canCancel(ref)).resolves.toBe(true);

    await expect(client.cancelJob(ref)).resolves.toBe('accepted');
    const job = await untilTerminal(client, ref);

    expect(job).toMatchObject({ state: 'Canceled', failed: true });
    await expect(client.canCancel(ref)).resolves.toBe(false);
    await expect(client.cancelJob(ref)).resolves.toBe('not-cancelable');
  });

  it('reports a job that ended in error as Failed with its traceback', async () => {
    const { client } = clientFor(prefix);
    const { jobId } = await client.launch('sim-broken', { payload });

    const job = await untilTerminal(client, { id: jobId, kind: 'job' });

    expect(job.state).toBe('Failed');
    expect(job.errorDetail).toContain('RuntimeError: pod failed');
  });

  it('surfaces variables a job template ignores, and a workflow template rejects', async () => {
    const { client } = clientFor(prefix);

    const ignored = await caught(() => client.launch('sim-no-prompt', { payload }));
    expect(ignored).toBeInstanceOf(VariablesIgnored);
    expect(sim.world.jobs().map((job) => job.id)).toContain((ignored as VariablesIgnored).jobId);

    const rejected = await caught(() => client.launch('sim-no-prompt-workflow', { payload }));
    expect(rejected).toBeInstanceOf(LaunchRejected);
    expect(rejected.message).toContain('extra_vars');
  });

  it('names a template the controller does not have', async () => {
    const { client } = clientFor(prefix);

    await expect(client.findTemplate('no-such-template')).rejects.toBeInstanceOf(TemplateNotFound);
  });

  it('is refused with a wrong token', async () => {
    const { client } = clientFor(prefix, { token: 'not-the-simulator-token' });

    await expect(client.findTemplate('osac-create-compute-instance')).rejects.toBeInstanceOf(Unauthorized);
  });
});

describe('against the AAP simulator with faults', () => {
  it('rides out throttling on reads', async () => {
    const { client, logger } = clientFor('/api/controller');
    await client.findTemplate('osac-create-compute-instance');
    sim.setFaults({ rateLimit: { everyNth: 2, retryAfterSeconds: 0 } });

    await expect(client.getJobs([1, 2, 3])).resolves.toBeInstanceOf(Map);
    await expect(client.getJobs([4])).resolves.toBeInstanceOf(Map);

    expect(logger.lines.some((line) => line.level === 'warn' && line.attributes?.status === 429)).toBe(true);
  });

  it('reports a launch whose 201 was lost as outcome unknown, and the job does exist', async () => {
    const { client } = clientFor('/api');
    await client.findTemplate('osac-create-compute-instance');
    sim.setFaults({ dropRate: 1, dropMode: 'after-handling' });

    const error = await caught(() => client.launch('osac-create-compute-instance', { payload }));

    expect(error).toBeInstanceOf(Transient);
    expect(error).toMatchObject({ launchOutcomeUnknown: true });
    expect(sim.world.jobs()).toHaveLength(1);
  });
});
