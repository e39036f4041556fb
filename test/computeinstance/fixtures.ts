import { parse } from 'yaml';
import {
  type ComputeInstance,
  type ComputeInstanceSpec,
  type ComputeInstanceStatus,
  formatMetaTime,
  MANAGEMENT_STATE_ANNOTATION,
  type ProvisioningJob,
} from '../../lib/computeinstance';
import type { JobState, JobType } from '../../lib/domain/job-state';
import { onWebSubnet, sampleSpec } from '../../local/fixtures/sample-instance';

/**
 * The sample object of §1.4 of the domain reference (HEAD shape). The reference leaves the conditions'
 * `lastTransitionTime` out "for brevity"; the CRD requires it, so it is filled in here.
 */
export const SAMPLE_YAML = `
apiVersion: osac.openshift.io/v1alpha1
kind: ComputeInstance
metadata:
  name: vm-7fk2p
  namespace: osac-computeinstance
  labels:
    osac.openshift.io/computeinstance-uuid: 0b6d2c7e-3f4a-4c1e-9a55-1d2f0e8b7c10
  annotations:
    osac.openshift.io/tenant: tenant-acme
    osac.openshift.io/subnet-target-namespace: subnet-web      # written by operator
  finalizers:
  - osac.openshift.io/computeinstance
  - osac.openshift.io/computeinstance-feedback
  - osac.openshift.io/computeinstance-aap                      # written by create playbook
spec:
  templateID: osac.templates.ocp_virt_vm
  image: {sourceType: registry, sourceRef: quay.io/containerdisks/fedora:latest}
  cores: 2
  memoryGiB: 4
  bootDisk: {sizeGiB: 20}
  additionalDisks: [{sizeGiB: 50}]
  runStrategy: Always
  sshKey: ssh-ed25519 AAAAC3Nza...example user@example
  networkAttachments:
  - subnetRef: subnet-web
    securityGroupRefs: [web-sg]
  restartRequestedAt: "2026-03-20T10:15:00Z"
status:
  phase: Running
  desiredConfigVersion: 9f3c2a71d04be815          # 16 hex chars (FNV-64a)
  lastRestartedAt: "2026-03-20T10:15:00Z"
  ipAddress: 10.128.2.45
  tenantReference: {name: tenant-acme, namespace: osac-tenants}
  virtualMachineReference: {namespace: subnet-web, kubeVirtVirtualMachineName: vm-7fk2p}
  conditions:
  - {type: ConfigurationApplied, status: "True",  reason: AsExpected, message: "",
     lastTransitionTime: "2026-03-20T10:20:11Z"}
  - {type: Ready,                status: "True",  reason: AsExpected, message: "",
     lastTransitionTime: "2026-03-20T10:16:40Z"}
  - {type: Provisioned,          status: "True",  reason: InfrastructureReady,
     message: All infrastructure resources provisioned successfully, lastTransitionTime: "2026-03-20T10:05:12Z"}
  - {type: RestartRequired,      status: "False", reason: AsExpected, message: "",
     lastTransitionTime: "2026-03-20T09:58:02Z"}
  - {type: RestartInProgress,    status: "False", reason: AsExpected, message: "",
     lastTransitionTime: "2026-03-20T10:20:11Z"}
  provisioningJobs:
  - {jobID: "1412", type: provision, state: Succeeded, message: successful,
     timestamp: "2026-03-20T09:58:02Z", configVersion: 41aa07c3e2d19b60}
  - {jobID: "1419", type: provision, state: Succeeded, message: successful,
     timestamp: "2026-03-20T10:15:04Z", configVersion: 9f3c2a71d04be815}
`;

/** A fresh parse each call, so no test can leak a mutation into another. */
export function sampleObject(): Record<string, unknown> {
  return parse(SAMPLE_YAML) as Record<string, unknown>;
}

/** The clock every decision test reads. */
export const NOW = new Date('2026-03-20T12:00:00Z');
export const MINUTE = 60_000;

export function minutesAgo(minutes: number, from: Date = NOW): string {
  return formatMetaTime(new Date(from.getTime() - minutes * MINUTE));
}

/** The sample spec on the web subnet, as the decision tests start from it. */
export function baseSpec(overrides: Partial<ComputeInstanceSpec> = {}): ComputeInstanceSpec {
  return sampleSpec(onWebSubnet, overrides);
}

export interface InstanceOptions {
  spec?: Partial<ComputeInstanceSpec>;
  status?: Partial<ComputeInstanceStatus>;
  jobs?: ProvisioningJob[];
  deleting?: boolean;
  finalizers?: string[];
  managementState?: string;
  generation?: number;
}

export function makeInstance(options: InstanceOptions = {}): ComputeInstance {
  const annotations: Record<string, string> = { 'osac.openshift.io/tenant': 'tenant-acme' };
  if (options.managementState !== undefined) annotations[MANAGEMENT_STATE_ANNOTATION] = options.managementState;
  const status: ComputeInstanceStatus = { ...options.status };
  if (options.jobs !== undefined) status.provisioningJobs = options.jobs;
  return {
    apiVersion: 'osac.openshift.io/v1alpha1',
    kind: 'ComputeInstance',
    metadata: {
      name: 'vm-7fk2p',
      namespace: 'osac-computeinstance',
      uid: '6a0c2f4e-1b7d-4f51-8c3e-2d9a7b1e0f42',
      generation: options.generation ?? 1,
      resourceVersion: '4711',
      annotations,
      finalizers: options.finalizers ?? ['osac.openshift.io/computeinstance'],
      ...(options.deleting ? { deletionTimestamp: minutesAgo(1) } : {}),
    },
    spec: baseSpec(options.spec),
    status,
  };
}

export interface JobOptions {
  jobID?: string;
  at?: string;
  configVersion?: string;
  message?: string;
  blockDeletionOnFailure?: boolean;
}

let nextJobID = 2000;

/** A history entry; ids count up so every entry is distinct unless a test sets one. */
export function job(type: JobType, state: JobState, options: JobOptions = {}): ProvisioningJob {
  const entry: ProvisioningJob = {
    jobID: options.jobID ?? String(nextJobID++),
    type,
    timestamp: options.at ?? minutesAgo(60),
    state,
  };
  if (options.message !== undefined) entry.message = options.message;
  if (options.configVersion !== undefined) entry.configVersion = options.configVersion;
  if (options.blockDeletionOnFailure !== undefined) entry.blockDeletionOnFailure = options.blockDeletionOnFailure;
  return entry;
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

/** Walks a dotted path (`spec.networkAttachments.0.subnetRef`) to the parent of its last segment. */
function parentOf(object: unknown, path: string): [Container, string] {
  const segments = path.split('.');
  const last = segments.pop() as string;
  let node = object;
  for (const segment of segments) {
    if (!isContainer(node)) throw new Error(`test path ${path}: ${segment} is not inside an object`);
    node = (node as Record<string, unknown>)[segment];
  }
  if (!isContainer(node)) throw new Error(`test path ${path} does not lead into an object`);
  return [node, last];
}

export function getPath(object: unknown, path: string): unknown {
  const [parent, key] = parentOf(object, path);
  return (parent as Record<string, unknown>)[key];
}

export function setPath(object: unknown, path: string, value: unknown): void {
  const [parent, key] = parentOf(object, path);
  (parent as Record<string, unknown>)[key] = value;
}

export function deletePath(object: unknown, path: string): void {
  const [parent, key] = parentOf(object, path);
  delete (parent as Record<string, unknown>)[key];
}
