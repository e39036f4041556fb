import type { VmTarget } from './extra-vars';

export type ViolationKind = 'overlap' | 'create-after-delete' | 'orphan';

/** A breach of the ordering rules a correct orchestrator keeps; recorded by the simulator, asserted on by tests. */
export interface Violation {
  kind: ViolationKind;
  vmKey: string;
  jobIds: number[];
  /** Epoch milliseconds on the simulator clock. */
  time: number;
  message: string;
}

export interface VmRecord {
  key: string;
  namespace: string;
  name: string;
  uid: string;
  createdByJob: number;
  createdAt: number;
}

export interface EffectJob {
  jobId: number;
  effect: 'create-vm' | 'delete-vm';
  target: VmTarget;
}

/** One ComputeInstance object: a re-created object (same name, new uid) is a different identity. */
export function vmIdentity(target: VmTarget): string {
  return `${target.key}#${target.uid}`;
}

/**
 * Violations caused by launching `launched`, decided at launch time because both rules are about launch order:
 * - overlap: a create-vm and a delete-vm job for the same VM are both non-terminal. Any overlap of two active
 *   intervals begins when the later job is launched, so checking there catches every one.
 * - create-after-delete: a create-vm job is launched after a delete-vm job for the same object (namespace/name/uid).
 */
export function violationsAtLaunch(
  launched: EffectJob,
  activeJobs: readonly EffectJob[],
  deleteLaunchedFor: ReadonlyMap<string, number>,
  time: number,
): Violation[] {
  const violations: Violation[] = [];
  const vmKey = launched.target.key;
  for (const other of activeJobs) {
    if (other.jobId === launched.jobId || other.target.key !== vmKey || other.effect === launched.effect) continue;
    const [create, remove] = launched.effect === 'create-vm' ? [launched, other] : [other, launched];
    violations.push({
      kind: 'overlap',
      vmKey,
      jobIds: [other.jobId, launched.jobId],
      time,
      message: `overlap on ${vmKey}: create-vm job ${create.jobId} and delete-vm job ${remove.jobId} were active (not terminal) at the same time`,
    });
  }
  const earlierDelete =
    launched.effect === 'create-vm' ? deleteLaunchedFor.get(vmIdentity(launched.target)) : undefined;
  if (earlierDelete !== undefined) {
    violations.push({
      kind: 'create-after-delete',
      vmKey,
      jobIds: [earlierDelete, launched.jobId],
      time,
      message: `create-after-delete on ${vmKey} (uid '${launched.target.uid}'): create-vm job ${launched.jobId} was launched after delete-vm job ${earlierDelete} for the same object`,
    });
  }
  return violations;
}

/** VMs whose ComputeInstance the caller says no longer exists (its key is not among the live keys). */
export function findOrphans(vms: readonly VmRecord[], liveKeys: ReadonlySet<string>, time: number): Violation[] {
  return vms
    .filter((vm) => !liveKeys.has(vm.key))
    .map((vm) => ({
      kind: 'orphan' as const,
      vmKey: vm.key,
      jobIds: [vm.createdByJob],
      time,
      message: `orphan VM ${vm.key} (created by job ${vm.createdByJob}) is left behind although its ComputeInstance is gone`,
    }));
}
