/**
 * The Kubernetes API-server simulator: what `@kubernetes/client-node` and `kubectl` talk to in workflow tests and
 * in the embedded local stack.
 */

export type { ObjectFilter } from './admin';
export type { JSONSchemaProps, ResourceType } from './crd';
export { defaultCrdPaths, loadCrdFile, PROJECT_CRD_PATH, TENANT_CRD_PATH } from './crd';
export type { Faults, FaultsInput } from './faults';
export type { JsonObject, JsonValue } from './json';
export type { KubeconfigOptions } from './kubeconfig';
export { kubeconfigFor } from './kubeconfig';
export type { KubeSimulator, KubeSimulatorOptions, RequestLogEntry, RestartOptions } from './server';
export { startKubeSimulator } from './server';
export type { Status, StatusCause, StatusDetails } from './status';
