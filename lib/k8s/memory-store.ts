import {
  applyStatusPatch,
  type ComputeInstance,
  formatMetaTime,
  parseComputeInstance,
  unprocessableConditions,
} from '../computeinstance';
import { ConflictError, DeletingError, ForbiddenError, InstanceGoneError, InvalidError } from './errors';
import { planAddFinalizer, planRemoveFinalizer } from './finalizer-patch';
import { changedStatusFields, parseStatusPatch } from './status-patch';
import type {
  ComputeInstanceRef,
  ComputeInstanceStore,
  InvalidListItem,
  ListOptions,
  ListPage,
  RemoveFinalizerResult,
  StatusMutation,
  WriteOptions,
  WriteResult,
} from './store';

/** Runs before each conditional write lands: another writer may change the object right then (tests, chaos). */
export type WriteInterleave = (ref: ComputeInstanceRef) => void;

export interface MemoryComputeInstanceStoreOptions {
  /** Namespaces the cluster configuration allows; others are Forbidden, as for the API-server store. */
  namespaces?: readonly string[];
  /** Default of `WriteOptions.maxAttempts`; 8 like the API-server store. */
  maxAttempts?: number;
  /** Items the "server" holds but our schema refuses, reported by `list` on its first page. */
  invalid?: InvalidListItem[];
}

const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * The ComputeInstance store contract held in memory, with the API server's rules that the workflows rely on: every
 * write is conditional on the resourceVersion it was decided on (a stale one is a 409, answered by reading and
 * deciding again, `Conflict` once the attempts are spent); only owned status fields may be written; a uid that no
 * longer matches is InstanceGone; no finalizer may be added once deletion began; an object being deleted goes away
 * with its last finalizer. The same contract suite runs against it and against the API-server store on the kube
 * simulator (test/kube/store-contract.ts), so unit tests of the tasks exercise what production does.
 *
 * Between a write's read and its landing it yields once (a network round trip would), so concurrent callers race
 * as they would against a server. Objects are copied in and out: a caller cannot change the store's copy.
 */
export class MemoryComputeInstanceStore implements ComputeInstanceStore {
  readonly #objects = new Map<string, ComputeInstance>();
  readonly #namespaces: readonly string[] | undefined;
  readonly #maxAttempts: number;
  readonly #invalid: InvalidListItem[];
  #resourceVersion = 0;
  #uids = 0;
  #interleave: WriteInterleave | undefined;
  /** Every write that landed, in order: what a test asserts instead of a request log. */
  readonly writes: Array<{ operation: 'status' | 'finalizers' | 'unprocessable'; name: string }> = [];

  constructor(options: MemoryComputeInstanceStoreOptions = {}) {
    this.#namespaces = options.namespaces;
    this.#maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.#invalid = options.invalid ?? [];
  }

  // -------------------------------------------------------------------------------------------------------------
  // Staging: what a user or another controller does, never the code under test.

  /** Creates the object as the API server would: uid, resourceVersion, generation 1, creation time. */
  create(manifest: unknown, now = new Date()): ComputeInstance {
    const parsed = parseComputeInstance(manifest);
    const key = keyOf(parsed.metadata.namespace ?? 'default', parsed.metadata.name);
    if (this.#objects.has(key)) throw new Error(`${key} already exists`);
    const created: ComputeInstance = {
      ...parsed,
      metadata: {
        ...parsed.metadata,
        uid: parsed.metadata.uid ?? `memory-uid-${++this.#uids}`,
        generation: 1,
        creationTimestamp: parsed.metadata.creationTimestamp ?? formatMetaTime(now),
        resourceVersion: this.#nextVersion(),
      },
    };
    this.#objects.set(key, created);
    return structuredClone(created);
  }

  /** An object exactly as a server already holds it (uid, generation, status as given), for scenes built from fixtures. */
  put(instance: ComputeInstance): ComputeInstance {
    return structuredClone(this.#store(structuredClone(instance)));
  }

  /** The object as held now, by name, for assertions (undefined when there is none). */
  peek(name: string, namespace?: string): ComputeInstance | undefined {
    const found = [...this.#objects.values()].find(
      (i) => i.metadata.name === name && (namespace === undefined || i.metadata.namespace === namespace),
    );
    return found && structuredClone(found);
  }

  /** A user's DELETE: the deletion instant when finalizers hold the object, gone at once otherwise. */
  delete(ref: ComputeInstanceRef, now = new Date()): void {
    const current = this.#find(ref);
    if (!current) return;
    if ((current.metadata.finalizers ?? []).length === 0) {
      this.#objects.delete(keyOf(ref.namespace, ref.name));
      return;
    }
    if (current.metadata.deletionTimestamp !== undefined) return;
    this.#store({ ...current, metadata: { ...current.metadata, deletionTimestamp: formatMetaTime(now) } });
  }

  /** A user's spec change: generation moves on, as the API server does for spec writes. */
  updateSpec(ref: ComputeInstanceRef, change: Partial<ComputeInstance['spec']>): ComputeInstance {
    const current = this.#require(ref, 'updateSpec');
    const next = {
      ...current,
      spec: { ...current.spec, ...change },
      metadata: { ...current.metadata, generation: (current.metadata.generation ?? 0) + 1 },
    };
    return structuredClone(this.#store(next));
  }

  /** Anything else another writer does (labels, annotations, status of its own): a new resourceVersion. */
  touch(ref: ComputeInstanceRef, change: (current: ComputeInstance) => ComputeInstance = (c) => c): ComputeInstance {
    return structuredClone(this.#store(change(this.#require(ref, 'touch'))));
  }

  /** Sets (or clears) what runs before each write lands. */
  interleave(hook: WriteInterleave | undefined): void {
    this.#interleave = hook;
  }

  // -------------------------------------------------------------------------------------------------------------
  // The contract.

  async get(ref: ComputeInstanceRef): Promise<ComputeInstance | undefined> {
    this.#checkNamespace(ref.namespace, `get ${ref.namespace}/${ref.name}`);
    const found = this.#find(ref);
    return found && structuredClone(found);
  }

  async list(options: ListOptions): Promise<ListPage> {
    const what = `list ${options.namespace ?? '(all namespaces)'}`;
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new InvalidError(`${what}: limit must be >= 1`);
    if (options.namespace === undefined && this.#namespaces !== undefined) {
      throw new ForbiddenError(`${what}: the cluster is restricted to namespaces ${this.#namespaces.join(', ')}`);
    }
    if (options.namespace !== undefined) this.#checkNamespace(options.namespace, what);
    const selector = parseSelector(options.labelSelector);
    // In creation order; the contract promises no order, only that pages do not repeat or skip objects.
    const matching = [...this.#objects.values()]
      .filter((i) => options.namespace === undefined || i.metadata.namespace === options.namespace)
      .filter((i) => selector.every(([key, value]) => i.metadata.labels?.[key] === value));
    const from = Number(options.continueToken ?? 0);
    const items = matching.slice(from, from + options.limit).map((i) => structuredClone(i));
    const next = from + items.length;
    return {
      items,
      invalid: from === 0 ? [...this.#invalid] : [],
      resourceVersion: String(this.#resourceVersion),
      ...(next < matching.length ? { continueToken: String(next) } : {}),
    };
  }

  async updateStatus(ref: ComputeInstanceRef, mutate: StatusMutation, options?: WriteOptions): Promise<WriteResult> {
    const what = `updateStatus ${ref.namespace}/${ref.name}`;
    return this.#optimisticWrite<WriteResult>(what, ref, options, (current) => {
      const proposed = mutate(structuredClone(current));
      if (proposed === undefined) return { done: { instance: structuredClone(current), changed: false } };
      const changes = changedStatusFields(current, parseStatusPatch(proposed, what));
      if (changes === undefined) return { done: { instance: structuredClone(current), changed: false } };
      return {
        write: (latest) => {
          this.writes.push({ operation: 'status', name: ref.name });
          return { instance: structuredClone(this.#store(applyStatusPatch(latest, changes))), changed: true };
        },
      };
    });
  }

  async addFinalizer(ref: ComputeInstanceRef, finalizer: string, options?: WriteOptions): Promise<WriteResult> {
    const what = `addFinalizer ${finalizer} to ${ref.namespace}/${ref.name}`;
    return this.#optimisticWrite<WriteResult>(what, ref, options, (current) => {
      const plan = planAddFinalizer(current, finalizer);
      if (plan.action === 'none') return { done: { instance: structuredClone(current), changed: false } };
      if (plan.action === 'deleting') {
        throw new DeletingError(
          `${what}: the object is being deleted (deletionTimestamp ${current.metadata.deletionTimestamp}); ` +
            'no finalizer may be added and no job may be launched for it',
        );
      }
      return {
        write: (latest) => {
          this.writes.push({ operation: 'finalizers', name: ref.name });
          const finalizers = [...(latest.metadata.finalizers ?? []), finalizer];
          return {
            instance: structuredClone(this.#store({ ...latest, metadata: { ...latest.metadata, finalizers } })),
            changed: true,
          };
        },
      };
    });
  }

  async removeFinalizer(
    ref: ComputeInstanceRef,
    finalizer: string,
    options?: WriteOptions,
  ): Promise<RemoveFinalizerResult> {
    const what = `removeFinalizer ${finalizer} from ${ref.namespace}/${ref.name}`;
    try {
      return await this.#optimisticWrite<RemoveFinalizerResult>(what, ref, options, (current) => {
        if (planRemoveFinalizer(current, finalizer).action !== 'patch') {
          return { done: { instance: structuredClone(current), changed: false } };
        }
        return {
          write: (latest) => {
            this.writes.push({ operation: 'finalizers', name: ref.name });
            const finalizers = (latest.metadata.finalizers ?? []).filter((f) => f !== finalizer);
            const updated = this.#store({ ...latest, metadata: { ...latest.metadata, finalizers } });
            // The API server deletes an object being deleted once its last finalizer is gone.
            if (updated.metadata.deletionTimestamp !== undefined && finalizers.length === 0) {
              this.#objects.delete(keyOf(ref.namespace, ref.name));
            }
            return { instance: structuredClone(updated), changed: true };
          },
        };
      });
    } catch (error) {
      // Gone is the goal state: nothing is left to hold the finalizer.
      if (error instanceof InstanceGoneError) return { instance: undefined, changed: false };
      throw error;
    }
  }

  async setUnprocessable(ref: ComputeInstanceRef, problem: string | undefined, now: Date): Promise<boolean> {
    const what = `setUnprocessable ${ref.namespace}/${ref.name}`;
    const result = await this.#optimisticWrite<boolean>(what, ref, undefined, (current) => {
      const conditions = unprocessableConditions(current.status?.conditions, problem, now);
      if (conditions === undefined) return { done: false };
      return {
        write: (latest) => {
          this.writes.push({ operation: 'unprocessable', name: ref.name });
          // Written raw, as the API-server store does: the condition entries are the server's to validate.
          this.#store({ ...latest, status: { ...latest.status, conditions } } as ComputeInstance);
          return true;
        },
      };
    });
    return result;
  }

  toJSON(): { store: 'memory'; objects: number } {
    return { store: 'memory', objects: this.#objects.size };
  }

  // -------------------------------------------------------------------------------------------------------------

  /** Read → decide → write only if the object is still the version decided on, as the API-server store does. */
  async #optimisticWrite<R>(
    what: string,
    ref: ComputeInstanceRef,
    options: WriteOptions | undefined,
    decide: (current: ComputeInstance) => { done: R } | { write: (latest: ComputeInstance) => R },
  ): Promise<R> {
    this.#checkNamespace(ref.namespace, what);
    const maxAttempts = options?.maxAttempts ?? this.#maxAttempts;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new InvalidError(`${what}: maxAttempts must be a whole number >= 1, got ${maxAttempts}`);
    }
    for (let attempt = 1; ; attempt++) {
      const current = this.#require(ref, what);
      const step = decide(current);
      if ('done' in step) return step.done;
      if (attempt > maxAttempts) {
        throw new ConflictError(`${what}: the object kept changing; gave up after ${maxAttempts} attempts`, {
          statusCode: 409,
          reason: 'Conflict',
        });
      }
      // The request's round trip: other callers and the interleave hook may write meanwhile.
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.#interleave?.(ref);
      const latest = this.#find(ref);
      if (latest === undefined) throw new InstanceGoneError(`${what}: the object was deleted`);
      if (latest.metadata.resourceVersion === current.metadata.resourceVersion) return step.write(latest);
      // 409: decided on a stale version; read and decide again.
    }
  }

  #find(ref: ComputeInstanceRef): ComputeInstance | undefined {
    const found = this.#objects.get(keyOf(ref.namespace, ref.name));
    if (found === undefined) return undefined;
    if (ref.uid !== undefined && found.metadata.uid !== ref.uid) return undefined;
    return found;
  }

  #require(ref: ComputeInstanceRef, what: string): ComputeInstance {
    const found = this.#find(ref);
    if (found === undefined) {
      throw new InstanceGoneError(
        `${what}: ${ref.namespace}/${ref.name}${ref.uid === undefined ? '' : ` (uid ${ref.uid})`} does not exist`,
      );
    }
    return found;
  }

  #store(instance: ComputeInstance): ComputeInstance {
    const stored = { ...instance, metadata: { ...instance.metadata, resourceVersion: this.#nextVersion() } };
    this.#objects.set(keyOf(stored.metadata.namespace ?? 'default', stored.metadata.name), stored);
    return stored;
  }

  #nextVersion(): string {
    return String(++this.#resourceVersion);
  }

  #checkNamespace(namespace: string, what: string): void {
    if (this.#namespaces !== undefined && !this.#namespaces.includes(namespace)) {
      throw new ForbiddenError(`${what}: namespace ${namespace} is not one the cluster configuration allows`);
    }
  }
}

function keyOf(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Equality selectors only (`a=b,c=d`), which is all this project sends. */
function parseSelector(selector: string | undefined): Array<[string, string]> {
  if (selector === undefined) return [];
  return selector.split(',').map((term) => {
    const [key, value] = term.split('=');
    if (key === undefined || value === undefined || key === '')
      throw new InvalidError(`unsupported label selector ${selector}`);
    return [key.trim(), value.trim()];
  });
}
