import { type ExtraVars, readCluster, type VmTarget } from './extra-vars';
import type { PlaybookGeneration, TemplateEffect } from './schemas';
import { pythonJsonDumps, pythonTypeName } from './wire-format';

/**
 * What the OSAC compute-instance playbooks read from a launch, step by step in the order they run, and how they
 * fail when it is not there. Two generations are simulated:
 *
 * - `osac_job_vars` (osac-project/osac since 2026-08-05, read at a446890): the object is `osac_job_vars.resource`,
 *   other keys beside it. Create and delete both resolve the tenant from `status.tenantReference` first
 *   (role `osac.service.tenant_target_namespace`); create then needs `tenant_storage_classes`, and the template
 *   role a class for the requested tier (role `osac.service.tenant_storage_class`).
 * - `ansible_eda` (February 2026, at 3bbd92c): the object is `ansible_eda.event.payload`. Its plays also resolved
 *   the tenant from `status.tenantReference` (role `compute_instance_working_namespace`); that step is NOT
 *   simulated yet, so the product, which does not write tenantReference yet, keeps provisioning against it.
 *
 * A failing step fails the job in its running phase (the pre_tasks run before any VM is touched) with the task's
 * message in `result_traceback`, as the job's output shows it. Not simulated: the Tenant lookup on the hub (the
 * tenant is taken as found), JIT storage from `storage_tier_definitions`, and the template role's own checks.
 */

export type PlaybookRun =
  | { ok: true; target: VmTarget }
  /** `target` when the object's name and namespace could be read: the job still belongs to that instance. */
  | { ok: false; task: string; reason: string; traceback: string; target?: VmTarget };

/** A Jinja lookup along `path`: the value, or Ansible's message for the first part that is not there. */
type Lookup = { ok: true; value: unknown } | { ok: false; error: string };

function lookup(vars: ExtraVars, path: readonly string[]): Lookup {
  const [root, ...rest] = path;
  if (root === undefined || !(root in vars)) return { ok: false, error: `'${root}' is undefined` };
  let value: unknown = vars[root];
  for (const key of rest) {
    const isDict = typeof value === 'object' && value !== null && !Array.isArray(value);
    if (!isDict || !(key in (value as Record<string, unknown>))) {
      return { ok: false, error: `'${pythonTypeName(value)} object' has no attribute '${key}'` };
    }
    value = (value as Record<string, unknown>)[key];
  }
  return { ok: true, value };
}

class PlayFailed extends Error {
  constructor(
    readonly task: string,
    readonly reason: string,
    readonly result: Record<string, unknown>,
  ) {
    super(reason);
  }
}

/** `fatal: … FAILED!` of a task whose variables did not resolve. */
function undefinedVariable(task: string, error: string): PlayFailed {
  const msg = `The task includes an option with an undefined variable. The error was: ${error}. ${error}`;
  return new PlayFailed(task, msg, { msg });
}

/** `fatal: … FAILED!` of an `ansible.builtin.fail` task (its `msg:` is a folded scalar: one line). */
function failTask(task: string, msg: string): PlayFailed {
  return new PlayFailed(task, msg, { changed: false, msg });
}

interface Layout {
  /** Where the object is: `osac_job_vars.resource` or `ansible_eda.event.payload`. */
  object: readonly string[];
  /** Where the other keys are. */
  keys: readonly string[];
}

const LAYOUTS: Record<PlaybookGeneration, Layout> = {
  osac_job_vars: { object: ['osac_job_vars', 'resource'], keys: ['osac_job_vars'] },
  ansible_eda: { object: ['ansible_eda', 'event', 'payload'], keys: ['ansible_eda', 'event'] },
};

const TENANT_TASK = 'osac.service.tenant_target_namespace : Retrieve tenant';

export interface PlaybookOptions {
  generation: PlaybookGeneration;
  effect: Exclude<TemplateEffect, 'none'>;
  /** The job environment's STORAGE_REQUESTED_TIER (`local` when unset). */
  requestedStorageTier: string;
}

/** Runs the checks of the playbook the template has installed; the VM it acts on when they all pass. */
export function runPlaybook(vars: ExtraVars, options: PlaybookOptions): PlaybookRun {
  const layout = LAYOUTS[options.generation];
  const read = (task: string, ...path: string[]): unknown => {
    const found = lookup(vars, [...layout.object, ...path]);
    if (!found.ok) throw undefinedVariable(task, found.error);
    return found.value;
  };
  const text = (task: string, ...path: string[]): string => {
    const value = read(task, ...path);
    // Jinja renders anything; an empty or non-string name is a resource the next tasks cannot address.
    if (typeof value !== 'string' || value === '') {
      throw failTask(
        task,
        `${[...layout.object, ...path].join('.')} must be a non-empty string, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  try {
    const today = options.generation === 'osac_job_vars';
    const create = options.effect === 'create-vm';
    const cluster = readCluster(vars);
    if (!cluster.ok) throw failTask('simulator: the cluster the job acts on', cluster.reason);
    let tenantName = '';
    if (today) {
      tenantName = String(read(TENANT_TASK, 'status', 'tenantReference', 'name'));
      read(TENANT_TASK, 'status', 'tenantReference', 'namespace');
    }
    let storageClasses: unknown[] = [];
    if (today && create) {
      const task = 'Fail if tenant storage classes not available';
      const given = lookup(vars, [...layout.keys, 'tenant_storage_classes']);
      storageClasses = given.ok && Array.isArray(given.value) ? given.value : [];
      if (storageClasses.length === 0) {
        const name = text(task, 'metadata', 'name');
        throw failTask(
          task,
          `ComputeInstance '${name}' has no tenant_storage_classes available. Either the osac-operator CI controller should inject the resolved storageClasses list before triggering provisioning, or JIT storage provisioning via storage_tier_definitions must succeed.`,
        );
      }
    }
    const display = create ? 'Display compute instance information' : 'Display compute instance deletion information';
    const name = text(display, 'metadata', 'name');
    read(display, 'spec', 'templateID');
    const finalizerTask = `${create ? 'Set' : 'Remove'} the finalizer on the OSAC compute instance ${name}`;
    const namespace = text(finalizerTask, 'metadata', 'namespace');
    if (today && create) {
      // The template role resolves the class of the requested tier (osac.service.tenant_storage_class).
      const tier = options.requestedStorageTier;
      const tiers = storageClasses.map((entry) => (entry as { tier?: unknown } | null)?.tier);
      if (!tiers.includes(tier)) {
        const available = [...new Set(tiers.map(String))].sort().join(', ');
        throw failTask(
          'osac.service.tenant_storage_class : Fail if requested tier is not available',
          `Storage tier "${tier}" is not available for tenant "${tenantName}". Available tiers: ${available}.`,
        );
      }
    }
    const uid = lookup(vars, [...layout.object, 'metadata', 'uid']);
    const target: VmTarget = {
      key: `${namespace}/${name}`,
      cluster: cluster.cluster,
      namespace,
      name,
      uid: uid.ok && typeof uid.value === 'string' ? uid.value : '',
    };
    return { ok: true, target };
  } catch (error) {
    if (!(error instanceof PlayFailed)) throw error;
    const traceback = `TASK [${error.task}] ***\nfatal: [localhost]: FAILED! => ${pythonJsonDumps(error.result)}\n`;
    const known = knownTarget(vars, layout);
    return { ok: false, task: error.task, reason: error.reason, traceback, ...(known ? { target: known } : {}) };
  }
}

/** The instance a failed job was about, when its name and namespace can be read at all. */
function knownTarget(vars: ExtraVars, layout: Layout): VmTarget | undefined {
  const name = lookup(vars, [...layout.object, 'metadata', 'name']);
  const namespace = lookup(vars, [...layout.object, 'metadata', 'namespace']);
  if (!name.ok || !namespace.ok || typeof name.value !== 'string' || typeof namespace.value !== 'string') {
    return undefined;
  }
  const uid = lookup(vars, [...layout.object, 'metadata', 'uid']);
  return {
    key: `${namespace.value}/${name.value}`,
    cluster: clusterOrNone(vars),
    namespace: namespace.value,
    name: name.value,
    uid: uid.ok && typeof uid.value === 'string' ? uid.value : '',
  };
}

function clusterOrNone(vars: ExtraVars): string {
  const cluster = readCluster(vars);
  return cluster.ok ? cluster.cluster : '';
}

/** The object a launch carries for the template's generation (for simulation knobs read from it), if any. */
export function launchedObject(vars: ExtraVars, generation: PlaybookGeneration): unknown {
  const found = lookup(vars, LAYOUTS[generation].object);
  return found.ok ? found.value : undefined;
}
