import type { AapSimulator, Violation } from '../../../local/aap-simulator';
import { call, computeInstanceVars, getJob, launchJob, startFastSimulator, waitFor, waitForJobStatus } from './helpers';

const TERMINAL = ['successful', 'failed', 'error', 'canceled'];
const CREATE = 'osac-create-compute-instance';
const DELETE = 'osac-delete-compute-instance';

describe('AAP simulator: the simulated world', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
  });
  beforeEach(() => {
    sim.reset();
    // The effect runs half way through a 1 s (scaled) run: wide margins around the cancel points below.
    sim.addTemplate({ name: 'slow-create', effect: 'create-vm', durations: { pending: 0, waiting: 0, running: 100 } });
    sim.addTemplate({ name: 'slow-delete', effect: 'delete-vm', durations: { pending: 0, waiting: 0, running: 100 } });
  });
  afterAll(() => sim.close());

  const kinds = (violations: Violation[]) => violations.map((v) => v.kind);

  it('creates the VM of a create job at its effect point and removes it with a delete job', async () => {
    const vars = computeInstanceVars('tenant-a', 'vm-1', 'uid-1');
    const create = await launchJob(sim, CREATE, vars);
    expect(sim.world.vms()).toEqual([]);
    await waitForJobStatus(sim, create, ['successful']);
    const [vm] = sim.world.vms();
    expect(vm).toMatchObject({ key: 'tenant-a/vm-1', namespace: 'tenant-a', name: 'vm-1', createdByJob: create });
    expect(typeof vm?.createdAt).toBe('number');
    const { json: vmsOverHttp } = await call(sim, '/_sim/vms', { token: null });
    expect(vmsOverHttp).toEqual(sim.world.vms());

    const remove = await launchJob(sim, DELETE, vars);
    await waitForJobStatus(sim, remove, ['successful']);
    expect(sim.world.vms()).toEqual([]);
    // The correct order, create terminal before delete launched, breaks no rule.
    expect(sim.world.violations()).toEqual([]);
  });

  it('keeps the same namespace/name on two clusters as two VMs: deleting one leaves the other', async () => {
    const on = (cluster: string) => ({
      ...computeInstanceVars('tenant-a', 'twin', `uid-${cluster}`),
      cloudkit_cluster: cluster,
    });
    const createEast = await launchJob(sim, CREATE, on('east'));
    const createWest = await launchJob(sim, CREATE, on('west'));
    await waitForJobStatus(sim, createEast, ['successful']);
    await waitForJobStatus(sim, createWest, ['successful']);
    expect(sim.world.vms().map((vm) => [vm.cluster, vm.key])).toEqual([
      ['east', 'tenant-a/twin'],
      ['west', 'tenant-a/twin'],
    ]);
    expect(sim.world.jobs().find((job) => job.id === createWest)).toMatchObject({
      cluster: 'west',
      vmKey: 'tenant-a/twin',
    });

    const removeEast = await launchJob(sim, DELETE, on('east'));
    await waitForJobStatus(sim, removeEast, ['successful']);
    expect(sim.world.vms()).toEqual([
      expect.objectContaining({ cluster: 'west', key: 'tenant-a/twin', uid: 'uid-west' }),
    ]);
    // West's create after east's delete is another object on another cluster: no rule broken.
    const recreateWest = await launchJob(sim, CREATE, on('west'));
    await waitForJobStatus(sim, recreateWest, ['successful']);
    expect(sim.world.violations()).toEqual([]);
    expect(sim.world.checkOrphans(['west/tenant-a/twin'])).toEqual([]);
  });

  it('records an overlap when a delete is launched while the create is still active', async () => {
    const vars = computeInstanceVars('tenant-a', 'vm-2');
    const create = await launchJob(sim, 'slow-create', vars);
    await launchJob(sim, 'slow-delete', computeInstanceVars('tenant-a', 'another-vm'));
    expect(sim.world.violations()).toEqual([]);
    const remove = await launchJob(sim, 'slow-delete', vars);
    const [violation, ...others] = sim.world.violations();
    expect(others).toEqual([]);
    expect(violation).toMatchObject({ kind: 'overlap', vmKey: 'tenant-a/vm-2', jobIds: [create, remove] });
    expect(violation?.message).toContain(`create-vm job ${create}`);
    expect(typeof violation?.time).toBe('number');
    const { json } = await call<Violation[]>(sim, '/_sim/violations', { token: null });
    expect(json).toEqual(sim.world.violations());
  });

  it('records an overlap even when the create job is only waiting for its cancel to land', async () => {
    sim.setFaults({ cancelDelaySeconds: 50 });
    const vars = computeInstanceVars('tenant-a', 'vm-3');
    const create = await launchJob(sim, 'slow-create', vars);
    await waitForJobStatus(sim, create, ['running']);
    expect((await call(sim, `/api/v2/jobs/${create}/cancel/`, { method: 'POST' })).status).toBe(202);
    // Wrong: launching the delete on the 202 instead of waiting for `canceled`.
    await launchJob(sim, 'slow-delete', vars);
    expect(kinds(sim.world.violations())).toEqual(['overlap']);
  });

  it('does not record an overlap when the delete waits for the canceled create', async () => {
    const vars = computeInstanceVars('tenant-a', 'vm-4');
    const create = await launchJob(sim, 'slow-create', vars);
    await waitForJobStatus(sim, create, ['running']);
    await call(sim, `/api/v2/jobs/${create}/cancel/`, { method: 'POST' });
    await waitForJobStatus(sim, create, ['canceled']);
    const remove = await launchJob(sim, DELETE, vars);
    await waitForJobStatus(sim, remove, ['successful']);
    expect(sim.world.violations()).toEqual([]);
    expect(sim.world.vms()).toEqual([]);
  });

  it('records create-after-delete for the same object, but not for a re-created one with a new uid', async () => {
    const original = computeInstanceVars('tenant-b', 'vm-5', 'uid-old');
    const remove = await launchJob(sim, DELETE, original);
    await waitForJobStatus(sim, remove, TERMINAL);
    const recreated = await launchJob(sim, CREATE, computeInstanceVars('tenant-b', 'vm-5', 'uid-new'));
    expect(sim.world.violations()).toEqual([]);

    const stale = await launchJob(sim, CREATE, original);
    const violations = sim.world.violations();
    expect(kinds(violations)).toEqual(['create-after-delete']);
    expect(violations[0]).toMatchObject({ vmKey: 'tenant-b/vm-5', jobIds: [remove, stale] });
    expect(recreated).not.toBe(stale);
  });

  it('lets a task already dispatched finish after a cancel: the VM is still created', async () => {
    // Cancel as soon as the job runs; the cancel lands 1.5 s (scaled) later, after the effect point at 0.5 s.
    sim.setFaults({ cancelDelaySeconds: 150 });
    const create = await launchJob(sim, 'slow-create', computeInstanceVars('tenant-c', 'vm-6'));
    await waitForJobStatus(sim, create, ['running']);
    await call(sim, `/api/v2/jobs/${create}/cancel/`, { method: 'POST' });
    const job = await waitForJobStatus(sim, create, TERMINAL);
    expect(job.status).toBe('canceled');
    expect(sim.world.vms().map((vm) => vm.key)).toEqual(['tenant-c/vm-6']);
    expect(sim.world.jobs().find((j) => j.id === create)).toMatchObject({ effectApplied: true, cancelRequested: true });
  });

  it('stops a canceled job before tasks it had not reached: no VM', async () => {
    sim.setFaults({ cancelDelaySeconds: 1 });
    // Effect 0.9 s into the run, the cancel lands 10 ms after it is sent: a wide margin on a busy machine.
    sim.addTemplate({
      name: 'late-create',
      effect: 'create-vm',
      effectAt: 0.9,
      durations: { pending: 0, waiting: 0, running: 100 },
    });
    const create = await launchJob(sim, 'late-create', computeInstanceVars('tenant-c', 'vm-7'));
    await waitForJobStatus(sim, create, ['running']);
    await call(sim, `/api/v2/jobs/${create}/cancel/`, { method: 'POST' });
    await waitForJobStatus(sim, create, ['canceled']);
    // A second job passing its own effect point shows the canceled one's effect time has come and gone.
    const witness = await launchJob(sim, 'late-create', computeInstanceVars('tenant-c', 'witness'));
    await waitFor(
      () => sim.world.vms(),
      (vms) => vms.some((vm) => vm.createdByJob === witness),
    );
    expect(sim.world.vms().map((vm) => vm.key)).toEqual(['tenant-c/witness']);
  });

  it('never creates the VM of a job canceled while pending', async () => {
    sim.addTemplate({ name: 'queued-create', effect: 'create-vm', durations: { pending: 30, waiting: 0, running: 2 } });
    const create = await launchJob(sim, 'queued-create', computeInstanceVars('tenant-c', 'vm-8'));
    await call(sim, `/api/v2/jobs/${create}/cancel/`, { method: 'POST' });
    const witness = await launchJob(sim, 'queued-create', computeInstanceVars('tenant-c', 'witness-2'));
    await waitForJobStatus(sim, witness, ['successful']);
    expect((await getJob(sim, create)).status).toBe('canceled');
    expect(sim.world.vms().map((vm) => vm.key)).toEqual(['tenant-c/witness-2']);
  });

  it('fails a compute-instance job whose extra_vars lack the payload metadata, naming what is missing', async () => {
    const payload = { metadata: { name: 'x' }, spec: { templateID: 'osac.templates.ocp_virt_vm' } };
    const id = await launchJob(sim, CREATE, { ansible_eda: { event: { payload } } });
    const job = await waitForJobStatus(sim, id, TERMINAL);
    expect(job.status).toBe('failed');
    expect(job.result_traceback).toContain("The error was: 'dict object' has no attribute 'namespace'");
    expect(sim.world.vms()).toEqual([]);
  });

  describe('orphans', () => {
    beforeEach(async () => {
      const id = await launchJob(sim, CREATE, computeInstanceVars('tenant-d', 'vm-9'));
      await waitForJobStatus(sim, id, ['successful']);
    });

    it('reports no orphan while the ComputeInstance still exists', async () => {
      expect(sim.world.checkOrphans(['tenant-d/vm-9'])).toEqual([]);
      const { json } = await call<Violation[]>(sim, '/_sim/violations?checkOrphans=1&live=tenant-d/vm-9', {
        token: null,
      });
      expect(json).toEqual([]);
    });

    it('reports the VM of a ComputeInstance that is gone, once, through the API and over HTTP', async () => {
      const found = sim.world.checkOrphans([]);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({ kind: 'orphan', vmKey: 'tenant-d/vm-9' });
      const { json } = await call<Violation[]>(sim, '/_sim/violations?checkOrphans=1&live=tenant-x/other', {
        token: null,
      });
      expect(kinds(json)).toEqual(['orphan']);
    });
  });
});
