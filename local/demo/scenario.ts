import { type ComputeInstance, findCondition, formatMetaTime } from '../../lib/computeinstance';
import type { JobView } from '../aap-simulator';
import { sampleInstance, tenantAnnotations } from '../fixtures/sample-instance';
import { LOCAL_TENANT } from '../fixtures/sample-tenant';
import type { LocalStack } from '../stack';
import type { KubeApi } from './kube-api';
import type { StepState } from './view';

/**
 * The lifecycle the demo walks through, one step at a time. Every change goes through the cluster's API, as a user
 * would make it; every step then waits for the system to react and checks the outcome where it really happens
 * (the instance's status, the AAP simulator's jobs and VMs).
 */

export interface DemoContext {
  readonly stack: LocalStack;
  readonly kube: KubeApi;
  readonly namespace: string;
  /** Resolves with the probe's first value other than undefined; rejects after the step's time runs out. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T>;
}

export interface DemoStep {
  readonly title: string;
  /** Returns what it found, shown beside the step. Throws when the system did not do what it should. */
  run(ctx: DemoContext): Promise<string>;
}

export interface DemoInstances {
  /** Lives through the whole lifecycle. */
  readonly first: string;
  /** Deleted while its provision job runs. */
  readonly second: string;
}

const ACTIVE_JOB_STATUSES = new Set(['new', 'pending', 'waiting', 'running']);

/** The sample instance of the local stack's tenant (the stack creates that Tenant, with a `local` storage class). */
export function demoInstance(name: string, namespace: string): ComputeInstance {
  return sampleInstance({ name, namespace, annotations: tenantAnnotations(LOCAL_TENANT) });
}

/** The AAP simulator's jobs for one instance, by what they do to its VM. */
export function aapJobsOf(stack: LocalStack, key: string): { provision: JobView[]; deprovision: JobView[] } {
  const jobs = stack.aap.world.jobs().filter((job) => job.vmKey === key);
  return {
    provision: jobs.filter((job) => job.effect === 'create-vm'),
    deprovision: jobs.filter((job) => job.effect === 'delete-vm'),
  };
}

function latestProvisionJob(instance: ComputeInstance): string {
  const jobs = (instance.status?.provisioningJobs ?? []).filter((job) => job.type === 'provision');
  return jobs.at(-1)?.jobID ?? '?';
}

function hasVm(stack: LocalStack, key: string): boolean {
  return stack.aap.world.vms().some((vm) => vm.key === key);
}

export function lifecycleSteps({ first, second }: DemoInstances): DemoStep[] {
  let requestedRestart = '';
  const get = (ctx: DemoContext, name: string) => ctx.kube.get(ctx.namespace, name);
  const gone = (ctx: DemoContext, name: string) =>
    ctx.waitFor(`${name} to be gone from the cluster`, async () =>
      (await get(ctx, name)) === undefined ? true : undefined,
    );
  return [
    {
      title: `Create ${first} through the Kubernetes API`,
      async run(ctx) {
        const created = await ctx.kube.create(demoInstance(first, ctx.namespace));
        return `uid ${String(created.metadata.uid).slice(0, 8)}…, generation ${created.metadata.generation ?? 1}`;
      },
    },
    {
      title: `${first}: the provision job runs and the phase becomes Running`,
      async run(ctx) {
        const instance = await ctx.waitFor(`${first} to be Running`, async () => {
          const current = await get(ctx, first);
          const provisioned = current && findCondition(current.status?.conditions, 'Provisioned')?.status === 'True';
          return current?.status?.phase === 'Running' && provisioned ? current : undefined;
        });
        const key = `${ctx.namespace}/${first}`;
        if (!hasVm(ctx.stack, key)) throw new Error(`${first} is Running but AAP holds no VM for it`);
        return `job ${latestProvisionJob(instance)} succeeded, VM created`;
      },
    },
    {
      title: `Restart ${first} (spec.restartRequestedAt)`,
      async run(ctx) {
        requestedRestart = formatMetaTime(ctx.stack.now());
        await ctx.kube.patchSpec(ctx.namespace, first, { restartRequestedAt: requestedRestart });
        const instance = await ctx.waitFor(`${first}: lastRestartedAt = ${requestedRestart}`, async () => {
          const current = await get(ctx, first);
          return current?.status?.lastRestartedAt === requestedRestart ? current : undefined;
        });
        return `lastRestartedAt ${requestedRestart} (job ${latestProvisionJob(instance)})`;
      },
    },
    {
      title: `Halt ${first} (spec.runStrategy: Halted)`,
      async run(ctx) {
        await ctx.kube.patchSpec(ctx.namespace, first, { runStrategy: 'Halted' });
        const instance = await ctx.waitFor(`${first} to be Stopped`, async () => {
          const current = await get(ctx, first);
          return current?.status?.phase === 'Stopped' ? current : undefined;
        });
        return `phase Stopped (job ${latestProvisionJob(instance)})`;
      },
    },
    {
      title: `Delete ${first}: deprovisioned, finalizer removed, object gone`,
      async run(ctx) {
        await ctx.kube.delete(ctx.namespace, first);
        await gone(ctx, first);
        const key = `${ctx.namespace}/${first}`;
        if (hasVm(ctx.stack, key)) throw new Error(`${first} is gone but its VM is still in AAP`);
        const { deprovision } = aapJobsOf(ctx.stack, key);
        return `deprovision job ${deprovision.map((job) => job.id).join(', ') || 'none'}, VM removed`;
      },
    },
    {
      title: `Create ${second} and delete it while its provision job runs`,
      async run(ctx) {
        await ctx.kube.create(demoInstance(second, ctx.namespace));
        const key = `${ctx.namespace}/${second}`;
        const job = await ctx.waitFor(`${second}: its provision job to be running in AAP`, () => {
          const launched = aapJobsOf(ctx.stack, key).provision[0];
          if (launched === undefined) return undefined;
          if (!ACTIVE_JOB_STATUSES.has(launched.status)) {
            throw new Error(
              `provision job ${launched.id} ended (${launched.status}) before it could be seen running: raise TIME_SCALE`,
            );
          }
          return launched.status === 'running' ? launched : undefined;
        });
        await ctx.kube.delete(ctx.namespace, second);
        return `deleted while job ${job.id} was running`;
      },
    },
    {
      title: `${second}: the provision job ends before the deprovision job starts, object gone`,
      async run(ctx) {
        await gone(ctx, second);
        const key = `${ctx.namespace}/${second}`;
        const { provision, deprovision } = aapJobsOf(ctx.stack, key);
        const firstDeprovision = deprovision[0];
        if (deprovision.length > 1)
          throw new Error(`${deprovision.length} deprovision jobs ran for ${second}, not one`);
        for (const job of provision) {
          if (job.finishedAt === null) throw new Error(`provision job ${job.id} is still ${job.status}`);
          if (firstDeprovision !== undefined && job.finishedAt > firstDeprovision.launchedAt) {
            throw new Error(`provision job ${job.id} ended after deprovision job ${firstDeprovision.id} was launched`);
          }
        }
        if (hasVm(ctx.stack, key)) throw new Error(`${second} is gone but its VM is still in AAP`);
        const provisionText = provision.map((job) => `job ${job.id} ${job.status}`).join(', ') || 'no provision job';
        return `${provisionText} → ${firstDeprovision ? `deprovision job ${firstDeprovision.id}` : 'no deprovision job'}, no VM`;
      },
    },
  ];
}

/**
 * Runs the steps in order, reporting each state change; stops at the first failure (the steps build on each
 * other). Returns the final state of every step.
 */
export async function runSteps(
  steps: readonly DemoStep[],
  ctx: DemoContext,
  onChange: (states: readonly StepState[]) => void,
  signal?: AbortSignal,
): Promise<StepState[]> {
  const states: StepState[] = steps.map((step) => ({ title: step.title, status: 'pending' }));
  const update = (index: number, state: StepState) => {
    states[index] = state;
    onChange([...states]);
  };
  for (const [index, step] of steps.entries()) {
    if (signal?.aborted) break;
    update(index, { title: step.title, status: 'running' });
    try {
      update(index, { title: step.title, status: 'done', detail: await step.run(ctx) });
    } catch (error) {
      update(index, {
        title: step.title,
        status: 'failed',
        detail: error instanceof Error ? error.message : String(error),
      });
      break;
    }
  }
  return states;
}
