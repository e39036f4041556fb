import {
  applyStatusPatch,
  COMPUTE_INSTANCE_FINALIZER,
  type ComputeInstance,
  desiredConfigVersion,
  formatMetaTime,
  GROUP,
  onJobLaunched,
  onJobProgress,
  onProvisionLaunchIntent,
  PLURAL,
  parseComputeInstance,
  VERSION,
} from '../../lib/computeinstance';
import {
  onWebSubnet,
  sampleInstance,
  tenantAnnotations,
  withDataDisk,
  withSshKey,
} from '../../local/fixtures/sample-instance';
import { startKubeSimulator } from '../../local/kube-simulator';

export const NAMESPACE = 'osac-computeinstance';

/**
 * The objects the webhook benchmark sends, as an API server hands them to the forwarder (managedFields and all):
 * made through the API-server simulator, not typed in. `applied` is an instance our workflow has provisioned, so a
 * MODIFIED event of it (our own status write coming back) is ignored; `fresh` was just created, so an ADDED event of
 * it starts a provision execution.
 */
export interface BenchObjects {
  applied: Record<string, unknown>;
  fresh: Record<string, unknown>;
}

/** The status the provision workflow writes, built by the same functions, in the same order. */
function provisionedStatus(instance: ComputeInstance, now: Date): ComputeInstance['status'] {
  const configVersion = desiredConfigVersion(instance.spec);
  const intentAt = new Date(now.getTime() - 600_000);
  let current = applyStatusPatch(
    instance,
    onProvisionLaunchIntent(instance, { now: intentAt, configVersion, executionName: 'provision-bench-g1' }),
  );
  const intentTimestamp = formatMetaTime(intentAt);
  current = applyStatusPatch(current, onJobLaunched(current, { intentTimestamp, jobID: '4242', type: 'provision' }));
  current = applyStatusPatch(
    current,
    onJobProgress(current, { jobID: '4242', type: 'provision', state: 'Succeeded', message: 'successful', now }),
  );
  return current.status;
}

export async function makeBenchObjects(): Promise<BenchObjects> {
  const kube = await startKubeSimulator({ namespaces: [NAMESPACE] });
  try {
    const collection = `${kube.url}/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/${PLURAL}`;
    const call = async (method: string, url: string, body: unknown, contentType = 'application/json') => {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${kube.token}`, 'content-type': contentType },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${url}: ${response.status} ${text.slice(0, 300)}`);
      // Exactly what the API server answered: the forwarder passes objects on as they come.
      return JSON.parse(text) as Record<string, unknown>;
    };
    const create = (name: string, finalizers: string[]) =>
      call(
        'POST',
        `${collection}?fieldManager=kubectl-client-side-apply`,
        // Every optional spec field a real instance tends to carry, so the bodies are realistically sized.
        sampleInstance(
          {
            name,
            namespace: NAMESPACE,
            labels: { 'osac.openshift.io/computeinstance-uuid': '0b6d2c7e-3f4a-4c1e-9a55-1d2f0e8b7c10' },
            annotations: tenantAnnotations('tenant-acme'),
            finalizers,
          },
          withDataDisk,
          withSshKey,
          onWebSubnet,
        ),
      );

    const created = parseComputeInstance(await create('vm-applied', [COMPUTE_INSTANCE_FINALIZER]));
    const status = provisionedStatus(created, new Date());
    const applied = await call(
      'PATCH',
      `${collection}/vm-applied/status?fieldManager=cloudkit-provisioner`,
      { metadata: { resourceVersion: created.metadata.resourceVersion }, status },
      'application/merge-patch+json',
    );
    const fresh = await create('vm-fresh', []);
    return { applied, fresh };
  } finally {
    await kube.close();
  }
}
