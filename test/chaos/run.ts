import { setTimeout as sleep } from 'node:timers/promises';
import { type ComputeInstance, PLURAL, parseComputeInstance } from '../../lib/computeinstance';
import { FileClusterRegistry } from '../../lib/k8s/clusters';
import { WAITER_EXPIRY_MARGIN_SECONDS } from '../../lib/notifications/arming';
import type { TemplateSpec } from '../../local/aap-simulator';
import { type Gateway, type HttpApiHandler, startGateway } from '../../local/gateway';
import { DEFAULT_NAMESPACE, LOCAL_CLUSTER_ID, type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterUser } from './cluster-user';
import { type EventSource, startEventSource } from './event-source';
import { FaultWeather, type OutageWindow, type WeatherStats } from './fault-weather';
import { type Evidence, executionPath, gatherEvidence } from './forensics';
import {
  type ChaosSnapshot,
  type Evaluation,
  evaluate,
  type InvariantRow,
  type NotificationSnapshot,
  type WaiterRow,
} from './invariants';
import { type LifecycleOutcome, playLifecycle } from './lifecycle';
import { type ForgerStats, NotificationForger } from './notification-forger';
import { Observer } from './observer';
import { type ChaosOptions, type ChaosOptionsInput, parseChaosOptions } from './options';
import { DEFAULT_PLAN_SETTINGS, planLifecycles } from './plan';
import { Prng } from './prng';
import { ReconcilerSchedule } from './reconciler-schedule';
import { formatTable, reorderedArrivals, replayCommand } from './report';
import { WebhookChannel, type WebhookStats } from './webhook-channel';

/**
 * One chaos run: the local stack (API-server simulator, AAP simulator, the real state machines and task functions)
 * behind the real intake (the webhook function behind the local API gateway, fed signed events derived from the
 * cluster's watch) and the real reconciler on its schedule; many seeded lifecycles at once while AAP, the API
 * server and the webhook channel misbehave; then faults off, time to converge, and the invariants.
 */

export const CREATE_TEMPLATE = 'osac-create-compute-instance';
export const DELETE_TEMPLATE = 'osac-delete-compute-instance';
const WEBHOOK_ROUTE = 'POST /v1/clusters/{cluster}/events';
export const FUNCTION_PREFIX = 'cloudkit-provisioner-local';

export interface ChaosRunDependencies {
  /**
   * The webhook function. It keeps its clients for the life of its module (as a Lambda container does), so a
   * process that runs several stacks one after the other must hand in a freshly loaded one for each.
   */
  webhookHandler?: HttpApiHandler;
}

export interface ChaosResult {
  seed: string;
  ok: boolean;
  rows: InvariantRow[];
  evaluation: Evaluation;
  /** The invariant table, the details of each breach and (when it failed) how to replay. */
  table: string;
  /** Everything recorded about the instances a breach names (at most 12). */
  evidence: Evidence[];
  replay: string;
  /** Real milliseconds, start to verdict. */
  durationMs: number;
  /** Simulated seconds the settle phase took (faults off until converged). */
  settleSeconds: number;
  converged: boolean;
  lifecycles: LifecycleOutcome[];
  webhooks: WebhookStats;
  weather: WeatherStats;
  reconciler: { runs: number; started: number; restarted: number; errors: number };
  executions: { total: number; byStatus: Record<string, number> };
  aapJobs: number;
  userRetries: number;
  watch: { lists: number; reconnects: number };
  /** The scheduled outages and the deletions the user asked for while they lasted. */
  outages: OutageReport;
  /** The notification path; undefined when the run polled alone (`notifications: false`). */
  notifications: NotificationReport | undefined;
}

export interface NotificationReport {
  /** AAP's notifications (one per job end it announced): delivered, lost, delayed, duplicated, failed otherwise. */
  aap: {
    sent: number;
    delivered: number;
    lost: number;
    delayed: number;
    /** Delivered before a notification AAP created earlier (the delays reorder them). */
    reordered: number;
    duplicated: number;
    failed: number;
  };
  forged: Omit<ForgerStats, 'lies' | 'samples'> & { lies: number };
  /** How the executions' `.waitForTaskToken` waits ended: resumed (a notification or the arming read), timed out. */
  waits: { resumed: number; timedOut: number; failed: number };
  /** Rows of the job-waiters table after the run: all of them, and those not expired. */
  waiterRows: number;
  waiterRowsUnexpired: number;
}

export interface OutageReport {
  blackHoleSeconds: number;
  deletionsDuringBlackHole: number;
  longHangSeconds: number;
  /** `namespace/name` whose provision job was held; undefined when no such job ran in time to be picked. */
  longHungInstance: string | undefined;
  /** Whether that instance's deletion was asked while its job was held. */
  longHungDeletedDuringHang: boolean;
  deletionsDuringLongHang: number;
}

function deletionsWithin(outcomes: readonly LifecycleOutcome[], window: OutageWindow | undefined): LifecycleOutcome[] {
  if (window === undefined) return [];
  const until = window.untilMs ?? Number.POSITIVE_INFINITY;
  return outcomes.filter(
    (o) =>
      o.deleteRequestedAtMs !== undefined && o.deleteRequestedAtMs >= window.fromMs && o.deleteRequestedAtMs < until,
  );
}

/** The faults argument the CLI takes, for the replay line. */
export function faultsArgument(input: ChaosOptionsInput['faults']): string {
  if (input === undefined) return 'standard';
  return typeof input === 'string' ? input : `'${JSON.stringify(input)}'`;
}

function templates(options: ChaosOptions): TemplateSpec[] {
  const template = (name: string, effect: 'create-vm' | 'delete-vm', job: ChaosOptions['createJob']): TemplateSpec => {
    const { effectAt, ...durations } = job;
    return { name, effect, effectAt, durations };
  };
  return [
    template(CREATE_TEMPLATE, 'create-vm', options.createJob),
    template(DELETE_TEMPLATE, 'delete-vm', options.deleteJob),
  ];
}

/**
 * The webhook function, loaded once the stack has set the environment it builds its clients from. Its module keeps
 * those clients (as a Lambda container does), so a module loaded for an earlier stack is dropped first; under jest,
 * whose registry ignores require.cache, pass a handler loaded in `jest.isolateModules` instead.
 */
function loadWebhookHandler(): HttpApiHandler {
  const path = require.resolve('../../functions/webhook');
  delete require.cache[path];
  return (require(path) as { handler: HttpApiHandler }).handler;
}

/** Runs `work` on every item, at most `limit` at once. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function instancesOf(stack: LocalStack): ComputeInstance[] {
  return stack.kube
    .objects({ plural: PLURAL, namespace: DEFAULT_NAMESPACE })
    .map((object) => parseComputeInstance(object));
}

export async function runChaos(
  input: ChaosOptionsInput,
  dependencies: ChaosRunDependencies = {},
): Promise<ChaosResult> {
  const options = parseChaosOptions(input);
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const root = new Prng(options.seed);
  const profile = options.faults;
  const toRealMs = (simSeconds: number) => simSeconds * 1000 * options.timeScale;

  const stack = await startLocalStack({
    timeScale: options.timeScale,
    templates: templates(options),
    env: options.env,
    notifications: options.notifications,
  });
  const closers: Array<() => Promise<unknown>> = [() => stack.close()];
  try {
    const cluster = await new FileClusterRegistry(stack.env.CLUSTERS_FILE as string).get(LOCAL_CLUSTER_ID);
    if (cluster === undefined) throw new Error(`the local stack registered no cluster ${LOCAL_CLUSTER_ID}`);
    const gateway: Gateway = await startGateway({
      port: 0,
      routes: [
        {
          routeKey: WEBHOOK_ROUTE,
          functionName: `${FUNCTION_PREFIX}-webhook`,
          handler: dependencies.webhookHandler ?? loadWebhookHandler(),
        },
      ],
    });
    closers.unshift(() => gateway.close());

    const channel = new WebhookChannel({
      url: gateway.url,
      cluster: cluster.id,
      secret: cluster.webhookSecrets[0] as string,
      prng: root.fork('webhooks'),
      weather: {
        lossRate: profile.webhookLossRate,
        duplicateRate: profile.webhookDuplicateRate,
        delayRate: profile.webhookDelayRate,
        maxDelaySeconds: profile.webhookMaxDelaySeconds,
      },
      timeScale: options.timeScale,
    });
    const observer = new Observer(stack.aap);
    const events: EventSource = startEventSource(cluster, DEFAULT_NAMESPACE, (event) => {
      observer.apply(event);
      channel.deliver(event);
    });
    closers.unshift(async () => {
      await events.stop();
      channel.calm();
      await channel.drained();
    });
    const reconciler = new ReconcilerSchedule(toRealMs(options.reconcileIntervalSeconds));
    reconciler.start();
    closers.unshift(() => reconciler.stop());
    const plans = planLifecycles(root.fork('plans'), options.lifecycles, {
      ...DEFAULT_PLAN_SETTINGS,
      spreadSeconds: options.spreadSeconds,
    });
    const deletedKeys = new Set(
      plans.filter((plan) => plan.deleteMoment !== undefined).map((plan) => `${DEFAULT_NAMESPACE}/${plan.name}`),
    );
    const weather = new FaultWeather(
      {
        aap: stack.aap,
        kube: stack.kube,
        now: stack.now,
        timeScale: options.timeScale,
        createTemplate: CREATE_TEMPLATE,
        deleteTemplate: DELETE_TEMPLATE,
        willBeDeleted: (vmKey) => {
          if (!deletedKeys.has(vmKey)) return false;
          const name = vmKey.slice(vmKey.indexOf('/') + 1);
          const held = stack.kube.objects({ plural: PLURAL, namespace: DEFAULT_NAMESPACE });
          const object = held.find((o) => (o.metadata as { name?: string } | undefined)?.name === name);
          return (
            object !== undefined && (object.metadata as { deletionTimestamp?: string }).deletionTimestamp === undefined
          );
        },
      },
      profile,
      root.fork('weather'),
    );
    weather.start();
    closers.unshift(() => weather.stop());
    const forger = options.notifications ? startForger(stack, options, root) : undefined;
    if (forger !== undefined) closers.unshift(() => forger.stop());

    // ---- the lifecycles, under the weather
    const user = new ClusterUser(stack.kube.url, stack.kube.token, DEFAULT_NAMESPACE);
    const runStart = stack.now().getTime();
    const realRunStart = Date.now();
    log(
      `chaos seed ${options.seed}: ${plans.length} lifecycles, ${options.concurrency} at once, time scale ${options.timeScale}`,
    );
    const outcomes = await pool(plans, options.concurrency, (plan) =>
      playLifecycle(plan, {
        user,
        observer,
        now: stack.now,
        timeScale: options.timeScale,
        elapsedMs: () => stack.now().getTime() - runStart,
      }),
    );
    log(`lifecycles done after ${((Date.now() - started) / 1000).toFixed(1)} s`);
    weather.closeLongHangPicking();
    // The scheduled outages run their full length, the weather and the reconciler going on meanwhile.
    if (stack.now().getTime() < weather.outagesEndMs()) {
      log(`waiting out the scheduled outages (until ${new Date(weather.outagesEndMs()).toISOString()} simulated)`);
      while (stack.now().getTime() < weather.outagesEndMs()) await sleep(Math.max(50, toRealMs(30)));
    }
    log(`faults off after ${((Date.now() - started) / 1000).toFixed(1)} s; settling`);

    // ---- faults off; give the reconciler and the workflows time to converge
    await weather.stop();
    await forger?.stop();
    channel.calm();
    const settleStart = stack.now().getTime();
    const settleDeadline = settleStart + options.settleSeconds * 1000;
    let converged = false;
    let nextReconcile = 0;
    while (stack.now().getTime() < settleDeadline) {
      if (stack.now().getTime() >= nextReconcile) {
        await reconciler.runNow();
        nextReconcile = stack.now().getTime() + options.reconcileIntervalSeconds * 1000;
      }
      const snapshot = takeSnapshot(stack, outcomes, cluster.finalizer, channel, options);
      const running = stack.sfn.executions().some((execution) => execution.status === 'RUNNING');
      const evaluation = evaluate(snapshot);
      const settledRows = evaluation.rows.filter((row) => ['deleted-gone', 'live-converged'].includes(row.key));
      if (!running && settledRows.every((row) => row.ok)) {
        converged = true;
        break;
      }
      await sleep(Math.max(100, toRealMs(5)));
    }
    const settleSeconds = (stack.now().getTime() - settleStart) / 1000;
    await reconciler.stop();
    await events.stop();
    await channel.drained();
    log(`settled in ${settleSeconds.toFixed(0)} simulated s (${converged ? 'converged' : 'NOT converged'})`);

    let notificationSnapshot: NotificationSnapshot | undefined;
    if (forger !== undefined) {
      // A wait that timed out leaves its row for WAITER_EXPIRY_MARGIN_SECONDS more (a late notification still finds
      // it); let those expire, with room for a late arming call, so that a row still armed is one nobody disarms.
      await sleep(toRealMs(WAITER_EXPIRY_MARGIN_SECONDS + 120));
      notificationSnapshot = await takeNotificationSnapshot(stack, forger);
    }
    const snapshot: ChaosSnapshot = {
      ...takeSnapshot(stack, outcomes, cluster.finalizer, channel, options),
      ...(notificationSnapshot === undefined ? {} : { notifications: notificationSnapshot }),
    };
    const evaluation = evaluate(snapshot);
    const replay = replayCommand(options, faultsArgument(input.faults));
    const subjects = [...new Set(evaluation.rows.filter((row) => !row.ok).flatMap((row) => row.subjects))].slice(0, 12);
    const evidence = subjects.map((name) => {
      const outcome = outcomes.find((o) => o.plan.name === name);
      const uid = outcome?.uid;
      return gatherEvidence({
        outcome,
        name,
        runStartMs: runStart,
        jobs: snapshot.jobs.filter(
          (job) => job.vmKey === `${DEFAULT_NAMESPACE}/${name}` && (uid === undefined || job.uid === uid),
        ),
        executions: stack.sfn
          .executions()
          .filter((e) => e.name.includes(`-${DEFAULT_NAMESPACE}-${name}-`))
          .map((e) => ({
            name: e.name,
            status: e.status,
            ...(e.error === undefined ? {} : { error: e.error }),
            startedAtSeconds: (e.startDate.getTime() - realRunStart) / 1000 / options.timeScale,
            path: executionPath(stack.sfn.history(e.executionArn)),
          })),
        instance: snapshot.instances.find((i) => i.metadata.name === name),
        webhookLog: channel.log(name),
      });
    });
    const evidenceText = evidence.map((e) => [`evidence for ${e.name}:`, ...e.lines.map((l) => `  ${l}`)].join('\n'));
    const table = evaluation.ok
      ? formatTable(evaluation.rows)
      : [
          formatTable(evaluation.rows),
          ...evidenceText,
          `chaos seed ${options.seed} FAILED; replay with:\n  ${replay}`,
        ].join('\n\n');
    const executions = stack.sfn.executions();
    const byStatus: Record<string, number> = {};
    for (const execution of executions) byStatus[execution.status] = (byStatus[execution.status] ?? 0) + 1;
    return {
      seed: options.seed,
      ok: evaluation.ok,
      rows: evaluation.rows,
      evaluation,
      table,
      evidence,
      replay,
      durationMs: Date.now() - started,
      settleSeconds,
      converged,
      lifecycles: outcomes,
      webhooks: { ...channel.stats, refusals: [...channel.stats.refusals] },
      weather: { ...weather.stats },
      reconciler: { ...reconciler.totals },
      executions: { total: executions.length, byStatus },
      aapJobs: stack.aap.world.jobs().length,
      userRetries: user.retries,
      watch: events.stats(),
      outages: outageReport(weather, outcomes),
      notifications:
        forger === undefined || notificationSnapshot === undefined
          ? undefined
          : notificationReport(stack, forger, notificationSnapshot),
    };
  } finally {
    for (const close of closers) await close().catch(() => undefined);
  }
}

function startForger(stack: LocalStack, options: ChaosOptions, root: Prng): NotificationForger {
  if (stack.gateway === undefined) throw new Error('the local stack started with notifications has no gateway');
  const forger = new NotificationForger({
    url: `${stack.gateway.url}/v1/aap/notifications`,
    token: stack.env.AAP_NOTIFICATION_TOKEN as string,
    jobs: () => stack.aap.world.jobs(),
    prng: root.fork('forger'),
    perPeriod: options.faults.forgeriesPerPeriod,
    periodMs: options.faults.periodSeconds * 1000 * options.timeScale,
  });
  forger.start();
  return forger;
}

/** The job-waiters table as the receiver sees it (tokens left out), read with the SDK the product uses. */
export async function scanWaiters(stack: LocalStack): Promise<WaiterRow[]> {
  const { DynamoDBClient, ScanCommand } = await import('@aws-sdk/client-dynamodb');
  const client = new DynamoDBClient({
    endpoint: stack.dynamodb.endpoint,
    region: stack.env.AWS_REGION as string,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const rows: WaiterRow[] = [];
  try {
    let startKey: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: stack.env.JOB_WAITERS_TABLE as string,
          ProjectionExpression: '#job, #execution, #expiresAt',
          ExpressionAttributeNames: { '#job': 'job', '#execution': 'execution', '#expiresAt': 'expiresAt' },
          ...(startKey === undefined ? {} : { ExclusiveStartKey: startKey }),
        }),
      );
      for (const item of page.Items ?? []) {
        rows.push({
          job: item.job?.S ?? '?',
          execution: item.execution?.S ?? '?',
          expiresAt: Number(item.expiresAt?.N ?? Number.NaN),
        });
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  } finally {
    client.destroy();
  }
  return rows;
}

const SIMULATED_LOSS = 'lost (simulated)';

async function takeNotificationSnapshot(stack: LocalStack, forger: NotificationForger): Promise<NotificationSnapshot> {
  const { records } = stack.aap.notifications();
  return {
    forged: { sent: forger.stats.sent, unexpected: forger.stats.unexpected, samples: [...forger.stats.samples] },
    lies: [...forger.stats.lies],
    waiters: await scanWaiters(stack),
    aapFailures: records
      .filter((record) => record.status === 'failed' && record.error !== SIMULATED_LOSS)
      .map((record) => `notification ${record.id} (${record.job?.kind} ${record.job?.id}): ${record.error}`),
  };
}

function notificationReport(
  stack: LocalStack,
  forger: NotificationForger,
  snapshot: NotificationSnapshot,
): NotificationReport {
  const { records, deliveries } = stack.aap.notifications();
  const waits = { resumed: 0, timedOut: 0, failed: 0 };
  const callback = (details: unknown) =>
    (details as { resource?: string } | undefined)?.resource === 'invoke.waitForTaskToken';
  for (const execution of stack.sfn.executions()) {
    for (const event of stack.sfn.history(execution.executionArn) as unknown as Array<Record<string, unknown>>) {
      if (event.type === 'TaskSucceeded' && callback(event.taskSucceededEventDetails)) waits.resumed++;
      else if (event.type === 'TaskTimedOut' && callback(event.taskTimedOutEventDetails)) waits.timedOut++;
      else if (event.type === 'TaskFailed' && callback(event.taskFailedEventDetails)) waits.failed++;
    }
  }
  const nowSeconds = stack.now().getTime() / 1000;
  const { lies, samples, ...forged } = forger.stats;
  return {
    aap: {
      sent: records.length,
      delivered: records.filter((record) => record.status === 'successful').length,
      ...deliveries,
      reordered: reorderedArrivals(records),
      failed: snapshot.aapFailures.length,
    },
    forged: { ...forged, byKind: { ...forged.byKind }, lies: lies.length },
    waits,
    waiterRows: snapshot.waiters.length,
    waiterRowsUnexpired: snapshot.waiters.filter((w) => w.expiresAt > nowSeconds).length,
  };
}

function outageReport(weather: FaultWeather, outcomes: readonly LifecycleOutcome[]): OutageReport {
  const hungKey = weather.stats.longHungJob?.vmKey;
  const duringLongHang = deletionsWithin(outcomes, weather.outages.longHang);
  return {
    blackHoleSeconds: weather.stats.blackHoleSeconds,
    deletionsDuringBlackHole: deletionsWithin(outcomes, weather.outages.blackHole).length,
    longHangSeconds: weather.stats.longHangSeconds,
    longHungInstance: hungKey,
    longHungDeletedDuringHang: duringLongHang.some((o) => `${DEFAULT_NAMESPACE}/${o.plan.name}` === hungKey),
    deletionsDuringLongHang: duringLongHang.length,
  };
}

function takeSnapshot(
  stack: LocalStack,
  outcomes: readonly LifecycleOutcome[],
  finalizer: string,
  channel: WebhookChannel,
  options: ChaosOptions,
): ChaosSnapshot {
  return {
    now: stack.now(),
    finalizer,
    maxJobHistory: Number(stack.env.MAX_JOB_HISTORY ?? options.env.MAX_JOB_HISTORY ?? 10),
    lifecycles: outcomes.map((outcome) => ({
      name: outcome.plan.name,
      uid: outcome.uid,
      deleteRequested: outcome.deleteRequested,
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
    })),
    instances: instancesOf(stack),
    jobs: stack.aap.world.jobs(),
    vms: stack.aap.world.vms(),
    violations: stack.aap.world.violations(),
    executions: stack.sfn.executions().map((e) => ({
      name: e.name,
      stateMachineName: e.stateMachineName,
      status: e.status,
      ...(e.error === undefined ? {} : { error: e.error }),
      ...(e.cause === undefined ? {} : { cause: e.cause }),
    })),
    webhookRefusals: { count: channel.stats.refused, samples: [...channel.stats.refusals] },
    webhooksUndelivered: channel.stats.undelivered,
  };
}
