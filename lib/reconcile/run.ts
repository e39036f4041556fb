import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AapClient } from '../aap';
import {
  type ComputeInstance,
  findCondition,
  onWorkStalled,
  STALLED_CONDITION,
  UNPROCESSABLE_CONDITION,
} from '../computeinstance';
import type { ClusterCredentials, ClusterRegistry, ComputeInstanceStore, InvalidListItem } from '../k8s';
import { describeIssues } from '../runtime/issues';
import { describeError, type Logger } from '../runtime/logger';
import { logger as powertoolsLogger } from '../runtime/powertools';
import { describeExecution, executionArnFor, InstanceRef } from '../sfn';
import { type StateMachines, startWorkflow } from '../workflow/start';
import { observeJobs } from './job-checks';
import { forEachLimited } from './limit';
import {
  afterJobCheck,
  type ExecutionSeen,
  ExecutionStatus,
  type InstanceNeed,
  nextProbe,
  type PlanOptions,
  type PreviousAttempt,
  planInstance,
  sameWork,
  type Work,
} from './plan';
import { emptyReport, type ReconcileReport } from './report';
import { parseReconcileLimits, type ReconcileLimits, type ReconcileLimitsInput } from './settings';

/** Everything a run touches, injected: the handler builds it from the workflow context, tests from the local stack. */
export interface ReconcileContext {
  registry: ClusterRegistry<ClusterCredentials>;
  storeFor(cluster: ClusterCredentials): ComputeInstanceStore | Promise<ComputeInstanceStore>;
  aap: Pick<AapClient, 'getJobs'>;
  sfn: SFNClient;
  machines: StateMachines;
  /** The instant every decision of the run is made at (the shared, possibly scaled, clock). */
  now: Date;
  limits?: ReconcileLimitsInput;
  logger?: Logger;
}

type ExecutionNeed = Extract<InstanceNeed, { need: 'execution' }>;
type JobCheckNeed = Extract<InstanceNeed, { need: 'job-check' }>;

interface Pending<N extends InstanceNeed> {
  ref: InstanceRef;
  need: N;
}

function instanceRefOf(cluster: ClusterCredentials, instance: ComputeInstance): InstanceRef {
  const { namespace, name, uid } = instance.metadata;
  const parsed = InstanceRef.safeParse({ cluster: cluster.id, namespace, name, uid });
  if (!parsed.success) {
    const problems = describeIssues(parsed.error);
    throw new Error(`${cluster.id}/${namespace}/${name} cannot be referenced by an execution: ${problems}`);
  }
  return parsed.data;
}

function where(ref: InstanceRef): Record<string, string> {
  return { cluster: ref.cluster, namespace: ref.namespace, name: ref.name };
}

/**
 * One reconciliation pass over every registered cluster: list the ComputeInstances page by page, decide what each
 * needs (`plan.ts`), ask AAP about the jobs status still calls running (200 per request), then make sure each piece
 * of work that needs an execution has a live one, starting the first or the next retry under its deterministic name
 * when none runs. A cluster that cannot be listed is counted and skipped; the others go on.
 */
export async function reconcile(ctx: ReconcileContext): Promise<ReconcileReport> {
  const limits = parseReconcileLimits(ctx.limits);
  const run = new ReconcileRun(ctx, limits, ctx.logger ?? powertoolsLogger);
  return run.execute();
}

class ReconcileRun {
  private readonly report = emptyReport();
  private readonly executionNeeds: Array<Pending<ExecutionNeed>> = [];
  private readonly jobChecks: Array<Pending<JobCheckNeed>> = [];
  /** Instances that carry `Stalled=True` while needing nothing now: the condition is cleared. */
  private readonly recovered: Array<{ ref: InstanceRef; instance: ComputeInstance }> = [];
  private readonly stores = new Map<string, ComputeInstanceStore>();
  /** How each listed cluster's instances are planned (its finalizer), to plan a fresh read the same way. */
  private readonly clusters = new Map<string, PlanOptions>();
  private startsLeft: number;

  constructor(
    private readonly ctx: ReconcileContext,
    private readonly limits: ReconcileLimits,
    private readonly log: Logger,
  ) {
    this.startsLeft = limits.maxStarts;
  }

  async execute(): Promise<ReconcileReport> {
    const clusters = await this.ctx.registry.list();
    await forEachLimited(clusters, this.limits.concurrency, (cluster) => this.listCluster(cluster));
    await this.checkJobs();
    await forEachLimited(this.executionNeeds, this.limits.concurrency, (pending) => this.ensureExecution(pending));
    await forEachLimited(this.recovered, this.limits.concurrency, ({ ref }) =>
      this.markStalled(ref, false, 'the work it needed is done or under way again'),
    );
    if (this.report.capped > 0) {
      this.log.info('reconciliation left work for the next run', {
        capped: this.report.capped,
        maxStarts: this.limits.maxStarts,
      });
    }
    this.log.info('reconciliation finished', { ...this.report });
    return this.report;
  }

  // -------------------------------------------------------------------------------------------------------------
  // 1. List every instance and decide what it needs from the object.

  private async listCluster(cluster: ClusterCredentials): Promise<void> {
    try {
      const store = await this.ctx.storeFor(cluster);
      this.stores.set(cluster.id, store);
      const options: PlanOptions = { finalizer: cluster.finalizer, launchIntentTtlMs: this.limits.launchIntentTtlMs };
      this.clusters.set(cluster.id, options);
      // A cluster restricted to namespaces refuses a cluster-wide list: list each of them instead.
      for (const namespace of cluster.namespaces ?? [undefined]) {
        let continueToken: string | undefined;
        do {
          const page = await store.list({
            limit: this.limits.pageSize,
            ...(namespace === undefined ? {} : { namespace }),
            ...(continueToken === undefined ? {} : { continueToken }),
          });
          for (const instance of page.items) {
            this.plan(cluster, options, instance);
            if (findCondition(instance.status?.conditions, UNPROCESSABLE_CONDITION)?.status === 'True') {
              await this.setUnprocessable(store, cluster, instance.metadata, undefined);
            }
          }
          for (const item of page.invalid) await this.refused(store, cluster, item);
          continueToken = page.continueToken;
        } while (continueToken !== undefined);
      }
      this.report.clusters++;
    } catch (error) {
      this.report.errors++;
      this.report.failedClusters.push(cluster.id);
      this.log.error('cluster could not be listed; the other clusters are reconciled', {
        cluster: cluster.id,
        error: describeError(error),
      });
    }
  }

  /** Never dropped in silence: counted, logged with the object, and said on the object itself. */
  private async refused(
    store: ComputeInstanceStore,
    cluster: ClusterCredentials,
    item: InvalidListItem,
  ): Promise<void> {
    this.report.invalid++;
    this.report.errors++;
    this.log.error('instance refused by our schema although the API server accepted it; nothing is done for it', {
      cluster: cluster.id,
      namespace: item.namespace,
      name: item.name,
      problem: item.problem,
    });
    await this.setUnprocessable(store, cluster, item, item.problem);
  }

  /** Sets (problem) or clears (undefined) the Unprocessable condition; a failure is logged, the run goes on. */
  private async setUnprocessable(
    store: ComputeInstanceStore,
    cluster: ClusterCredentials,
    object: { namespace?: string | undefined; name?: string | undefined; uid?: string | undefined },
    problem: string | undefined,
  ): Promise<void> {
    const { namespace, name, uid } = object;
    if (namespace === undefined || name === undefined) return;
    try {
      await store.setUnprocessable({ namespace, name, ...(uid === undefined ? {} : { uid }) }, problem, this.ctx.now);
    } catch (error) {
      // A refused object is already counted as an error; a failed clear of a readable one is one of its own.
      if (problem === undefined) this.report.errors++;
      this.log.error('the Unprocessable condition could not be written; tried again next run', {
        cluster: cluster.id,
        namespace,
        name,
        error: describeError(error),
      });
    }
  }

  private plan(cluster: ClusterCredentials, options: PlanOptions, instance: ComputeInstance): void {
    this.report.instances++;
    try {
      const need = planInstance(instance, this.ctx.now, options);
      if (need.need === 'nothing') {
        this.report.ignored++;
        if (findCondition(instance.status?.conditions, STALLED_CONDITION)?.status === 'True') {
          this.recovered.push({ ref: instanceRefOf(cluster, instance), instance });
        }
        return;
      }
      const ref = instanceRefOf(cluster, instance);
      if (need.need === 'job-check') this.jobChecks.push({ ref, need });
      else this.executionNeeds.push({ ref, need });
    } catch (error) {
      this.report.errors++;
      this.log.error('instance could not be planned', {
        cluster: cluster.id,
        namespace: instance.metadata.namespace,
        name: instance.metadata.name,
        error: describeError(error),
      });
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // 2. Ask AAP, in batches, about the jobs status calls running.

  private async checkJobs(): Promise<void> {
    const jobIDs = this.jobChecks.map((pending) => pending.need.jobID);
    const { observed, requests } = await observeJobs(jobIDs, this.ctx.aap, this.limits.concurrency, this.log);
    this.report.aapCalls += requests;
    for (const pending of this.jobChecks) {
      const job = observed.get(pending.need.jobID);
      if (job === undefined) {
        this.report.errors++;
        continue;
      }
      const need = afterJobCheck(pending.need, job);
      if (need.need === 'execution') this.executionNeeds.push({ ref: pending.ref, need });
      else this.report.ignored++;
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // 3. Make sure each piece of work has a live execution.

  private outOfBudget(): boolean {
    const deadline = this.limits.deadlineMs;
    return this.startsLeft <= 0 || (deadline !== undefined && Date.now() >= deadline);
  }

  private async ensureExecution({ ref, need }: Pending<ExecutionNeed>): Promise<void> {
    try {
      const observed = new Map<string, ExecutionSeen>();
      for (;;) {
        // Checked before every request: once nothing more may be started, looking further only costs API calls.
        if (this.outOfBudget()) {
          this.report.capped++;
          return;
        }
        const step = nextProbe(need.work, ref, observed, this.limits, this.ctx.now);
        switch (step.step) {
          case 'describe':
            observed.set(step.name, await this.describe(need.work, step.name));
            continue;
          case 'running':
            this.report.alreadyRunning++;
            this.log.debug('work already has a live execution', { ...where(ref), execution: step.name });
            return;
          case 'backoff':
            await this.stalled(ref, need, step.retry, step.previous, step.dueAt);
            return;
          case 'start':
            // An execution that SUCCEEDED and yet left the work needed may have ended after our list was read (it
            // removed the finalizer a moment ago): decide on a fresh read before starting another.
            if (step.previous?.status === 'SUCCEEDED' && !(await this.stillNeeded(ref, need))) return;
            if (step.stalled) await this.stalled(ref, need, step.retry, step.previous as PreviousAttempt, this.ctx.now);
            await this.start(ref, need, step.retry, step.previous);
            return;
        }
      }
    } catch (error) {
      this.report.errors++;
      this.log.error('instance could not be reconciled', { ...where(ref), error: describeError(error) });
    }
  }

  /**
   * Work whose executions keep failing is never given up: it is counted (the ReconcileStalledWork metric, with an
   * alarm), said on the instance (`Stalled=True`), and retried once the backoff has passed.
   */
  private async stalled(
    ref: InstanceRef,
    need: ExecutionNeed,
    retry: number,
    previous: PreviousAttempt,
    dueAt: Date,
  ): Promise<void> {
    this.report.stalled++;
    const due = dueAt.getTime() <= this.ctx.now.getTime() ? 'now' : `at ${dueAt.toISOString()}`;
    const message =
      `${need.work.kind}: ${retry} executions ended without finishing the work (last: ${previous.name}, ` +
      `${previous.status}); retry ${retry} starts ${due}. Why: ${need.reason}`;
    this.log.warn('work is stalled: its executions keep failing; retrying after a backoff', {
      ...where(ref),
      work: need.work.kind,
      retry,
      lastExecution: previous.name,
      lastStatus: previous.status,
      dueAt: dueAt.toISOString(),
    });
    await this.markStalled(ref, true, message);
  }

  /** The condition is a courtesy to whoever looks at the object: failing to write it never stops the retries. */
  private async markStalled(ref: InstanceRef, stalled: boolean, message: string): Promise<void> {
    const store = this.stores.get(ref.cluster);
    if (store === undefined) return;
    try {
      await store.updateStatus({ namespace: ref.namespace, name: ref.name, uid: ref.uid }, (instance) =>
        onWorkStalled(instance, { stalled, message, now: this.ctx.now }),
      );
    } catch (error) {
      this.report.errors++;
      this.log.error('the Stalled condition could not be written', { ...where(ref), error: describeError(error) });
    }
  }

  /** Whether a fresh read of the instance still needs the very work the list called for. */
  private async stillNeeded(ref: InstanceRef, need: ExecutionNeed): Promise<boolean> {
    const store = this.stores.get(ref.cluster);
    if (store === undefined) return true;
    const fresh = await store.get({ namespace: ref.namespace, name: ref.name, uid: ref.uid });
    const options = this.clusters.get(ref.cluster);
    const now = fresh === undefined || options === undefined ? undefined : planInstance(fresh, this.ctx.now, options);
    if (now?.need === 'execution' && sameWork(now.work, need.work)) return true;
    this.report.ignored++;
    this.log.debug('the work was done after the list was read; nothing to start', where(ref));
    return false;
  }

  private machineFor(work: Work): string {
    return work.kind === 'provision' ? this.ctx.machines.provisionArn : this.ctx.machines.deprovisionArn;
  }

  private async describe(work: Work, name: string): Promise<ExecutionSeen> {
    const described = await describeExecution(this.ctx.sfn, executionArnFor(this.machineFor(work), name));
    const status = described === undefined ? 'ABSENT' : described.status;
    const parsed = ExecutionStatus.safeParse(status);
    if (!parsed.success) throw new Error(`execution ${name} has status ${status}, which the reconciler does not know`);
    return { status: parsed.data, ...(described?.stopDate === undefined ? {} : { stoppedAt: described.stopDate }) };
  }

  private async start(
    ref: InstanceRef,
    need: ExecutionNeed,
    retry: number,
    previous: PreviousAttempt | undefined,
  ): Promise<void> {
    // Taken before the request, so concurrent starts never overshoot the cap.
    this.startsLeft--;
    const work =
      need.work.kind === 'provision'
        ? { kind: 'provision' as const, generation: need.work.generation, reason: need.reason }
        : { kind: 'deprovision' as const, deletionTimestamp: need.work.deletionTimestamp, reason: need.reason };
    const result = await startWorkflow(this.ctx.sfn, this.ctx.machines, ref, work, retry);
    const attributes = { ...where(ref), execution: result.executionName, reason: need.reason };
    if (!result.started) {
      // A webhook (or a parallel run) started this very name in the meantime: the deterministic name kept it one.
      this.startsLeft++;
      this.report.alreadyRunning++;
      this.log.debug('execution was started by someone else meanwhile', attributes);
    } else if (retry === 0) {
      this.report.started[need.work.kind]++;
      this.log.info('started the execution a lost webhook would have started', attributes);
    } else {
      this.report.restarted++;
      this.log.info('started a retry: the earlier execution of this work ended', {
        ...attributes,
        previousExecution: previous?.name,
        previousStatus: previous?.status,
      });
    }
  }
}
