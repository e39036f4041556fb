import type { AapJob } from '../../../lib/aap';
import { applyStatusPatch, type ComputeInstance, type StatusPatch } from '../../../lib/computeinstance';
import { isTerminalJobState, type JobState } from '../../../lib/domain/job-state';
import {
  ClusterConfig,
  type ClusterConfigInput,
  type ClusterCredentials,
  type ClusterRegistry,
  type ComputeInstanceRef,
  type ComputeInstanceStore,
  type InvalidListItem,
  type ListOptions,
  type ListPage,
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
 * Serves `list` from memory with real paging (continue tokens are offsets), the objects our schema refuses on the
 * first page; records `setUnprocessable`; every other method is refused.
 */
export class MemoryStore implements ComputeInstanceStore {
  readonly lists: ListOptions[] = [];
  readonly unprocessable: Array<{ ref: ComputeInstanceRef; problem: string | undefined }> = [];
  /** Thrown by setUnprocessable when set. */
  failUnprocessable: Error | undefined;

  constructor(
    private readonly instances: ComputeInstance[],
    private readonly invalid: InvalidListItem[] = [],
  ) {}

  async setUnprocessable(ref: ComputeInstanceRef, problem: string | undefined): Promise<boolean> {
    if (this.failUnprocessable) throw this.failUnprocessable;
    this.unprocessable.push({ ref, problem });
    return true;
  }

  async list(options: ListOptions): Promise<ListPage> {
    this.lists.push(options);
    const matching = this.instances.filter(
      (i) => options.namespace === undefined || i.metadata.namespace === options.namespace,
    );
    const from = Number(options.continueToken ?? 0);
    const items = matching.slice(from, from + options.limit);
    const next = from + items.length;
    return {
      items,
      invalid: from === 0 ? this.invalid : [],
      resourceVersion: '1',
      ...(next < matching.length ? { continueToken: String(next) } : {}),
    };
  }

  get(): never {
    throw new Error('the reconciler must not read single instances');
  }
  /** The reconciler writes only its `Stalled` condition; applied in memory, like the API server's merge. */
  readonly statusWrites: StatusPatch[] = [];
  async updateStatus(ref: ComputeInstanceRef, mutate: StatusMutation): Promise<WriteResult> {
    const index = this.instances.findIndex((i) => i.metadata.name === ref.name && i.metadata.uid === ref.uid);
    const current = this.instances[index];
    if (current === undefined) throw new Error(`no instance ${ref.namespace}/${ref.name}`);
    const patch = mutate(current);
    if (patch === undefined) return { instance: current, changed: false };
    this.statusWrites.push(patch);
    const updated = applyStatusPatch(current, patch);
    this.instances[index] = updated;
    return { instance: updated, changed: true };
  }
  instance(name: string): ComputeInstance | undefined {
    return this.instances.find((i) => i.metadata.name === name);
  }
  addFinalizer(): never {
    throw new Error('the reconciler must not touch finalizers');
  }
  removeFinalizer(): never {
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
