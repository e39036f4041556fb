import type { AapSimulator } from '../../../local/aap-simulator';
import { pythonJsonDumps } from '../../../local/aap-simulator/wire-format';
import { sampleInstance, tenantAnnotations } from '../../../local/fixtures/sample-instance';
import { LOCAL_TENANT } from '../../../local/fixtures/sample-tenant';
import { call, computeInstanceVars, launchJob, startFastSimulator, templateId, waitForJobStatus } from './helpers';

const TERMINAL = ['successful', 'failed', 'error', 'canceled'];
const CREATE = 'osac-create-compute-instance';
const DELETE = 'osac-delete-compute-instance';
const NS = 'osac-computeinstance';

/** What the operator launches today: the object (with status.tenantReference) and the tenant's storage classes. */
function todaysVars(name: string, change: (vars: Record<string, unknown>) => void = () => undefined) {
  const resource = {
    ...sampleInstance({ name, namespace: NS, uid: `uid-${name}`, annotations: tenantAnnotations(LOCAL_TENANT) }),
    status: { tenantReference: { name: LOCAL_TENANT, namespace: NS }, desiredConfigVersion: '0123456789abcdef' },
  };
  const vars: Record<string, unknown> = {
    osac_job_vars: { resource, tenant_storage_classes: [{ name: 'lvms-local', tier: 'local' }] },
  };
  change(vars);
  return vars;
}
const jobVars = (vars: Record<string, unknown>) => vars.osac_job_vars as Record<string, unknown>;
const resourceOf = (vars: Record<string, unknown>) => jobVars(vars).resource as Record<string, Record<string, unknown>>;

const undefinedVariable = (error: string) =>
  `The task includes an option with an undefined variable. The error was: ${error}. ${error}`;
const NO_STORAGE_CLASSES =
  "ComputeInstance 'vm-1' has no tenant_storage_classes available. Either the osac-operator CI controller should inject the resolved storageClasses list before triggering provisioning, or JIT storage provisioning via storage_tier_definitions must succeed.";

async function runJob(sim: AapSimulator, template: string, vars: unknown) {
  const id = await launchJob(sim, template, vars);
  return waitForJobStatus(sim, id, TERMINAL);
}

describe('AAP simulator: the playbooks a template runs check the launch as the real ones do', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    sim = await startFastSimulator();
  });
  beforeEach(() => sim.reset());
  afterAll(() => sim.close());

  it('runs the February playbooks by default: what the product sends today provisions and deletes', async () => {
    const vars = computeInstanceVars(NS, 'vm-1');
    expect((await runJob(sim, CREATE, vars)).status).toBe('successful');
    expect(sim.world.vms()).toEqual([expect.objectContaining({ key: `${NS}/vm-1` })]);
    expect((await runJob(sim, DELETE, vars)).status).toBe('successful');
    expect(sim.world.vms()).toEqual([]);
  });

  describe("today's playbooks (osac_job_vars)", () => {
    beforeEach(() => {
      sim.configurePlaybooks(CREATE, { playbooks: 'osac_job_vars' });
      sim.configurePlaybooks(DELETE, { playbooks: 'osac_job_vars' });
    });

    it('provision and delete what the operator sends: the resource, its tenant and storage classes', async () => {
      const created = await runJob(sim, CREATE, todaysVars('vm-1'));
      expect(created.status).toBe('successful');
      expect(sim.world.vms()).toEqual([
        expect.objectContaining({ key: `${NS}/vm-1`, uid: 'uid-vm-1', createdByJob: created.id }),
      ]);
      // Delete sends only the resource.
      const deleted = await runJob(sim, DELETE, { osac_job_vars: { resource: resourceOf(todaysVars('vm-1')) } });
      expect(deleted.status).toBe('successful');
      expect(sim.world.vms()).toEqual([]);
    });

    it.each<[string, (vars: Record<string, unknown>) => void, string, string]>([
      [
        'a February launch (no osac_job_vars at all)',
        (vars) => {
          vars.ansible_eda = { event: { payload: resourceOf(vars) } };
          delete vars.osac_job_vars;
        },
        'osac.service.tenant_target_namespace : Retrieve tenant',
        undefinedVariable("'osac_job_vars' is undefined"),
      ],
      [
        'no resource',
        (vars) => delete jobVars(vars).resource,
        'osac.service.tenant_target_namespace : Retrieve tenant',
        undefinedVariable("'dict object' has no attribute 'resource'"),
      ],
      [
        'no status.tenantReference (the tenant was never resolved)',
        (vars) => delete resourceOf(vars).status?.tenantReference,
        'osac.service.tenant_target_namespace : Retrieve tenant',
        undefinedVariable("'dict object' has no attribute 'tenantReference'"),
      ],
      [
        'no status at all',
        (vars) => delete resourceOf(vars).status,
        'osac.service.tenant_target_namespace : Retrieve tenant',
        undefinedVariable("'dict object' has no attribute 'status'"),
      ],
      [
        'no tenant_storage_classes',
        (vars) => delete jobVars(vars).tenant_storage_classes,
        'Fail if tenant storage classes not available',
        NO_STORAGE_CLASSES,
      ],
      [
        'an empty tenant_storage_classes',
        (vars) => {
          jobVars(vars).tenant_storage_classes = [];
        },
        'Fail if tenant storage classes not available',
        NO_STORAGE_CLASSES,
      ],
      [
        'no metadata.name',
        (vars) => delete resourceOf(vars).metadata?.name,
        'Display compute instance information',
        undefinedVariable("'dict object' has no attribute 'name'"),
      ],
      [
        'no spec.templateID',
        (vars) => delete resourceOf(vars).spec?.templateID,
        'Display compute instance information',
        undefinedVariable("'dict object' has no attribute 'templateID'"),
      ],
      [
        'no metadata.namespace',
        (vars) => delete resourceOf(vars).metadata?.namespace,
        'Set the finalizer on the OSAC compute instance vm-1',
        undefinedVariable("'dict object' has no attribute 'namespace'"),
      ],
      [
        'no storage class for the requested tier',
        (vars) => {
          jobVars(vars).tenant_storage_classes = [
            { name: 'vast-fast', tier: 'fast' },
            { name: 'ceph', tier: 'bulk' },
          ];
        },
        'osac.service.tenant_storage_class : Fail if requested tier is not available',
        'Storage tier "local" is not available for tenant "local". Available tiers: bulk, fast.',
      ],
    ])('fail the create job on %s, quoting the task, and make no VM', async (_case, change, task, message) => {
      const job = await runJob(sim, CREATE, todaysVars('vm-1', change));
      expect(job.status).toBe('failed');
      expect(job.result_traceback).toBe(
        `TASK [${task}] ***\nfatal: [localhost]: FAILED! => ${pythonJsonDumps(
          message.startsWith('The task includes') ? { msg: message } : { changed: false, msg: message },
        )}\n`,
      );
      expect(sim.world.vms()).toEqual([]);
    });

    it('names the instance of a job that failed on its tenant, when its name can be read', async () => {
      const job = await runJob(
        sim,
        CREATE,
        todaysVars('vm-1', (vars) => delete resourceOf(vars).status),
      );
      expect(sim.world.jobs().find((view) => view.id === job.id)).toMatchObject({
        vmKey: `${NS}/vm-1`,
        targetError: expect.stringContaining("has no attribute 'status'"),
        effectApplied: false,
      });
    });

    it('takes the storage class of the tier its job environment requests', async () => {
      sim.configurePlaybooks(CREATE, { storageRequestedTier: 'fast' });
      const fast = (vars: Record<string, unknown>) => {
        jobVars(vars).tenant_storage_classes = [{ name: 'vast-fast', tier: 'fast' }];
      };
      expect((await runJob(sim, CREATE, todaysVars('vm-1', fast))).status).toBe('successful');
      const local = await runJob(sim, CREATE, todaysVars('vm-2'));
      expect(local.status).toBe('failed');
      expect(local.result_traceback).toContain('Storage tier \\"fast\\" is not available for tenant \\"local\\"');
    });

    it.each<[string, (vars: Record<string, unknown>) => void, string]>([
      ['no resource', (vars) => delete jobVars(vars).resource, "'dict object' has no attribute 'resource'"],
      ['a February launch', (vars) => delete vars.osac_job_vars, "'osac_job_vars' is undefined"],
      // The delete play resolves the tenant too (role tenant_target_namespace) before it touches the VM.
      [
        'no status.tenantReference',
        (vars) => delete resourceOf(vars).status?.tenantReference,
        "'dict object' has no attribute 'tenantReference'",
      ],
    ])('fail the delete job on %s and leave the VM', async (_case, change, error) => {
      expect((await runJob(sim, CREATE, todaysVars('vm-1'))).status).toBe('successful');
      const job = await runJob(sim, DELETE, todaysVars('vm-1', change));
      expect(job.status).toBe('failed');
      expect(job.result_traceback).toContain(
        `TASK [osac.service.tenant_target_namespace : Retrieve tenant] ***\nfatal: [localhost]: FAILED! => {"msg": "${undefinedVariable(error)}"}`,
      );
      expect(sim.world.vms()).toEqual([expect.objectContaining({ key: `${NS}/vm-1` })]);
    });

    it('needs no storage classes to delete', async () => {
      expect((await runJob(sim, CREATE, todaysVars('vm-1'))).status).toBe('successful');
      const deleted = await runJob(
        sim,
        DELETE,
        todaysVars('vm-1', (vars) => delete jobVars(vars).tenant_storage_classes),
      );
      expect(deleted.status).toBe('successful');
    });
  });

  describe("February's playbooks (ansible_eda)", () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['a launch of today (osac_job_vars only)', todaysVars('vm-1'), "'ansible_eda' is undefined"],
      ['no payload', { ansible_eda: { event: {} } }, "'dict object' has no attribute 'payload'"],
      [
        'no spec.templateID',
        { ansible_eda: { event: { payload: { metadata: { name: 'vm-1', namespace: NS }, spec: {} } } } },
        "'dict object' has no attribute 'templateID'",
      ],
    ])('fail the create job on %s', async (_case, vars, error) => {
      const job = await runJob(sim, CREATE, vars);
      expect(job.status).toBe('failed');
      expect(job.result_traceback).toContain(undefinedVariable(error));
      expect(sim.world.vms()).toEqual([]);
    });

    it('need neither a tenant reference nor storage classes (not simulated for this generation)', async () => {
      const vars = computeInstanceVars(NS, 'vm-1');
      expect(vars.ansible_eda.event.payload.status).toBeUndefined();
      expect((await runJob(sim, CREATE, vars)).status).toBe('successful');
    });

    it('fail the delete job without the payload and leave the VM', async () => {
      expect((await runJob(sim, CREATE, computeInstanceVars(NS, 'vm-1'))).status).toBe('successful');
      const job = await runJob(sim, DELETE, { ansible_eda: { event: {} } });
      expect(job.status).toBe('failed');
      expect(job.result_traceback).toContain('TASK [Display compute instance deletion information] ***');
      expect(sim.world.vms()).toHaveLength(1);
    });
  });

  describe('choosing the playbooks', () => {
    it('per template, over the admin API, until a reset brings back the generation the simulator started with', async () => {
      const id = await templateId(sim, CREATE);
      const reply = await call(sim, `/_sim/templates/${id}`, {
        method: 'PATCH',
        token: null,
        body: { playbooks: 'osac_job_vars' },
      });
      expect(reply.status).toBe(200);
      expect(reply.json).toEqual({ id, name: CREATE, playbooks: 'osac_job_vars', storageRequestedTier: 'local' });
      expect((await runJob(sim, CREATE, todaysVars('vm-1'))).status).toBe('successful');
      // The delete template still runs February's.
      expect((await runJob(sim, DELETE, computeInstanceVars(NS, 'vm-1'))).status).toBe('successful');
      sim.reset();
      expect((await runJob(sim, CREATE, todaysVars('vm-2'))).status).toBe('failed');
    });

    it.each<[string, number | 'create', unknown, number, string]>([
      ['an unknown generation', 'create', { playbooks: 'eda' }, 400, 'playbooks'],
      ['an unknown setting', 'create', { outcome: 'failed' }, 400, 'outcome'],
      ['an empty tier', 'create', { storageRequestedTier: '' }, 400, 'storageRequestedTier'],
      ['a template that does not exist', 999, { playbooks: 'osac_job_vars' }, 404, 'no template 999'],
    ])('refuses %s', async (_case, which, body, status, named) => {
      const id = which === 'create' ? await templateId(sim, CREATE) : which;
      const reply = await call<{ detail: string }>(sim, `/_sim/templates/${id}`, {
        method: 'PATCH',
        token: null,
        body,
      });
      expect(reply.status).toBe(status);
      expect(reply.json.detail).toContain(named);
    });

    it('for the whole simulator (option playbooks), unless a template names its own', async () => {
      const today = await startFastSimulator({
        playbooks: 'osac_job_vars',
        templates: [{ name: DELETE, effect: 'delete-vm', playbooks: 'ansible_eda' }],
      });
      try {
        expect((await runJob(today, CREATE, todaysVars('vm-1'))).status).toBe('successful');
        expect((await runJob(today, CREATE, computeInstanceVars(NS, 'vm-2'))).status).toBe('failed');
        expect((await runJob(today, DELETE, computeInstanceVars(NS, 'vm-1'))).status).toBe('successful');
        expect(() => today.configurePlaybooks('no-such-template', { playbooks: 'ansible_eda' })).toThrow(
          'no job template named no-such-template',
        );
      } finally {
        await today.close();
      }
    });
  });
});
