/**
 * Cluster access and safe writes to ComputeInstances: the cluster registry, and a store whose every write is
 * conditional and touches only what it owns (status fields through `/status`, one finalizer through a JSON patch).
 */

export type { RetryPolicy } from '../runtime/retry';
export {
  ClusterConfig,
  type ClusterConfigInput,
  ClusterCredentials,
  ClusterCredentialsDocument,
  type ClusterRegistry,
  ClusterRegistryDocument,
  ClusterRegistryError,
  type ClusterRegistryView,
  type ClusterRegistryViews,
  FileClusterRegistry,
  parseClusterRegistryDocument,
  REDACTED,
  type RedactedClusterConfig,
  redactCluster,
  SecretsManagerClusterRegistry,
  type SecretsManagerClusterRegistryOptions,
  WebhookCluster,
  WebhookClustersDocument,
} from './clusters';
export {
  createComputeInstanceStore,
  KubeComputeInstanceStore,
  type KubeComputeInstanceStoreOptions,
} from './compute-instances';
export {
  ComputeInstanceStoreError,
  ConflictError,
  DeletingError,
  ForbiddenError,
  InstanceGoneError,
  InvalidError,
  isStoreError,
  STORE_ERROR_NAMES,
  type StoreErrorName,
  TransientError,
} from './errors';
export { type FinalizerPlan, type JsonPatchOperation, planAddFinalizer, planRemoveFinalizer } from './finalizer-patch';
export { kubeConfigFor } from './kube-config';
export {
  MemoryComputeInstanceStore,
  type MemoryComputeInstanceStoreOptions,
  type WriteInterleave,
} from './memory-store';
export { CONFLICT_RETRY, TRANSIENT_RETRY } from './retry';
export { changedStatusFields, OwnedStatusPatch, statusMergePatch } from './status-patch';
export {
  ComputeInstanceRef,
  type ComputeInstanceStore,
  type InvalidListItem,
  ListOptions,
  type ListPage,
  type RemoveFinalizerResult,
  type StatusMutation,
  type WriteOptions,
  type WriteResult,
} from './store';
export {
  createTenantReader,
  KubeTenantReader,
  MemoryTenantReader,
  parseTenant,
  Tenant,
  type TenantReader,
  TenantStorageClass,
} from './tenants';
