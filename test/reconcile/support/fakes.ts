import type { AapJob } from '../../../lib/aap';
import type { ComputeInstance, StatusPatch } from '../../../lib/computeinstance';
import { isTerminalJobState, type JobState } from '../../../lib/domain/job-state';
import {
  ClusterConfig,
  type ClusterConfigInput,
  type ClusterCredentials,
  type ClusterRegistry,
  type ComputeInstanceRef,
  type InvalidListItem,
  type ListOptions,
  type ListPage,
  MemoryComputeInstanceStore,
  type StatusMutation,
  type WriteResult,
} from '../../../lib/k8s';

/** A parsed cluster entry; the server is never contacted by the in-memory store. */
export function cluster(id: string, extra: Partial<ClusterConfigInput> = {}): ClusterConfig {
  return ClusterConfig.parse({
    id,
    server: `https://${id}.example.test:6443`,
    token: `token-of-${id}`,
    webhookSecrets: [`hmac-of-${id}`],
    ...extra,
  });
}

export function registryOf(clusters: ClusterCredentials[]): ClusterRegistry<ClusterCredentials> {
  return {
    get: async (id) => clusters.find((c) => c.id === id),
    list: async () => [...clusters],
  };
}

/**
 * The in-memory store (lib/k8s/memory-store.ts, the one held to the store contract) seen from the reconciler: it
 * records every list, the `Unprocessable` calls and the status writes, and refuses what the reconciler must never
 * do (read single instances, touch finalizers).
 */
export class MemoryStore extends MemoryComputeInstanceStore {
  readonly lists: ListOptions[] = [];
  readonly unprocessable: Array<{ ref: ComputeInstanceRef; problem: string | undefined }> = [];
  /** Thrown by setUnprocessable when set. */
  failUnprocessable: Error | undefined;
  /** The reconciler writes only its `Stalled` condition. */
  readonly statusWrites: StatusPatch[] = [];

  constructor(instances: ComputeInstance[], invalid: InvalidListItem[] = []) {
    super({ invalid });
    for (const instance of instances) this.put(instance);
  }

  override async setUnprocessable(ref: ComputeInstanceRef, problem: string | undefined, now: Date): Promise<boolean> {
    if (this.failUnprocessable) throw this.failUnprocessable;
    this.unprocessable.push({ ref, problem });
    // Objects our schema refuses are not held here; their condition is only recorded.
    if (this.peek(ref.name, ref.namespace) === undefined) return true;
    return super.setUnprocessable(ref, problem, now);
  }

  override async list(options: ListOptions): Promise<ListPage> {
    this.lists.push(options);
    return super.list(options);
  }

  override get(): never {
    throw new Error('the reconciler must not read single instances');
  }

  override async updateStatus(ref: ComputeInstanceRef, mutate: StatusMutation): Promise<WriteResult> {
    return super.updateStatus(ref, (current) => {
      const patch = mutate(current);
      if (patch !== undefined) this.statusWrites.push(patch);
      return patch;
    });
  }

  instance(name: string): ComputeInstance | undefined {
    return this.peek(name);
  }

  override addFinalizer(): never {
    throw new Error('the reconciler must not touch finalizers');
  }

  override removeFinalizer(): never {
    throw new Error('the reconciler must not touch finalizers');
  }
}

/** Renames a fixture instance so several can live side by side. */
export function named(instance: ComputeInstance, name: string, namespace = instance.metadata.namespace) {
  return { ...instance, metadata: { ...instance.metadata, name, namespace, uid: `uid-${namespace}-${name}` } };
}

/** An AAP stand-in for `getJobs`: answers from a table of job states and records every call's ids. */
export class FakeAap {
  readonly calls: number[][] = [];
  failWith: Error | undefined;

  constructor(private readonly states: Map<number, JobState> = new Map()) {}

  async getJobs(ids: readonly number[]): Promise<Map<number, AapJob>> {
    this.calls.push([...ids]);
    if (this.failWith) throw this.failWith;
    const jobs = new Map<number, AapJob>();
    for (const id of ids) {
      const state = this.states.get(id);
      if (state === undefined) continue;
      jobs.set(id, {
        id,
        kind: 'job',
        status: state.toLowerCase(),
        state,
        terminal: isTerminalJobState(state),
        started: null,
        finished: null,
        failed: state === 'Failed',
        elapsed: 0,
        name: 'osac-create-compute-instance',
        extraVars: () => ({}),
      });
    }
    return jobs;
  }
}
