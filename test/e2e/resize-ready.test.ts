import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ComputeInstance } from '../../lib/computeinstance';
import { PROJECT_CRD_PATH, TENANT_CRD_PATH } from '../../local/kube-simulator';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { aapJobsFor, ClusterClient, sfnClient, startProvision } from './harness';

/**
 * Resize (OSAC-4277, designed upstream, not yet in a CRD) renames `spec.cores` to a mutable `spec.vcpus`. The API
 * server prunes what its CRD does not declare, so a field only reaches the product once the CRD has it: this builds
 * that next CRD from the project's (cores → vcpus, size mutable) and declares one more field no code here knows
 * (`cpuModel`), standing for whatever upstream adds next. The product must pass both to the playbooks as read and
 * re-provision when either changes, without knowing either.
 */
function resizeCrd(dir: string): string {
  const [document] = parseAllDocuments(readFileSync(PROJECT_CRD_PATH, 'utf8'));
  const crd = document?.toJS() as {
    spec: {
      versions: Array<{
        schema: { openAPIV3Schema: { properties: { spec: SpecSchema } } };
        additionalPrinterColumns?: Array<{ jsonPath: string }>;
      }>;
    };
  };
  for (const version of crd.spec.versions) {
    const spec = version.schema.openAPIV3Schema.properties.spec;
    const { cores, ...others } = spec.properties;
    const { 'x-kubernetes-validations': _immutable, ...vcpus } = cores as Record<string, unknown>;
    const { 'x-kubernetes-validations': _memoryImmutable, ...memoryGiB } = others.memoryGiB as Record<string, unknown>;
    spec.properties = { ...others, memoryGiB, vcpus, cpuModel: { type: 'string' } };
    spec.required = spec.required.map((name) => (name === 'cores' ? 'vcpus' : name));
    for (const column of version.additionalPrinterColumns ?? []) {
      if (column.jsonPath === '.spec.cores') column.jsonPath = '.spec.vcpus';
    }
  }
  const file = path.join(dir, 'computeinstances-resize.json');
  writeFileSync(file, JSON.stringify(crd));
  return file;
}

interface SpecSchema {
  properties: Record<string, unknown>;
  required: string[];
}

describe('ready for resize: an instance of the next CRD (vcpus, a field this code does not know)', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'resize-crd-'));
    stack = await startLocalStack({ timeScale: 0.01, crdPaths: [resizeCrd(dir), TENANT_CRD_PATH] });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function provision(instance: ComputeInstance): Promise<ComputeInstance> {
    const { executionArn } = await startProvision(stack, sfnClient(stack), instance);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    return (await cluster.get(instance.metadata.name as string)) as ComputeInstance;
  }

  /** The spec each provision job of `name` carried, in each envelope it carried one. */
  function launchedSpecs(name: string): Array<Record<string, unknown>> {
    return aapJobsFor(stack, name).provision.map((job) => {
      const vars = JSON.parse(job.extraVars);
      const resource = vars.osac_job_vars?.resource;
      const payload = vars.ansible_eda?.event?.payload;
      expect(resource).toEqual(payload); // the default, both: one object, twice
      return payload.spec;
    });
  }

  it('provisions, its payload carries vcpus and the unknown field unchanged, and a change to either re-provisions', async () => {
    const created = await cluster.create('vm-resize', { cores: undefined, vcpus: 4, cpuModel: 'host-passthrough' });
    expect(created.spec).not.toHaveProperty('cores');
    expect(created.spec).toMatchObject({ vcpus: 4, cpuModel: 'host-passthrough' });

    const first = await provision(created);
    expect(first.status?.phase).toBe('Running');
    expect(launchedSpecs('vm-resize')).toEqual([expect.objectContaining({ vcpus: 4, cpuModel: 'host-passthrough' })]);
    expect(launchedSpecs('vm-resize')[0]).not.toHaveProperty('cores');

    const resized = await provision(await cluster.patchSpec('vm-resize', { vcpus: 8 }));
    expect(resized.metadata.generation).toBe(2);
    const remodelled = await provision(await cluster.patchSpec('vm-resize', { cpuModel: 'host-model' }));
    expect(remodelled.metadata.generation).toBe(3);

    expect(launchedSpecs('vm-resize').map((spec) => [spec.vcpus, spec.cpuModel])).toEqual([
      [4, 'host-passthrough'],
      [8, 'host-passthrough'],
      [8, 'host-model'],
    ]);
    const versions = (remodelled.status?.provisioningJobs ?? []).map((job) => job.configVersion);
    expect(new Set(versions).size).toBe(3);
    expect(remodelled.status?.phase).toBe('Running');
  });
});
