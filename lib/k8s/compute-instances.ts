import type { CustomObjectsApi } from '@kubernetes/client-node';
import {
  type ComputeInstance,
  GROUP,
  InvalidComputeInstanceError,
  PLURAL,
  parseComputeInstance,
  unprocessableConditions,
  VERSION,
} from '../computeinstance';
import { canRetryAfter } from '../runtime/deadline';
import { describeIssues } from '../runtime/issues';
import { backoffDelayMs, checkRetryPolicy, type RetryPolicy, sleep } from '../runtime/retry';
import { toStoreError } from './api-errors';
import { clientNode } from './client-node';
import type { ClusterCredentials } from './clusters';
import {
  type ComputeInstanceStoreError,
  ConflictError,
  DeletingError,
  ForbiddenError,
  InstanceGoneError,
  InvalidError,
  isStoreError,
} from './errors';
import { planAddFinalizer, planRemoveFinalizer } from './finalizer-patch';
import { contentTypeMiddleware, makeApi, reusingConnections, timeoutMiddleware } from './kube-api';
import { kubeConfigFor } from './kube-config';
import { parseListPage } from './list-page';
import { CONFLICT_RETRY, TRANSIENT_RETRY } from './retry';
import { changedStatusFields, parseStatusPatch, statusMergePatch } from './status-patch';
import {
  ComputeInstanceRef,
  type ComputeInstanceStore,
  ListOptions,
  type ListPage,
  type RemoveFinalizerResult,
  type StatusMutation,
  type WriteOptions,
  type WriteResult,
} from './store';
// The API-server implementation of the store contract (./store.ts).

export interface KubeComputeInstanceStoreOptions {
  /** Optimistic-concurrency retries of the writes; `attempts` is the default of `WriteOptions.maxAttempts`. */
  conflictRetry?: RetryPolicy;
  /** Retries of one request on 5xx / 429 / network failure, before `Transient` is thrown. */
  transientRetry?: RetryPolicy;
  /** Per request; default 10 s. */
  requestTimeoutMs?: number;
  /** Recorded in managedFields for our writes. */
  fieldManager?: string;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_FIELD_MANAGER = 'cloudkit-provisioner';

/** One step of an optimistic write: either the goal already holds, or here is the conditional request to send. */
type WriteStep<R> = { done: R } | { send: () => Promise<R> };

export class KubeComputeInstanceStore implements ComputeInstanceStore {
  readonly #cluster: ClusterCredentials;
  // client-node sends every patch as a JSON patch unless a middleware sets another Content-Type; one client per
  // patch type keeps that decision out of each call: JSON patch for finalizers, merge patch for status.
  readonly #api: CustomObjectsApi;
  readonly #mergePatchApi: CustomObjectsApi;
  readonly #conflictRetry: RetryPolicy;
  readonly #transientRetry: RetryPolicy;
  readonly #fieldManager: string;

  constructor(cluster: ClusterCredentials, options: KubeComputeInstanceStoreOptions = {}) {
    this.#cluster = cluster;
    this.#conflictRetry = checkRetryPolicy(options.conflictRetry ?? CONFLICT_RETRY, 'conflictRetry');
    this.#transientRetry = checkRetryPolicy(options.transientRetry ?? TRANSIENT_RETRY, 'transientRetry');
    this.#fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const kubeConfig = kubeConfigFor(cluster);
    const auth = reusingConnections(kubeConfig);
    this.#api = makeApi(kubeConfig, auth, [timeoutMiddleware(timeoutMs)]);
    this.#mergePatchApi = makeApi(kubeConfig, auth, [
      timeoutMiddleware(timeoutMs),
      contentTypeMiddleware(clientNode().PatchStrategy.MergePatch),
    ]);
  }

  async get(ref: ComputeInstanceRef): Promise<ComputeInstance | undefined> {
    const target = this.#ref(ref, 'get');
    try {
      return await this.#read(target, `get ${this.#describe(target)}`);
    } catch (error) {
      if (isStoreError(error, 'InstanceGone')) return undefined;
      throw error;
    }
  }

  async list(options: ListOptions): Promise<ListPage> {
    const parsed = ListOptions.safeParse(options);
    if (!parsed.success) throw new InvalidError(`list on cluster ${this.#cluster.id}: ${describeIssues(parsed.error)}`);
    const { namespace, limit, continueToken, labelSelector } = parsed.data;
    const what = `list ${namespace ?? '(all namespaces)'} on cluster ${this.#cluster.id}`;
    if (namespace === undefined && this.#cluster.namespaces !== undefined) {
      throw new ForbiddenError(
        `${what}: the cluster is restricted to namespaces ${this.#cluster.namespaces.join(', ')}; list one of them`,
      );
    }
    if (namespace !== undefined) this.#checkNamespace(namespace, what);
    const query = { group: GROUP, version: VERSION, plural: PLURAL, limit, _continue: continueToken, labelSelector };
    const raw = await this.#call(what, () =>
      namespace === undefined
        ? this.#api.listClusterCustomObject(query)
        : this.#api.listNamespacedCustomObject({ ...query, namespace }),
    );
    return parseListPage(raw, what);
  }

  async updateStatus(ref: ComputeInstanceRef, mutate: StatusMutation, options?: WriteOptions): Promise<WriteResult> {
    const target = this.#ref(ref, 'updateStatus');
    const what = `updateStatus ${this.#describe(target)}`;
    return this.#optimisticWrite(what, target, options, (current): WriteStep<WriteResult> => {
      const proposed = mutate(current);
      if (proposed === undefined) return { done: { instance: current, changed: false } };
      const changes = changedStatusFields(current, parseStatusPatch(proposed, what));
      if (changes === undefined) return { done: { instance: current, changed: false } };
      const body = statusMergePatch(current, changes);
      return {
        send: async () => {
          const raw = await this.#patchStatus(what, target, body);
          return { instance: this.#parse(raw, what), changed: true };
        },
      };
    });
  }

  async addFinalizer(ref: ComputeInstanceRef, finalizer: string, options?: WriteOptions): Promise<WriteResult> {
    const target = this.#ref(ref, 'addFinalizer');
    const what = `addFinalizer ${finalizer} to ${this.#describe(target)}`;
    return this.#optimisticWrite(what, target, options, (current): WriteStep<WriteResult> => {
      const plan = planAddFinalizer(current, finalizer);
      if (plan.action === 'none') return { done: { instance: current, changed: false } };
      if (plan.action === 'deleting') {
        throw new DeletingError(
          `${what}: the object is being deleted (deletionTimestamp ${current.metadata.deletionTimestamp}); ` +
            'no finalizer may be added and no job may be launched for it',
        );
      }
      return { send: async () => ({ instance: await this.#jsonPatch(target, plan.operations, what), changed: true }) };
    });
  }

  async removeFinalizer(
    ref: ComputeInstanceRef,
    finalizer: string,
    options?: WriteOptions,
  ): Promise<RemoveFinalizerResult> {
    const target = this.#ref(ref, 'removeFinalizer');
    const what = `removeFinalizer ${finalizer} from ${this.#describe(target)}`;
    try {
      return await this.#optimisticWrite(what, target, options, (current): WriteStep<RemoveFinalizerResult> => {
        const plan = planRemoveFinalizer(current, finalizer);
        if (plan.action !== 'patch') return { done: { instance: current, changed: false } };
        return {
          send: async () => ({ instance: await this.#jsonPatch(target, plan.operations, what), changed: true }),
        };
      });
    } catch (error) {
      // Gone is the goal state: nothing is left to hold the finalizer.
      if (isStoreError(error, 'InstanceGone')) return { instance: undefined, changed: false };
      throw error;
    }
  }

  async setUnprocessable(ref: ComputeInstanceRef, problem: string | undefined, now: Date): Promise<boolean> {
    const target = this.#ref(ref, 'setUnprocessable');
    const what = `setUnprocessable ${this.#describe(target)}`;
    for (let attempt = 1; ; attempt++) {
      // Raw, never parsed: the object is here precisely because our schema may refuse it.
      const raw = (await this.#call(what, () =>
        this.#api.getNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: PLURAL,
          namespace: target.namespace,
          name: target.name,
        }),
      )) as { metadata?: { uid?: unknown; resourceVersion?: unknown }; status?: { conditions?: unknown } };
      if (target.uid !== undefined && raw.metadata?.uid !== target.uid) {
        throw new InstanceGoneError(`${what}: the object with uid ${target.uid} was deleted`);
      }
      const conditions = unprocessableConditions(raw.status?.conditions, problem, now);
      if (conditions === undefined) return false;
      const resourceVersion = raw.metadata?.resourceVersion;
      if (typeof resourceVersion !== 'string' || resourceVersion === '') {
        throw new InvalidError(`${what}: the object has no resourceVersion to write against`);
      }
      try {
        await this.#patchStatus(what, target, { metadata: { resourceVersion }, status: { conditions } });
        return true;
      } catch (error) {
        if (!isStoreError(error, 'Conflict') || attempt >= this.#conflictRetry.attempts) throw error;
        await sleep(backoffDelayMs(this.#conflictRetry, attempt));
      }
    }
  }

  /**
   * Read → decide → conditional write, until the write lands or the decision is "nothing to do".
   * - 409 (stale resourceVersion) or 422 (a JSON-patch `test` failed): the object changed since our read; wait
   *   a jittered moment, read again and decide again, at most `maxAttempts` writes, then `Conflict`.
   * - 422 while the object has NOT changed since the refused write: the server refuses the content itself, so
   *   that `Invalid` is final.
   * The goal holding on a re-read ends the loop successfully even after the attempts are spent.
   */
  async #optimisticWrite<R>(
    what: string,
    ref: ComputeInstanceRef,
    options: WriteOptions | undefined,
    decide: (current: ComputeInstance) => WriteStep<R>,
  ): Promise<R> {
    const maxAttempts = options?.maxAttempts ?? this.#conflictRetry.attempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new InvalidError(`${what}: maxAttempts must be a whole number >= 1, got ${maxAttempts}`);
    }
    let lastFailure: { error: ComputeInstanceStoreError; resourceVersion: string | undefined } | undefined;
    for (let attempt = 1; ; attempt++) {
      const current = await this.#read(ref, what);
      if (lastFailure?.error.name === 'Invalid' && lastFailure.resourceVersion === current.metadata.resourceVersion) {
        throw lastFailure.error;
      }
      const step = decide(current);
      if ('done' in step) return step.done;
      if (attempt > maxAttempts) {
        throw new ConflictError(
          `${what}: the object kept changing; gave up after ${maxAttempts} attempts (last: ${lastFailure?.error.message})`,
          { statusCode: lastFailure?.error.statusCode ?? 409, reason: lastFailure?.error.reason },
        );
      }
      try {
        return await step.send();
      } catch (error) {
        const precondition =
          isStoreError(error, 'Conflict') || (isStoreError(error, 'Invalid') && error.statusCode === 422);
        if (!precondition) throw error;
        lastFailure = { error, resourceVersion: current.metadata.resourceVersion };
        const delayMs = backoffDelayMs(this.#conflictRetry, attempt);
        // Out of budget: the Conflict goes to the state machine, which retries the whole step.
        if (!canRetryAfter(delayMs)) throw error;
        await sleep(delayMs);
      }
    }
  }

  /** GET that throws InstanceGone for a missing object or one recreated under another uid. */
  async #read(ref: ComputeInstanceRef, what: string): Promise<ComputeInstance> {
    const raw = await this.#call(what, () =>
      this.#api.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ref.namespace,
        name: ref.name,
      }),
    );
    const instance = this.#parse(raw, what);
    if (ref.uid !== undefined && instance.metadata.uid !== ref.uid) {
      throw new InstanceGoneError(
        `${what}: the object now has uid ${instance.metadata.uid}; the one with uid ${ref.uid} was deleted`,
      );
    }
    return instance;
  }

  async #jsonPatch(ref: ComputeInstanceRef, operations: unknown[], what: string): Promise<ComputeInstance> {
    const raw = await this.#call(what, () =>
      this.#api.patchNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: ref.namespace,
        name: ref.name,
        body: operations,
        fieldManager: this.#fieldManager,
      }),
    );
    return this.#parse(raw, what);
  }

  /** A merge patch of the status subresource: the only way this store writes status. */
  #patchStatus(what: string, target: { namespace: string; name: string }, body: object): Promise<unknown> {
    return this.#call(what, () =>
      this.#mergePatchApi.patchNamespacedCustomObjectStatus({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
        namespace: target.namespace,
        name: target.name,
        body,
        fieldManager: this.#fieldManager,
      }),
    );
  }

  /**
   * One request, retried on Transient failures. Retrying writes is safe because every write we send is
   * conditional (resourceVersion or `test` operations): a retry of a write that did land is refused, not doubled.
   */
  async #call<T>(what: string, request: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request();
      } catch (thrown) {
        const error = toStoreError(thrown, { what, secrets: [this.#cluster.token] });
        if (error.name !== 'Transient' || attempt >= this.#transientRetry.attempts) throw error;
        const delayMs = backoffDelayMs(this.#transientRetry, attempt);
        if (!canRetryAfter(delayMs)) throw error;
        await sleep(delayMs);
      }
    }
  }

  #parse(raw: unknown, what: string): ComputeInstance {
    try {
      return parseComputeInstance(raw);
    } catch (error) {
      if (error instanceof InvalidComputeInstanceError) {
        throw new InvalidError(`${what}: the server returned ${error.message}`);
      }
      throw error;
    }
  }

  #ref(ref: ComputeInstanceRef, operation: string): ComputeInstanceRef {
    const parsed = ComputeInstanceRef.safeParse(ref);
    if (!parsed.success) {
      throw new InvalidError(
        `${operation} on cluster ${this.#cluster.id}: bad reference: ${describeIssues(parsed.error)}`,
      );
    }
    this.#checkNamespace(parsed.data.namespace, `${operation} ${this.#describe(parsed.data)}`);
    return parsed.data;
  }

  #checkNamespace(namespace: string, what: string): void {
    const allowed = this.#cluster.namespaces;
    if (allowed !== undefined && !allowed.includes(namespace)) {
      throw new ForbiddenError(`${what}: namespace ${namespace} is not one the cluster configuration allows`);
    }
  }

  #describe(ref: ComputeInstanceRef): string {
    return `${ref.namespace}/${ref.name} on cluster ${this.#cluster.id}`;
  }

  toJSON(): { store: 'kubernetes'; cluster: string; server: string } {
    return { store: 'kubernetes', cluster: this.#cluster.id, server: this.#cluster.server };
  }
}

/** The store for one cluster, talking to its API server with the cluster's token. */
export function createComputeInstanceStore(
  cluster: ClusterCredentials,
  options?: KubeComputeInstanceStoreOptions,
): ComputeInstanceStore {
  return new KubeComputeInstanceStore(cluster, options);
}
