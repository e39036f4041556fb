import { parse as parseYaml } from 'yaml';
import { pythonJsonErrorMessage, pythonTypeName } from './wire-format';

export type ExtraVars = Record<string, unknown>;
export type ExtraVarsResult = { ok: true; vars: ExtraVars } | { ok: false; message: string };

function isMapping(value: unknown): value is ExtraVars {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const notADictionary = (value: unknown) => `Input type \`${pythonTypeName(value)}\` is not a dictionary`;

/**
 * AWX `parse_yaml_or_json`: an object is taken as is; a string must hold a JSON or YAML mapping.
 * Empty input means no variables. The error texts follow AWX's, with Python's JSON wording.
 */
export function parseExtraVars(raw: unknown): ExtraVarsResult {
  if (raw === undefined || raw === null || raw === '' || raw === '""') return { ok: true, vars: {} };
  if (isMapping(raw)) return { ok: true, vars: raw };
  if (typeof raw !== 'string') {
    const type = pythonTypeName(raw);
    return {
      ok: false,
      message: `Cannot parse as JSON (error: the JSON object must be str, bytes or bytearray, not ${type}) or YAML (error: '${type}' object has no attribute 'read').`,
    };
  }
  let jsonError: string;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (isMapping(parsed)) return { ok: true, vars: parsed };
    jsonError = notADictionary(parsed);
  } catch (error) {
    jsonError = pythonJsonErrorMessage(raw, error);
  }
  let yamlError: string;
  try {
    const parsed: unknown = parseYaml(raw) ?? {};
    if (isMapping(parsed)) return { ok: true, vars: parsed };
    yamlError = notADictionary(parsed);
  } catch (error) {
    yamlError = (error instanceof Error ? error.message : String(error)).trim();
  }
  return { ok: false, message: `Cannot parse as JSON (error: ${jsonError}) or YAML (error: ${yamlError}).` };
}

/**
 * The top-level variable naming the cluster the object lives on (the product's `cloudkit_cluster`). In AAP the
 * cluster a playbook acts on is the one its kubeconfig credential reaches; the simulator reads it from here.
 */
export const CLUSTER_VARIABLE = 'cloudkit_cluster';

export interface VmTarget {
  /** `namespace/name`: the VM a create/delete playbook touches, on its cluster. */
  key: string;
  /** The cluster the VM is on; '' when the launch named none (a launcher that predates cluster isolation). */
  cluster: string;
  namespace: string;
  name: string;
  /** The ComputeInstance uid; a re-created object with the same name has a new one. '' when not sent. */
  uid: string;
}

/** The launch's cluster: '' when it names none; refused when the variable is there but no non-empty string. */
export function readCluster(vars: ExtraVars): { ok: true; cluster: string } | { ok: false; reason: string } {
  const value = vars[CLUSTER_VARIABLE];
  if (value === undefined) return { ok: true, cluster: '' };
  if (typeof value === 'string' && value !== '') return { ok: true, cluster: value };
  return { ok: false, reason: `extra_vars.${CLUSTER_VARIABLE} must be a non-empty string when present` };
}

/** Where a VM is: `cluster/namespace/name`, or `namespace/name` when the launch named no cluster. */
export function vmPlace(target: { cluster?: string; key: string }): string {
  return target.cluster ? `${target.cluster}/${target.key}` : target.key;
}

/**
 * Simulation only: a ComputeInstance annotation that sets how long the job launched for it stays `running`, in
 * unscaled seconds (a decimal string, as annotation values are). It lets one simulator run jobs of many lengths at
 * once (the lifecycle benchmark); a value that is not a non-negative number leaves the template's duration.
 */
export const RUNNING_SECONDS_ANNOTATION = 'sim.cloudkit.local/running-seconds';

const DECIMAL_SECONDS = /^\d{1,7}(\.\d{1,6})?$/;

/** The running duration the launched object asks for, or undefined when it asks for none (or for nonsense). */
export function readRunningSeconds(object: unknown): number | undefined {
  const annotations = (object as { metadata?: { annotations?: unknown } } | null | undefined)?.metadata?.annotations;
  if (typeof annotations !== 'object' || annotations === null) return undefined;
  const value = (annotations as Record<string, unknown>)[RUNNING_SECONDS_ANNOTATION];
  return typeof value === 'string' && DECIMAL_SECONDS.test(value) ? Number(value) : undefined;
}
