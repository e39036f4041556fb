import { SFNClient } from '@aws-sdk/client-sfn';
import { KubeConfig } from '@kubernetes/client-node';
import { type ComputeInstance, formatMetaTime, GROUP, PLURAL, VERSION } from '../../lib/computeinstance';
import { executionName, type InstanceRef, startExecution } from '../../lib/sfn';
import { sampleInstance, tenantAnnotations } from '../../local/fixtures/sample-instance';
import { LOCAL_TENANT } from '../../local/fixtures/sample-tenant';
import { DEFAULT_NAMESPACE, LOCAL_CLUSTER_ID, type LocalStack } from '../../local/stack';

/** Talks to the stack's API-server simulator the way a user or the cluster would: plain HTTP with a bearer token. */
export class ClusterClient {
  constructor(
    private readonly stack: LocalStack,
    /** Which registered cluster's API server this talks to (see LocalStackOptions.extraClusters). */
    readonly clusterId: string = LOCAL_CLUSTER_ID,
  ) {}

  private get kube() {
    const kube = this.stack.kubes.get(this.clusterId);
    if (!kube) throw new Error(`the local stack registers no cluster "${this.clusterId}"`);
    return kube;
  }

  private url(namespace: string, name?: string, sub?: string): string {
    const base = `${this.kube.url}/apis/${GROUP}/${VERSION}/namespaces/${namespace}/${PLURAL}`;
    return [base, name, sub].filter(Boolean).join('/');
  }

  private async request(method: string, url: string, body?: unknown, contentType = 'application/json') {
    const res = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.kube.token}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }

  async create(name: string, spec: Partial<ComputeInstance['spec']> = {}, namespace = DEFAULT_NAMESPACE) {
    const object = sampleInstance({ name, namespace, annotations: tenantAnnotations(LOCAL_TENANT) }, spec);
    const res = await this.request('POST', this.url(namespace), object);
    if (res.status !== 201) throw new Error(`create ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as unknown as ComputeInstance;
  }

  async get(name: string, namespace = DEFAULT_NAMESPACE): Promise<ComputeInstance | undefined> {
    const res = await this.request('GET', this.url(namespace, name));
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new Error(`get ${name}: ${res.status}`);
    return res.body as unknown as ComputeInstance;
  }

  async patchSpec(name: string, spec: Record<string, unknown>, namespace = DEFAULT_NAMESPACE) {
    const res = await this.request('PATCH', this.url(namespace, name), { spec }, 'application/merge-patch+json');
    if (res.status !== 200) throw new Error(`patch ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as unknown as ComputeInstance;
  }

  /** A merge patch of the status subresource, as another controller (or a dead launcher) would have written it. */
  async patchStatus(name: string, status: Record<string, unknown>, namespace = DEFAULT_NAMESPACE) {
    const res = await this.request(
      'PATCH',
      this.url(namespace, name, 'status'),
      { status },
      'application/merge-patch+json',
    );
    if (res.status !== 200) throw new Error(`patch status of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as unknown as ComputeInstance;
  }

  async setFinalizers(name: string, finalizers: string[], namespace = DEFAULT_NAMESPACE) {
    const body = { metadata: { finalizers } };
    const res = await this.request('PATCH', this.url(namespace, name), body, 'application/merge-patch+json');
    if (res.status !== 200) throw new Error(`set finalizers of ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }

  async delete(name: string, namespace = DEFAULT_NAMESPACE) {
    const res = await this.request('DELETE', this.url(namespace, name));
    if (res.status !== 200 && res.status !== 202) throw new Error(`delete ${name}: ${res.status}`);
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'local', server: this.kube.url, skipTLSVerify: true }],
      users: [{ name: 'local', token: this.kube.token }],
      contexts: [{ name: 'local', cluster: 'local', user: 'local' }],
      currentContext: 'local',
    });
    return kc;
  }
}

export function refOf(instance: ComputeInstance, cluster = LOCAL_CLUSTER_ID): InstanceRef {
  return {
    cluster,
    namespace: instance.metadata.namespace as string,
    name: instance.metadata.name as string,
    uid: instance.metadata.uid as string,
  };
}

export function sfnClient(stack: LocalStack): SFNClient {
  return new SFNClient({
    endpoint: stack.sfn.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** Starts what the webhook would start: the provision execution for the instance's current generation. */
export async function startProvision(
  stack: LocalStack,
  sfn: SFNClient,
  instance: ComputeInstance,
  cluster = LOCAL_CLUSTER_ID,
) {
  const ref = refOf(instance, cluster);
  const generation = instance.metadata.generation ?? 1;
  const name = executionName({ kind: 'provision', ref, generation });
  return startExecution(sfn, stack.provisionArn, name, { ref, generation });
}

/** Starts what the webhook would start for the instance's deletion, named by its deletionTimestamp (read back). */
export async function startDeprovision(
  stack: LocalStack,
  sfn: SFNClient,
  instance: ComputeInstance,
  cluster = LOCAL_CLUSTER_ID,
) {
  const ref = refOf(instance, cluster);
  const current = await new ClusterClient(stack, cluster).get(ref.name, ref.namespace);
  const deletionTimestamp = instance.metadata.deletionTimestamp ?? current?.metadata.deletionTimestamp;
  if (deletionTimestamp === undefined) throw new Error(`startDeprovision: ${ref.name} is not being deleted`);
  const name = executionName({ kind: 'deprovision', ref, deletionTimestamp });
  return startExecution(sfn, stack.deprovisionArn, name, { ref, deletionTimestamp });
}

/** Polls `probe` until it returns a value (not undefined), or fails with the last value seen. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 25, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const NAMESPACE = DEFAULT_NAMESPACE;

/** The AAP jobs for one VM; `cluster` narrows them to that cluster's (the launch's cloudkit_cluster). */
export function aapJobsFor(stack: LocalStack, name: string, namespace = DEFAULT_NAMESPACE, cluster?: string) {
  const key = `${namespace}/${name}`;
  const jobs = stack.aap.world
    .jobs()
    .filter((job) => job.vmKey === key && (cluster === undefined || job.cluster === cluster));
  return {
    provision: jobs.filter((job) => job.effect === 'create-vm'),
    deprovision: jobs.filter((job) => job.effect === 'delete-vm'),
  };
}

/** Waits until the instance's status satisfies `check`; returns the instance. */
export async function waitForStatus(
  cluster: ClusterClient,
  name: string,
  check: (instance: ComputeInstance) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<ComputeInstance> {
  return eventually(
    async () => {
      const instance = await cluster.get(name);
      return instance && check(instance) ? instance : undefined;
    },
    { what, timeoutMs },
  );
}

export async function waitUntilGone(cluster: ClusterClient, name: string, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => ((await cluster.get(name)) === undefined ? true : undefined), {
    what: `${name} to disappear`,
    timeoutMs,
  });
}

/**
 * What deletion must guarantee, read from the AAP simulator's own records (not from our logs): every provision job
 * ended before the single deprovision job was launched, no violation (overlap, create after delete), and no VM left.
 */
export function deletionInvariants(stack: LocalStack, name: string) {
  const { provision, deprovision } = aapJobsFor(stack, name);
  const firstDeprovision = deprovision[0];
  const provisionEndedFirst =
    firstDeprovision === undefined ||
    provision.every((job) => job.finishedAt !== null && job.finishedAt <= firstDeprovision.launchedAt);
  return {
    provisionJobs: provision.length,
    deprovisionJobs: deprovision.length,
    provisionEndedFirst,
    violations: stack.aap.world.violations(),
    vmsLeft: stack.aap.world.vms().filter((vm) => vm.name === name).length,
  };
}

/**
 * What a launcher that died leaves behind: the instance with our finalizer and a provision launch intent written
 * `ageSeconds` ago (scaled time), with no job ID ever recorded.
 */
export async function strandLaunchIntent(stack: LocalStack, cluster: ClusterClient, name: string, ageSeconds: number) {
  const created = await cluster.create(name);
  await cluster.setFinalizers(name, ['osac.openshift.io/computeinstance']);
  const timestamp = formatMetaTime(new Date(stack.now().getTime() - ageSeconds * 1000));
  const intent = { jobID: '', type: 'provision', state: 'Pending', timestamp, message: 'Launching provision job' };
  await cluster.patchStatus(name, { provisioningJobs: [intent] });
  return created;
}
