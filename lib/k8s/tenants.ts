import type { CustomObjectsApi } from '@kubernetes/client-node';
import * as z from 'zod';
import { canRetryAfter } from '../runtime/deadline';
import { describeIssues } from '../runtime/issues';
import { backoffDelayMs, checkRetryPolicy, type RetryPolicy, sleep } from '../runtime/retry';
import { toStoreError } from './api-errors';
import type { ClusterCredentials } from './clusters';
import { DEFAULT_REQUEST_TIMEOUT_MS } from './compute-instances';
import { InvalidError } from './errors';
import { makeApi, reusingConnections, timeoutMiddleware } from './kube-api';
import { kubeConfigFor } from './kube-config';
import { TRANSIENT_RETRY } from './retry';

// The Tenant (osac.openshift.io/v1alpha1) an instance's `osac.openshift.io/tenant` annotation names: only read, to
// resolve it before a provision launch as the OSAC operator does.

export const TENANT_GROUP = 'osac.openshift.io';
export const TENANT_VERSION = 'v1alpha1';
export const TENANT_PLURAL = 'tenants';

export const TenantStorageClass = z.looseObject({ name: z.string().min(1), tier: z.string().min(1) });
export type TenantStorageClass = z.infer<typeof TenantStorageClass>;

/** The fields of a Tenant the launch reads; the rest of the object is left alone. */
export const Tenant = z.looseObject({
  metadata: z.looseObject({
    name: z.string().min(1),
    namespace: z.string().min(1),
    deletionTimestamp: z.string().optional(),
  }),
  status: z
    .looseObject({
      storageClasses: z.array(TenantStorageClass).optional(),
    })
    .optional(),
});
export type Tenant = z.infer<typeof Tenant>;

export interface TenantReader {
  /** The Tenant, or undefined when there is none of that name in `namespace`. Throws Transient, Forbidden, Invalid. */
  get(namespace: string, name: string): Promise<Tenant | undefined>;
}

export function parseTenant(raw: unknown, what: string): Tenant {
  const parsed = Tenant.safeParse(raw);
  if (!parsed.success) throw new InvalidError(`${what}: the server returned a Tenant ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Reads Tenants from the cluster's API server with the cluster's token (which needs `get` on tenants). */
export class KubeTenantReader implements TenantReader {
  readonly #cluster: ClusterCredentials;
  readonly #api: CustomObjectsApi;
  readonly #transientRetry: RetryPolicy;

  constructor(cluster: ClusterCredentials, options: { transientRetry?: RetryPolicy; requestTimeoutMs?: number } = {}) {
    this.#cluster = cluster;
    this.#transientRetry = checkRetryPolicy(options.transientRetry ?? TRANSIENT_RETRY, 'transientRetry');
    const kubeConfig = kubeConfigFor(cluster);
    this.#api = makeApi(kubeConfig, reusingConnections(kubeConfig), [
      timeoutMiddleware(options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS),
    ]);
  }

  async get(namespace: string, name: string): Promise<Tenant | undefined> {
    const what = `get Tenant ${namespace}/${name} on cluster ${this.#cluster.id}`;
    for (let attempt = 1; ; attempt++) {
      try {
        const raw = await this.#api.getNamespacedCustomObject({
          group: TENANT_GROUP,
          version: TENANT_VERSION,
          plural: TENANT_PLURAL,
          namespace,
          name,
        });
        return parseTenant(raw, what);
      } catch (thrown) {
        if (thrown instanceof InvalidError) throw thrown;
        const error = toStoreError(thrown, { what, secrets: [this.#cluster.token] });
        if (error.name === 'InstanceGone') return undefined;
        if (error.name !== 'Transient' || attempt >= this.#transientRetry.attempts) throw error;
        const delayMs = backoffDelayMs(this.#transientRetry, attempt);
        if (!canRetryAfter(delayMs)) throw error;
        await sleep(delayMs);
      }
    }
  }
}

/** Tenants in memory, for unit tests: the same contract as the API-server reader. */
export class MemoryTenantReader implements TenantReader {
  readonly #tenants = new Map<string, unknown>();

  /** Stores the object as the API server would hold it (validated on read, like the server's answer). */
  put(tenant: unknown): void {
    const { namespace, name } = (tenant as { metadata: { namespace: string; name: string } }).metadata;
    this.#tenants.set(`${namespace}/${name}`, structuredClone(tenant));
  }

  remove(namespace: string, name: string): void {
    this.#tenants.delete(`${namespace}/${name}`);
  }

  async get(namespace: string, name: string): Promise<Tenant | undefined> {
    const raw = this.#tenants.get(`${namespace}/${name}`);
    return raw === undefined ? undefined : parseTenant(structuredClone(raw), `get Tenant ${namespace}/${name}`);
  }
}

export function createTenantReader(cluster: ClusterCredentials): TenantReader {
  return new KubeTenantReader(cluster);
}
