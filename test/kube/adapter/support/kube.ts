import type { ComputeInstance, ProvisioningJob } from '../../../../lib/computeinstance';
import { ClusterConfig } from '../../../../lib/k8s/clusters';
import { sampleInstance, tenantAnnotations } from '../../../../local/fixtures/sample-instance';
import { type KubeSimulator, startKubeSimulator } from '../../../../local/kube-simulator';
import { UPSTREAM_CRD } from '../../../support/fixtures';

/**
 * What the simulator-backed suites share: a simulator with the upstream CRD and a test namespace, a ClusterConfig
 * pointing at it (or at an interposer in front of it), plain-HTTP access for setting up scenes the store must not
 * be used for (creating, deleting, stale PUTs, client-side apply), and a valid ComputeInstance manifest.
 */

export const NAMESPACE = 'osac-computeinstance';
export const OTHER_NAMESPACE = 'tenant-b';
export const OUR_FINALIZER = 'osac.openshift.io/computeinstance';
export const FEEDBACK_FINALIZER = 'osac.openshift.io/computeinstance-feedback';
export const AAP_FINALIZER = 'osac.openshift.io/computeinstance-aap';
export const SIM_TOKEN = 'sim-bearer-token-4f1c-DO-NOT-LOG';

export function startSimulator(): Promise<KubeSimulator> {
  return startKubeSimulator({
    port: 0,
    token: SIM_TOKEN,
    crdPaths: [UPSTREAM_CRD],
    namespaces: [NAMESPACE, OTHER_NAMESPACE],
  });
}

export function clusterFor(server: string, overrides: Record<string, unknown> = {}): ClusterConfig {
  return ClusterConfig.parse({
    id: 'sim',
    server,
    token: SIM_TOKEN,
    webhookSecrets: ['webhook-secret-for-tests'],
    ...overrides,
  });
}

export function objectPath(namespace: string, name?: string, subresource?: 'status'): string {
  const base = `/apis/osac.openshift.io/v1alpha1/namespaces/${namespace}/computeinstances`;
  if (name === undefined) return base;
  return subresource === undefined ? `${base}/${name}` : `${base}/${name}/${subresource}`;
}

export interface RawResponse {
  status: number;
  body: Record<string, unknown>;
}

/** Plain HTTP to the API server, exactly as given: used to stage scenes, never by the code under test. */
export function rawKube(url: string, token = SIM_TOKEN) {
  return async function request(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<RawResponse> {
    const response = await fetch(new URL(path, url), {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': contentType }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
  };
}
export type RawKube = ReturnType<typeof rawKube>;

export function manifest(
  name: string,
  options: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
) {
  return sampleInstance({
    name,
    namespace: options.namespace ?? NAMESPACE,
    ...(options.labels ? { labels: options.labels } : {}),
    annotations: { ...tenantAnnotations('tenant-acme'), ...options.annotations },
  });
}

/** Creates the object (failing loudly otherwise) and returns it as the server stored it. */
export async function create(
  raw: RawKube,
  object: { metadata: { name: string; namespace: string } & Record<string, unknown> } & Record<string, unknown>,
): Promise<ComputeInstance> {
  const response = await raw('POST', objectPath(object.metadata.namespace), object);
  if (response.status !== 201) throw new Error(`create ${object.metadata.name}: HTTP ${response.status}`);
  return response.body as unknown as ComputeInstance;
}

export async function read(raw: RawKube, namespace: string, name: string): Promise<ComputeInstance | undefined> {
  const response = await raw('GET', objectPath(namespace, name));
  if (response.status === 404) return undefined;
  if (response.status !== 200) throw new Error(`get ${namespace}/${name}: HTTP ${response.status}`);
  return response.body as unknown as ComputeInstance;
}

export function jobIdsOf(instance: ComputeInstance | undefined): string[] {
  return (instance?.status?.provisioningJobs ?? []).map((job) => job.jobID);
}

/** A provision job record as the workflows append it at launch. */
export function launchedJob(jobID: string): ProvisioningJob {
  return {
    jobID,
    type: 'provision',
    timestamp: '2026-03-20T09:58:02Z',
    state: 'Pending',
    message: 'Provisioning job triggered',
    configVersion: '41aa07c3e2d19b60',
  };
}

/**
 * A mutate recording a launched job: append to the jobs as freshly read, once. Unlike lib/computeinstance's
 * `appendJob` it does not trim the history to 10, so a test can check that every one of 20 records survived.
 */
export function recordJob(jobID: string) {
  return (current: ComputeInstance) => {
    const jobs = current.status?.provisioningJobs ?? [];
    if (jobs.some((job) => job.jobID === jobID)) return undefined;
    return { provisioningJobs: [...jobs, launchedJob(jobID)] };
  };
}
