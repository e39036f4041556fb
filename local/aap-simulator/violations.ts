import { type VmTarget, vmPlace } from './extra-vars';

export type ViolationKind = 'overlap' | 'create-after-delete' | 'orphan';

/** A breach of the ordering rules a correct orchestrator keeps; recorded by the simulator, asserted on by tests. */
export interface Violation {
  kind: ViolationKind;
  /** `namespace/name` of the VM on its cluster. */
  vmKey: string;
  /** The cluster the VM is on; '' (or absent) when its launch named none. */
  cluster?: string;
  jobIds: number[];
  /** Epoch milliseconds on the simulator clock. */
  time: number;
  message: string;
}

export interface VmRecord {
  /** `namespace/name` on its cluster: two clusters may each hold a VM with the same key. */
  key: string;
  /** The cluster the VM is on; '' (or absent) when its launch named none. */
  cluster?: string;
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
  return `${vmPlace(target)}#${target.uid}`;
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
  const { key: vmKey, cluster } = launched.target;
  // The same namespace/name on two clusters is two VMs: only jobs for this one can overlap with it.
  const place = vmPlace(launched.target);
  for (const other of activeJobs) {
    if (other.jobId === launched.jobId || vmPlace(other.target) !== place || other.effect === launched.effect) continue;
    const [create, remove] = launched.effect === 'create-vm' ? [launched, other] : [other, launched];
    violations.push({
      kind: 'overlap',
      vmKey,
      cluster,
      jobIds: [other.jobId, launched.jobId],
      time,
      message: `overlap on ${place}: create-vm job ${create.jobId} and delete-vm job ${remove.jobId} were active (not terminal) at the same time`,
    });
  }
  const earlierDelete =
    launched.effect === 'create-vm' ? deleteLaunchedFor.get(vmIdentity(launched.target)) : undefined;
  if (earlierDelete !== undefined) {
    violations.push({
      kind: 'create-after-delete',
      vmKey,
      cluster,
      jobIds: [earlierDelete, launched.jobId],
      time,
      message: `create-after-delete on ${place} (uid '${launched.target.uid}'): create-vm job ${launched.jobId} was launched after delete-vm job ${earlierDelete} for the same object`,
    });
  }
  return violations;
}

/**
 * VMs whose ComputeInstance the caller says no longer exists. A live key is `namespace/name` (that VM on any
 * cluster: enough for a single-cluster caller) or `cluster/namespace/name` (that cluster's VM only).
 */
export function findOrphans(vms: readonly VmRecord[], liveKeys: ReadonlySet<string>, time: number): Violation[] {
  return vms
    .filter((vm) => !liveKeys.has(vm.key) && !liveKeys.has(vmPlace(vm)))
    .map((vm) => ({
      kind: 'orphan' as const,
      vmKey: vm.key,
      cluster: vm.cluster,
      jobIds: [vm.createdByJob],
      time,
      message: `orphan VM ${vmPlace(vm)} (created by job ${vm.createdByJob}) is left behind although its ComputeInstance is gone`,
    }));
}
