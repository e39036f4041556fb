import type { ComputeInstance } from '../../lib/computeinstance';
import { LOCAL_CLUSTER_ID, type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  NAMESPACE,
  sfnClient,
  startDeprovision,
  startProvision,
  waitForStatus,
  waitUntilGone,
} from './harness';

const CREATE = 'osac-create-compute-instance';
const DELETE = 'osac-delete-compute-instance';
const EAST = 'east';
const LOCAL_CREDENTIAL = 30;
const EAST_CREDENTIAL = 31;

const condition = (i: ComputeInstance | undefined, type: string) => i?.status?.conditions?.find((c) => c.type === type);

describe('two clusters holding the same namespace/name', () => {
  let stack: LocalStack;
  let local: ClusterClient;
  let east: ClusterClient;
  const sfn = () => sfnClient(stack);

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.01,
      aapCredentials: [LOCAL_CREDENTIAL],
      extraClusters: [{ id: EAST, aapCredentials: [EAST_CREDENTIAL] }],
      // Per-cluster credentials need templates that prompt for them.
      templates: [
        { name: CREATE, effect: 'create-vm', askCredentialOnLaunch: true },
        { name: DELETE, effect: 'delete-vm', askCredentialOnLaunch: true },
      ],
    });
    local = new ClusterClient(stack, LOCAL_CLUSTER_ID);
    east = new ClusterClient(stack, EAST);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function provision(cluster: ClusterClient, instance: ComputeInstance): Promise<ComputeInstance> {
    const { executionArn } = await startProvision(stack, sfn(), instance, cluster.clusterId);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    return (await cluster.get(instance.metadata.name as string)) as ComputeInstance;
  }

  async function deprovision(cluster: ClusterClient, instance: ComputeInstance): Promise<void> {
    await cluster.delete(instance.metadata.name as string);
    const { executionArn } = await startDeprovision(stack, sfn(), instance, cluster.clusterId);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, instance.metadata.name as string);
  }

  const twinVms = () =>
    stack.aap.world
      .vms()
      .filter((vm) => vm.key === `${NAMESPACE}/twin`)
      .map((vm) => vm.cluster)
      .sort();

  it('provisions one VM per cluster, each launch naming its cluster and carrying its credentials', async () => {
    const [localTwin, eastTwin] = await Promise.all([
      local.create('twin').then((created) => provision(local, created)),
      east.create('twin').then((created) => provision(east, created)),
    ]);
    expect(localTwin.metadata.uid).not.toBe(eastTwin.metadata.uid);
    expect([localTwin.status?.phase, eastTwin.status?.phase]).toEqual(['Running', 'Running']);
    expect(twinVms()).toEqual([EAST, LOCAL_CLUSTER_ID].sort());

    for (const [cluster, credential] of [
      [LOCAL_CLUSTER_ID, LOCAL_CREDENTIAL],
      [EAST, EAST_CREDENTIAL],
    ] as const) {
      const [job, ...others] = aapJobsFor(stack, 'twin', NAMESPACE, cluster).provision;
      expect(others).toEqual([]);
      expect(job?.credentials).toEqual([credential]);
      expect(JSON.parse(job?.extraVars ?? '{}')).toMatchObject({ cloudkit_cluster: cluster });
    }
  });

  it("deleting one cluster's twin removes only its VM; the other's VM stays and its instance stays Running", async () => {
    const localTwin = (await local.get('twin')) as ComputeInstance;
    await deprovision(local, localTwin);

    expect(twinVms()).toEqual([EAST]);
    const [deleteJob, ...others] = aapJobsFor(stack, 'twin', NAMESPACE, LOCAL_CLUSTER_ID).deprovision;
    expect(others).toEqual([]);
    expect(deleteJob?.credentials).toEqual([LOCAL_CREDENTIAL]);
    expect(aapJobsFor(stack, 'twin', NAMESPACE, EAST).deprovision).toEqual([]);

    const eastTwin = await east.get('twin');
    expect(eastTwin?.metadata.deletionTimestamp).toBeUndefined();
    expect(eastTwin?.status?.phase).toBe('Running');
    expect(condition(eastTwin, 'Provisioned')?.status).toBe('True');
    // The east twin is still provisioned as far as AAP is concerned: a re-provision finds its own VM in place.
    const again = await provision(east, await east.patchSpec('twin', { runStrategy: 'Halted' }));
    expect(again.status?.phase).toBe('Stopped');
    expect(twinVms()).toEqual([EAST]);
  });

  it('then deletes the other twin independently, leaving no VM and no violation', async () => {
    await deprovision(east, (await east.get('twin')) as ComputeInstance);
    expect(twinVms()).toEqual([]);
    expect(aapJobsFor(stack, 'twin', NAMESPACE, EAST).deprovision.map((job) => job.credentials)).toEqual([
      [EAST_CREDENTIAL],
    ]);
    expect(stack.aap.world.violations()).toEqual([]);
  });
});

describe('a cluster with AAP credentials and a template that does not prompt for them', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    // The preset templates do not prompt on launch for credentials.
    stack = await startLocalStack({ timeScale: 0.01, aapCredentials: [LOCAL_CREDENTIAL] });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses the launch: the job AAP created anyway is canceled, no VM, and the status says how to fix it', async () => {
    const created = await cluster.create('vm-no-credential-prompt');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);

    const refused = await waitForStatus(
      cluster,
      'vm-no-credential-prompt',
      (i) => condition(i, 'Provisioned')?.reason === 'ProvisioningFailed',
      'the refused launch on the status',
    );
    const provisioned = condition(refused, 'Provisioned');
    expect(provisioned?.status).toBe('False');
    expect(provisioned?.message).toContain(`enable "Prompt on launch" for Credentials on template "${CREATE}"`);
    const [entry] = refused.status?.provisioningJobs ?? [];
    expect(entry).toMatchObject({ type: 'provision', state: 'Failed' });

    const [job, ...others] = aapJobsFor(stack, 'vm-no-credential-prompt').provision;
    expect(others).toEqual([]);
    expect(entry?.jobID).toBe(String(job?.id));
    expect(job?.credentials).toEqual([]);
    await waitForStatus(
      cluster,
      'vm-no-credential-prompt',
      () => stack.aap.world.jobs().find((j) => j.id === job?.id)?.status === 'canceled',
      'the ignored job to be canceled',
    );
    expect(stack.aap.world.vms()).toEqual([]);

    // The execution waits to try again rather than failing: the refusal is its launchError.
    const history = stack.sfn.history(executionArn);
    const refusal = JSON.stringify(history);
    expect(refusal).toContain('CredentialsIgnored');
    expect(refusal).toContain('WaitAfterLaunchRefused');
  });
});
