import * as z from 'zod';
import { JobState, JobType } from '../domain/job-state';
import { joinIssues, listIssues } from '../runtime/issues';
import { isDateTime } from './time';

/**
 * The ComputeInstance resource (osac.openshift.io/v1alpha1) as the upstream CRD defines it
 * (`deploy/crds/computeinstances.osac.openshift.io.yaml` mirrors it; a test keeps the two in step).
 *
 * Every object is loose: fields we do not model are kept as they are, because the whole object is handed on to
 * AAP as the playbooks' payload and written back to the API server.
 */

export const GROUP = 'osac.openshift.io';
export const VERSION = 'v1alpha1';
export const KIND = 'ComputeInstance';
export const LIST_KIND = 'ComputeInstanceList';
export const PLURAL = 'computeinstances';
export const SINGULAR = 'computeinstance';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The base finalizer this project owns; deletion waits for it until the deprovision job has succeeded. */
export const COMPUTE_INSTANCE_FINALIZER = 'osac.openshift.io/computeinstance';
/** `unmanaged`: ignored unless being deleted. `manual`: no jobs, but our finalizer is still removed on delete. */
export const MANAGEMENT_STATE_ANNOTATION = 'osac.openshift.io/management-state';
export const TENANT_ANNOTATION = 'osac.openshift.io/tenant';
export const SUBNET_TARGET_NAMESPACE_ANNOTATION = 'osac.openshift.io/subnet-target-namespace';
export const COMPUTE_INSTANCE_UUID_LABEL = 'osac.openshift.io/computeinstance-uuid';

// Never stricter than the API server: a value it accepted but we refuse would be an object we cannot act on.

/** `format: date-time` as the API server validates it (see parseDateTime: `t`/`z` in lower case, any fraction). */
const DateTime = z.string().refine(isDateTime, {
  message: 'must be a date-time as Kubernetes accepts it, e.g. 2026-03-20T10:15:04Z',
});

/**
 * `format: int64`: any whole number in range. Not z.int(), which stops at 2^53; JSON.parse rounds larger values,
 * but the API server accepts them and so must we.
 */
const Int64 = z.number().refine((value) => Number.isInteger(value) && Math.abs(value) <= 2 ** 63, {
  message: 'must be a whole number within int64',
});

/** `maxLength` counts characters (Go runes), not UTF-16 units as zod's max does: one emoji is one, not two. */
function maxCharacters(limit: number) {
  return (value: string): boolean => value.length <= limit || [...value].length <= limit;
}
function stringOfAtMost(limit: number) {
  return z.string().refine(maxCharacters(limit), { message: `must be at most ${limit} characters long` });
}

// ---------------------------------------------------------------------------------------------------------------
// metadata: the CRD only says `type: object`; these are the ObjectMeta fields we read and write.

export const ObjectMeta = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1),
  uid: z.string().optional(),
  generation: Int64.min(0).optional(),
  resourceVersion: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  finalizers: z.array(z.string()).optional(),
  deletionTimestamp: DateTime.optional(),
  creationTimestamp: DateTime.optional(),
});
export type ObjectMeta = z.infer<typeof ObjectMeta>;

// ---------------------------------------------------------------------------------------------------------------
// spec

export const TEMPLATE_ID_PATTERN = /^[a-zA-Z_][a-zA-Z0-9._]*$/;
export const MAX_CORES = 128;
export const MAX_NETWORK_ATTACHMENTS = 8;
export const MAX_GPU_COUNT = 16;
export const STORAGE_TIER_PATTERN = /^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/;
export const MAX_STORAGE_TIER_LENGTH = 63;

export const RunStrategy = z.enum(['Always', 'Halted']);
export type RunStrategy = z.infer<typeof RunStrategy>;

export const ImageSourceType = z.enum(['registry']);

export const ImageSpec = z.looseObject({
  sourceType: ImageSourceType,
  sourceRef: z.string().min(1),
});

export const DiskSpec = z.looseObject({
  sizeGiB: z.int32().min(1),
  // Read by nothing here (nor by the playbooks yet); modelled so a bad value is named, never stricter than the CRD.
  storageTier: z.string().max(MAX_STORAGE_TIER_LENGTH).regex(STORAGE_TIER_PATTERN).optional(),
});

/** GPU passthrough resolved from the instance type; immutable (the CRD's rule on spec). */
export const GpuSpec = z.looseObject({
  count: z.int32().min(1).max(MAX_GPU_COUNT),
  pciDeviceSelector: z.string().min(1),
  resourceName: z.string().min(1),
});

export const NetworkAttachment = z.looseObject({
  subnetRef: stringOfAtMost(253).min(1),
  securityGroupRefs: z.array(z.string()).optional(),
});

export const ComputeInstanceSpec = z.looseObject({
  templateID: z.string().regex(TEMPLATE_ID_PATTERN),
  templateParameters: z.string().optional(),
  image: ImageSpec,
  guestOSFamily: z.string().optional(),
  // Resize (OSAC-4277) renames `cores` to `vcpus`; neither is read here (the playbooks size the VM), so an instance
  // of either CRD generation is accepted and reaches the playbooks as it is.
  cores: z.int32().min(1).max(MAX_CORES).optional(),
  vcpus: z.int32().min(1).optional(),
  memoryGiB: z.int32().min(1),
  bootDisk: DiskSpec,
  additionalDisks: z.array(DiskSpec).optional(),
  runStrategy: RunStrategy,
  // The CRD defaults `name` to "" server-side; we do not fill it in, so parsing never rewrites the object.
  userDataSecretRef: z.looseObject({ name: z.string().optional() }).optional(),
  sshKey: z.string().optional(),
  networkAttachments: z
    .array(NetworkAttachment)
    .max(MAX_NETWORK_ATTACHMENTS)
    // x-kubernetes-list-type=map keyed by subnetRef: the API server rejects duplicate keys.
    .superRefine((attachments, ctx) => {
      const seen = new Set<string>();
      attachments.forEach((attachment, index) => {
        if (seen.has(attachment.subnetRef)) {
          ctx.addIssue({
            code: 'custom',
            path: [index, 'subnetRef'],
            message: `duplicate subnetRef ${JSON.stringify(attachment.subnetRef)} (the list is keyed by subnetRef)`,
          });
        }
        seen.add(attachment.subnetRef);
      });
    })
    .optional(),
  restartRequestedAt: DateTime.optional(),
  gpu: GpuSpec.optional(),
});
export type ComputeInstanceSpec = z.infer<typeof ComputeInstanceSpec>;

// ---------------------------------------------------------------------------------------------------------------
// status

export const Phase = z.enum(['Starting', 'Running', 'Failed', 'Deleting', 'Stopping', 'Stopped', 'Paused']);
export type Phase = z.infer<typeof Phase>;

export const ConditionStatus = z.enum(['True', 'False', 'Unknown']);
export type ConditionStatus = z.infer<typeof ConditionStatus>;

/** metav1.Condition, with the bounds and patterns the API server enforces. */
export const MAX_CONDITION_MESSAGE_LENGTH = 32768;
export const CONDITION_TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/;
export const CONDITION_REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

export const Condition = z.looseObject({
  type: z.string().max(316).regex(CONDITION_TYPE_PATTERN),
  status: ConditionStatus,
  observedGeneration: Int64.min(0).optional(),
  lastTransitionTime: DateTime,
  reason: z.string().min(1).max(1024).regex(CONDITION_REASON_PATTERN),
  message: stringOfAtMost(MAX_CONDITION_MESSAGE_LENGTH),
});
export type Condition = z.infer<typeof Condition>;

/** One entry of `status.provisioningJobs`; `jobID: ''` marks a launch intent (see jobs.ts). */
export const ProvisioningJob = z.looseObject({
  jobID: z.string(),
  type: JobType,
  timestamp: DateTime,
  state: JobState,
  message: z.string().optional(),
  blockDeletionOnFailure: z.boolean().optional(),
  configVersion: z.string().optional(),
  // Which manager a job went to, for resources with several; we never set it on ours and keep it when present.
  target: z.string().optional(),
});
export type ProvisioningJob = z.infer<typeof ProvisioningJob>;

export const TenantReference = z.looseObject({ name: z.string(), namespace: z.string() });
export const VirtualMachineReference = z.looseObject({ namespace: z.string(), kubeVirtVirtualMachineName: z.string() });

export const ComputeInstanceStatus = z.looseObject({
  phase: Phase.optional(),
  conditions: z.array(Condition).optional(),
  desiredConfigVersion: z.string().optional(),
  lastRestartedAt: DateTime.optional(),
  ipAddress: z.string().optional(),
  externalIPAddress: z.string().optional(),
  tenantReference: TenantReference.optional(),
  virtualMachineReference: VirtualMachineReference.optional(),
  provisioningJobs: z.array(ProvisioningJob).optional(),
});
export type ComputeInstanceStatus = z.infer<typeof ComputeInstanceStatus>;

// ---------------------------------------------------------------------------------------------------------------
// the resource

export const ComputeInstance = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal(KIND),
  metadata: ObjectMeta,
  spec: ComputeInstanceSpec,
  status: ComputeInstanceStatus.optional(),
});
export type ComputeInstance = z.infer<typeof ComputeInstance>;

/** A failed `parseComputeInstance`: `issues` lists every failing path, the message names them all. */
export class InvalidComputeInstanceError extends Error {
  constructor(
    readonly subject: string,
    readonly issues: ReadonlyArray<{ path: string; message: string }>,
  ) {
    super(`invalid ComputeInstance ${subject}: ${joinIssues(issues)}`);
    this.name = 'InvalidComputeInstanceError';
  }
}

/** `namespace/name` when the raw value carries them, so the error says which resource was rejected. */
function describeSubject(value: unknown): string {
  const metadata = (value as { metadata?: { name?: unknown; namespace?: unknown } } | null | undefined)?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : undefined;
  const namespace = typeof metadata?.namespace === 'string' ? metadata.namespace : undefined;
  if (name === undefined) return '(unnamed)';
  return namespace === undefined ? name : `${namespace}/${name}`;
}

/** Validates a ComputeInstance from any boundary (webhook body, API server, state input); unknown fields are kept. */
export function parseComputeInstance(value: unknown): ComputeInstance {
  const result = ComputeInstance.safeParse(value);
  if (result.success) return result.data;
  throw new InvalidComputeInstanceError(describeSubject(value), listIssues(result.error));
}
