/**
 * The cluster forwarder: watches ComputeInstances on a cluster and POSTs every change, signed, to the webhook's
 * events route (`POST {url}/v1/clusters/{cluster}/events`). Run it with `cloudkit-provisioner forward`.
 */
export { type Command, main, PROGRAM, parseCommandLine, USAGE, UsageError } from './cli';
export { type CreateForwarderInput, createForwarder } from './create';
export {
  classifyResponse,
  type DeliveryOutcome,
  eventsEndpoint,
  WebhookSender,
  type WebhookTarget,
} from './delivery';
export { type ChangeEvent, ChangeType, objectKey, WatchedObject, WatchLine } from './events';
export {
  Forwarder,
  type ForwarderCounters,
  type ForwarderDependencies,
  type ForwarderState,
  type ForwarderStats,
  type StopReport,
} from './forwarder';
export { type HealthServer, type HealthServerOptions, startHealthServer } from './health';
export { diffListing, KnownObjects, type ObjectsByName } from './known-objects';
export {
  type InstanceSource,
  KubeInstanceSource,
  type KubeInstanceSourceOptions,
  type Listing,
  type WatchEnd,
  type WatchHandlers,
} from './kube-source';
export {
  chooseKubeConfigSource,
  describeKubeConfigSource,
  KubeConfigError,
  type KubeConfigSource,
  loadKubeConfig,
} from './kubeconfig';
export { createForwarderLogger } from './logger';
export {
  BackoffOptions,
  ForwarderConfigError,
  ForwarderOptions,
  type ForwarderOptionsInput,
  parseForwarderOptions,
} from './options';
export { type EnqueueResult, EventQueue } from './queue';
export { InstanceWatcher, type WatcherOptions, type WatcherStats } from './watcher';
