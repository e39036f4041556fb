import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  NAMESPACE,
  sfnClient,
  startDeprovision,
  startProvision,
  strandLaunchIntent,
  waitForStatus,
  waitUntilGone,
} from '../e2e/harness';

/**
 * Minimal, deterministic reproductions of what the chaos runs found (no rates, no seeds: each builds the exact
 * state the chaos run reached). They state the behaviour the product promises, so they FAIL until it is fixed.
 *
 * Stale launch intents on a busy AAP (first seen with `npx tsx bench/chaos.ts --seed big2 --lifecycles 200`:
 * ck-99 stuck deleting, 37 executions FAILED with TooManyCandidates). A launch intent older than
 * LAUNCH_INTENT_TTL_SECONDS is settled by asking AAP for the jobs the create template got since the intent (less a
 * minute); `findLaunchedJobs` refuses with TooManyCandidates when there are more than 50, and the window has no
 * upper end, so on an AAP that launched 50 create jobs since then every attempt fails, for ever.
 */

const CREATE_TEMPLATE = 'osac-create-compute-instance';
/** More create jobs of other instances since the intent than findLaunchedJobs reads (50). */
const BUSY = 60;

describe('chaos regressions: a stale launch intent on a busy AAP', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
      templates: [{ name: CREATE_TEMPLATE, effect: 'create-vm', durations: { pending: 2, waiting: 2, running: 900 } }],
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function api(url: string, method: string, body: unknown, token: string, contentType = 'application/json') {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  }

  async function launchCreateJob(payload: unknown): Promise<number> {
    const aap = `${stack.aap.url}/api/v2`;
    const found = await api(`${aap}/job_templates/?name=${CREATE_TEMPLATE}`, 'GET', undefined, stack.aap.token);
    const templateId = (found.results as Array<{ id: number }>)[0]?.id;
    const job = await api(
      `${aap}/job_templates/${templateId}/launch/`,
      'POST',
      { extra_vars: { ansible_eda: { event: { payload } } } },
      stack.aap.token,
    );
    return job.id as number;
  }

  /**
   * What a launch whose answer never came back leaves: our finalizer and a provision intent older than the TTL.
   * `jobCreated`: the POST reached AAP (the answer was lost on the way back); otherwise it never got there.
   * Then the other instances of a busy cluster launch their create jobs.
   */
  async function strandOnBusyAap(name: string, jobCreated: boolean) {
    // A lost POST reached AAP right after its intent was written; one that never got there left only an old intent.
    const created = await strandLaunchIntent(stack, cluster, name, jobCreated ? 0 : 400);
    const lost = jobCreated ? await launchCreateJob(created) : undefined;
    for (let i = 0; i < BUSY; i++) {
      await launchCreateJob({
        metadata: { name: `${name}-other-${i}`, namespace: NAMESPACE, uid: `${name}-uid-${i}` },
      });
    }
    return { created, lost };
  }

  it('the launch never reached AAP: the intent is given up and the instance is provisioned', async () => {
    const { created } = await strandOnBusyAap('vm-busy-provision', false);
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    const execution = await stack.sfn.settled(executionArn);
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    await waitForStatus(
      cluster,
      'vm-busy-provision',
      (i) => i.status?.provisioningJobs?.at(-1)?.state === 'Succeeded',
      'the provision job to succeed',
    );
  }, 60_000);

  it('the job was created but its answer lost: deletion finds it, cancels it, then deprovisions', async () => {
    const { created, lost } = await strandOnBusyAap('vm-busy-delete', true);
    await cluster.delete('vm-busy-delete');
    const deleting = await cluster.get('vm-busy-delete');
    const { executionArn } = await startDeprovision(stack, sfnClient(stack), deleting ?? created);
    const execution = await stack.sfn.settled(executionArn);
    expect({ status: execution.status, error: execution.error }).toEqual({ status: 'SUCCEEDED', error: undefined });
    await waitUntilGone(cluster, 'vm-busy-delete');
    expect(aapJobsFor(stack, 'vm-busy-delete').provision.map((job) => [job.id, job.status])).toEqual([
      [lost, 'canceled'],
    ]);
    expect(deletionInvariants(stack, 'vm-busy-delete')).toMatchObject({
      violations: [],
      vmsLeft: 0,
      deprovisionJobs: 1,
    });
  }, 60_000);
});
