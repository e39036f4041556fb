import { setTimeout as delay } from 'node:timers/promises';
import { AapClient, type AapJob, type AapJobRef, type LaunchInput } from '../../../lib/aap';
import { type AapSimulator, type PlaybookGeneration, startAapSimulator } from '../../../local/aap-simulator';
import { sampleInstance, tenantAnnotations } from '../../../local/fixtures/sample-instance';
import { LOCAL_TENANT } from '../../../local/fixtures/sample-tenant';
import { recordingLogger } from './harness';

/**
 * The launch body against both generations of playbooks the AAP simulator runs (checking the variables as the real
 * plays do): the default envelope, `both`, provisions and deletes with either; each single envelope only with its own.
 * The full workflow with today's playbooks also needs the tenant lookup (status.tenantReference, storage classes),
 * which is supplied here as the launcher will supply it.
 */
const CREATE = 'osac-create-compute-instance';
const DELETE = 'osac-delete-compute-instance';
const NS = 'osac-computeinstance';
const STORAGE_CLASSES = [{ name: 'lvms-local', tier: 'local' }];

let sim: AapSimulator;
let client: AapClient;
beforeAll(async () => {
  sim = await startAapSimulator({ timeScale: 0.01 });
  client = new AapClient(
    { baseUrl: `${sim.url}/api/controller`, token: sim.token, logger: recordingLogger() },
    { sleep: () => Promise.resolve() },
  );
});
afterEach(() => sim.reset());
afterAll(async () => {
  client.close();
  await sim.close();
});

function instance(name: string) {
  return {
    ...sampleInstance({ name, namespace: NS, uid: `uid-${name}`, annotations: tenantAnnotations(LOCAL_TENANT) }),
    status: { tenantReference: { name: LOCAL_TENANT, namespace: NS }, desiredConfigVersion: '0123456789abcdef' },
  };
}

async function run(template: string, input: LaunchInput): Promise<AapJob> {
  const { jobId, kind } = await client.launch(template, input);
  const ref: AapJobRef = { id: jobId, kind };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const job = await client.getJob(ref);
    if (job.terminal) return job;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${job.status}`);
    await delay(10);
  }
}

describe.each<PlaybookGeneration>(['osac_job_vars', 'ansible_eda'])('the %s playbooks', (generation) => {
  beforeEach(() => {
    sim.configurePlaybooks(CREATE, { playbooks: generation });
    sim.configurePlaybooks(DELETE, { playbooks: generation });
  });

  it('provision and delete with the default envelope (both); delete carries only the object', async () => {
    const vm = instance('vm-both');
    const created = await run(CREATE, { payload: vm, tenantStorageClasses: STORAGE_CLASSES, cluster: 'local' });
    expect(created.status).toBe('successful');
    expect(sim.world.vms().map((v) => v.key)).toEqual([`${NS}/vm-both`]);

    const deleted = await run(DELETE, { payload: vm, cluster: 'local' });
    expect(deleted.status).toBe('successful');
    expect(sim.world.vms()).toEqual([]);
    expect(deleted.extraVars()).toEqual({
      cloudkit_cluster: 'local',
      osac_job_vars: { resource: vm },
      ansible_eda: { event: { payload: vm } },
    });
  });

  it.each<[string, LaunchInput['jobVars'], 'successful' | 'failed']>([
    ['its own envelope alone', generation, 'successful'],
    ['the other envelope alone', generation === 'osac_job_vars' ? 'ansible_eda' : 'osac_job_vars', 'failed'],
  ])('a create launch with %s (%s) ends %s', async (_case, jobVars, status) => {
    const job = await run(CREATE, { payload: instance('vm-one'), tenantStorageClasses: STORAGE_CLASSES, jobVars });
    expect(job.status).toBe(status);
    expect(sim.world.vms()).toHaveLength(status === 'successful' ? 1 : 0);
  });
});
