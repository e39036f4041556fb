import type { AapClient } from '../../lib/aap';
import { isLaunchIntent } from '../../lib/computeinstance';
import { loadSettings } from '../../lib/config/settings';
import { createWorkflowContext, type WorkflowContext } from '../../lib/workflow/context';
import { inspect, launch, type PollState } from '../../lib/workflow/tasks';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  NAMESPACE,
  refOf,
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

/**
 * The launcher and the stale-intent recovery settling the same intent (first seen with the CI seed ci-charlie on a
 * loaded 2-core machine, reproduced with `npx tsx bench/chaos.ts --seed ci-charlie --lifecycles 20 --time-scale
 * 0.002`: executions FAILED with "no provision launch intent of … in status.provisioningJobs" from FetchInstance,
 * and "no unresolved provision launch intent" from LaunchProvisionJob). A launcher slower than
 * LAUNCH_INTENT_TTL_SECONDS (the local engine's task timeouts run on the real clock, the TTL on the scaled one) is
 * taken for dead: a second execution asks AAP before the launcher's POST lands, finds no job, and gives the intent
 * up, while the launcher records the job AAP did create. Whichever status write came second threw. Here the
 * interleaving is forced: the real task functions, stores and simulators, with the launcher's POST held back and
 * the recovery's clock past the TTL.
 */
describe('chaos regressions: the launcher and the stale-intent recovery settle the same intent', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let base: WorkflowContext;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
      templates: [{ name: CREATE_TEMPLATE, effect: 'create-vm', durations: { pending: 2, waiting: 2, running: 900 } }],
    });
    cluster = new ClusterClient(stack);
    base = createWorkflowContext(loadSettings());
  });
  afterAll(async () => {
    await stack?.close();
  });

  function deferred() {
    let resolve = () => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  }

  /** The same context with some AAP calls replaced, e.g. to hold a POST back until the test lets it go. */
  function withAap(ctx: WorkflowContext, replaced: Partial<AapClient>): WorkflowContext {
    const aap = new Proxy(ctx.aap, {
      get(target, property) {
        if (Object.hasOwn(replaced, property)) return replaced[property as keyof AapClient];
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return { ...ctx, aap };
  }

  /** The recovery's view: well past LAUNCH_INTENT_TTL_SECONDS after the intent, so the launcher looks dead. */
  const pastTtl = (ctx: WorkflowContext): WorkflowContext => ({
    ...ctx,
    now: () => new Date(base.now().getTime() + 2 * ctx.settings.LAUNCH_INTENT_TTL_SECONDS * 1000),
  });

  /** An instance with our finalizer, and a launcher whose AAP POST waits for `post` after its intent is written. */
  async function launchHeldBack(name: string, post: Promise<void>) {
    const created = await cluster.create(name);
    await cluster.setFinalizers(name, ['osac.openshift.io/computeinstance']);
    const ref = refOf(created);
    const launcher = withAap(base, {
      launch: async (template, input) => {
        await post;
        return base.aap.launch(template, input);
      },
    });
    const launching = launch(launcher, { ref, type: 'provision', execution: `${name}-launcher` });
    launching.catch(() => undefined); // awaited below; a rejection is the bug under test, not an unhandled one
    await waitForStatus(
      cluster,
      name,
      (i) => i.status?.provisioningJobs?.some(isLaunchIntent) === true,
      'the launch intent',
    );
    return { ref, launching };
  }

  /** One entry, for the one job AAP created, followed by the next decision instead of launched again. */
  async function expectRecordedAndFollowed(name: string, launched: PollState) {
    const jobID = String(launched.job.id);
    expect(aapJobsFor(stack, name).provision.map((job) => job.id)).toEqual([launched.job.id]);
    const instance = await cluster.get(name);
    expect(instance?.status?.provisioningJobs?.map((j) => [j.jobID, j.state, j.message])).toEqual([
      [jobID, 'Pending', 'Provisioning job triggered'],
    ]);
    const ref = refOf(instance as NonNullable<typeof instance>);
    expect(await inspect(base, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'Poll',
      poll: { job: { id: launched.job.id, type: 'provision' } },
    });
  }

  it('the launcher records its job first; the recovery, which found none, leaves that record alone', async () => {
    const post = deferred();
    const { ref, launching } = await launchHeldBack('vm-race-launched-first', post.promise);
    const recovery = withAap(pastTtl(base), {
      findLaunchedJobs: async (input) => {
        const found = await base.aap.findLaunchedJobs(input); // asked before the POST: nothing yet
        post.resolve();
        await launching; // the POST lands and the launcher records the job before the recovery writes
        return found;
      },
    });
    expect(await inspect(recovery, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'WaitForLaunch',
    });
    await expectRecordedAndFollowed('vm-race-launched-first', await launching);
  }, 30_000);

  it('the recovery gives the intent up first; the launcher then records the job AAP did create', async () => {
    const post = deferred();
    const { ref, launching } = await launchHeldBack('vm-race-abandoned-first', post.promise);
    expect(await inspect(pastTtl(base), { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'WaitForLaunch',
    });
    const abandoned = await cluster.get('vm-race-abandoned-first');
    expect(abandoned?.status?.provisioningJobs?.map((j) => [j.jobID, j.state])).toEqual([['', 'Failed']]);
    post.resolve();
    await expectRecordedAndFollowed('vm-race-abandoned-first', await launching);
  }, 30_000);
});

/**
 * A launcher whose POST reached AAP late on the scaled clock, its answer lost (first seen with `npx tsx
 * bench/chaos.ts --seed 20261126 --lifecycles 200` once AAP was a black hole for two hours: 10 create jobs missing
 * from their instances' records, each instance provisioned a second time). The launcher's invocation lasts up to its
 * function timeout on the wall clock (30 s), which at time scale 0.01 is 3,000 seconds of the clock the recovery
 * reads; the recovery searched only 5 minutes (+1) after the intent, found nothing, gave the intent up, and the
 * decision launched again beside the job AAP did create.
 */
describe('chaos regressions: a launch that reached AAP late on the scaled clock', () => {
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

  it('the recovery finds the job created 20 real seconds after the intent and follows it', async () => {
    // 2,000 clock seconds: 20 s of the launcher's 30 s wall-clock life at time scale 0.01.
    const created = await strandLaunchIntent(stack, cluster, 'vm-late-post', 2000);
    const aap = `${stack.aap.url}/api/v2`;
    const headers = { authorization: `Bearer ${stack.aap.token}`, 'content-type': 'application/json' };
    const found = (await (await fetch(`${aap}/job_templates/?name=${CREATE_TEMPLATE}`, { headers })).json()) as {
      results: Array<{ id: number }>;
    };
    const launched = await fetch(`${aap}/job_templates/${found.results[0]?.id}/launch/`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ extra_vars: { ansible_eda: { event: { payload: created } } } }),
    });
    const lateJob = ((await launched.json()) as { id: number }).id;

    const base = createWorkflowContext(loadSettings());
    const ref = refOf(created);
    expect(await inspect(base, { ref, workflow: 'provision', rounds: 0 })).toMatchObject({
      action: 'WaitForLaunch',
      reason: expect.stringContaining('settled the stale provision launch'),
    });
    const instance = await cluster.get('vm-late-post');
    expect(instance?.status?.provisioningJobs?.map((j) => [j.jobID, j.state])).toEqual([[String(lateJob), 'Pending']]);
    // The next look follows that job; nothing is launched beside it.
    expect(await inspect(base, { ref, workflow: 'provision', rounds: 1 })).toMatchObject({
      action: 'Poll',
      poll: { job: { id: lateJob, type: 'provision' } },
    });
    expect(aapJobsFor(stack, 'vm-late-post').provision.map((job) => job.id)).toEqual([lateJob]);
  }, 30_000);
});
