import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  sfnClient,
  startDeprovision,
  startProvision,
  strandLaunchIntent,
  waitUntilGone,
} from './harness';

/**
 * A launcher that died between writing its launch intent and recording the job ID leaves an intent nobody will
 * resolve. After the TTL the workflows ask AAP what happened, instead of waiting forever or guessing.
 */
describe('launch intents whose launcher never came back', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 2, waiting: 2, running: 900 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function request(url: string, method: string, body: unknown, contentType: string, token: string) {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<Record<string, unknown>>;
  }

  it('no job in AAP: the intent becomes a failed launch and provisioning goes ahead', async () => {
    const created = await strandLaunchIntent(stack, cluster, 'vm-lost-launch', 600);
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    const instance = await cluster.get('vm-lost-launch');
    const jobs = instance?.status?.provisioningJobs ?? [];
    expect(jobs.map((j) => [j.jobID === '' ? 'intent' : 'job', j.state])).toEqual([
      ['intent', 'Failed'],
      ['job', 'Succeeded'],
    ]);
    expect(jobs[0]?.message).toMatch(/AAP holds no job for it/);
    expect(aapJobsFor(stack, 'vm-lost-launch').provision).toHaveLength(1);
  });

  it('a job AAP did create is found, cancelled and waited for before the deprovision', async () => {
    // The lost POST reached AAP right after its intent was written (a launch cannot reach AAP later than its
    // launcher's invocation); the intent goes stale while the deletion waits on it, then AAP is asked.
    const created = await strandLaunchIntent(stack, cluster, 'vm-orphan-job', 0);
    // The dead launcher's POST reached AAP: a create job for this instance is running, unrecorded.
    const templates = await request(
      `${stack.aap.url}/api/v2/job_templates/?name=osac-create-compute-instance`,
      'GET',
      undefined,
      'application/json',
      stack.aap.token,
    );
    const templateId = (templates.results as Array<{ id: number }>)[0]?.id;
    await request(
      `${stack.aap.url}/api/v2/job_templates/${templateId}/launch/`,
      'POST',
      { extra_vars: { ansible_eda: { event: { payload: created } } } },
      'application/json',
      stack.aap.token,
    );

    await cluster.delete('vm-orphan-job');
    const current = await cluster.get('vm-orphan-job');
    const { executionArn } = await startDeprovision(stack, sfnClient(stack), current ?? created);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, 'vm-orphan-job');
    const outcome = deletionInvariants(stack, 'vm-orphan-job');
    expect(outcome).toEqual({
      provisionJobs: 1,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });
    expect(aapJobsFor(stack, 'vm-orphan-job').provision[0]?.status).toBe('canceled');
  });
});
