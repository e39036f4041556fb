/**
 * Reconciliation at scale: 1,000 and 10,000 ComputeInstances spread over 10 simulated clusters.
 *
 *   npx tsx bench/run.ts --only reconcile [--quick]
 *
 * The world (reconcile/world.ts: 10 API-server simulators, the AAP simulator, a counting Step Functions stub) runs
 * in a process of its own. The reconciler runs as deployed: the functions/reconcile handler, bundled as
 * serverless.yml declares, in a fresh Node 22 process per configuration (a Lambda container), invoked twice: cold,
 * then warm after the world is reset to the same state. Its peak RSS is what Lambda reports as Max Memory Used.
 * Each size is reconciled with the default cap of 100 started executions, and uncapped. When the 10,000-instance
 * uncapped run misses its 30 s, a profiled run says where the time goes.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ClusterRegistryDocument } from '../lib/k8s/clusters';
import type { ReconcileReport } from '../lib/reconcile';
import type { Counters, RunnerMessage, RunResult, WorldCommand, WorldEndpoints } from './reconcile';
import {
  type BenchResult,
  BundleProcess,
  bundleLikeServerless,
  count,
  environment,
  evaluateTarget,
  fixed,
  lambdaEnvironment,
  lambdaHeapFlags,
  loadAverageNow,
  readServerlessBuild,
  type SelfTime,
  selfTimes,
  type Table,
  type Target,
  targetsTable,
} from './support';

const CLUSTERS = 10;
const TARGET_INSTANCES = 10_000;
/** The memory the reconciler must fit in: its containers get the heap a function of this size gets. */
const TARGET_MEMORY_MB = 256;
const MACHINES = {
  provisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-bench-provision',
  deprovisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-bench-deprovision',
};

/** The world process, driven by numbered commands. */
class World {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<WorldEndpoints>;

  constructor(private readonly child: ChildProcess) {
    this.ready = new Promise((resolve, reject) => {
      this.waiting.set(0, { resolve: resolve as (v: unknown) => void, reject });
    });
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(`world: ${message.error}`));
      else waiter?.resolve(message.result);
    });
    child.on('exit', (code) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`world process exited (${code})`));
      this.waiting.clear();
    });
  }

  static start(clusters: number): World {
    const script = path.join(__dirname, 'reconcile', 'world.ts');
    // Same runtime flags as this process (tsx's loader), so the world runs from source.
    return new World(fork(script, [`--clusters=${clusters}`], { execArgv: process.execArgv }));
  }

  send<T>(command: WorldCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
  }

  async close(): Promise<void> {
    await this.send({ cmd: 'close' }).catch(() => undefined);
    this.child.kill();
  }
}

interface Invocation {
  run: RunResult;
  counters: Counters;
  /** Seconds spent listing, asking AAP, and checking/starting executions, read from when the world was called. */
  phases: { listing: number; aap: number; executions: number };
}

export interface ReconcileRow {
  instances: number;
  cap: number | 'none';
  loadMs: number;
  /** Resident memory once the bundle is loaded, before any invocation. */
  loadedRssMB: number;
  cold: Invocation;
  warm: Invocation;
  /** Of the container, after both invocations. */
  maxRssMB: number;
}

export interface ReconcileData {
  clusters: number;
  rows: ReconcileRow[];
  profile?: { instances: number; selfTimes: SelfTime[]; phases: Invocation['phases'] };
}

function phasesOf(run: RunResult, counters: Counters): Invocation['phases'] {
  const listEnd = counters.lastKubeRequestMs ?? run.startedAtMs;
  const aapEnd = Math.max(listEnd, counters.aapRequestsMs?.last ?? listEnd);
  return {
    listing: (listEnd - run.startedAtMs) / 1000,
    aap: (aapEnd - listEnd) / 1000,
    executions: (run.endedAtMs - aapEnd) / 1000,
  };
}

function checkReport(size: number, report: ReconcileReport, counters: Counters): void {
  if (report.instances !== size || report.errors !== 0 || report.aapCalls !== counters.aapJobLists) {
    throw new Error(`unexpected report for ${size} instances: ${JSON.stringify(report)}`);
  }
}

interface Setup {
  world: World;
  bundle: string;
  env: Record<string, string>;
  nodeOptions: string[];
}

/** One container for one configuration: loaded, invoked cold, the world reset, invoked warm. */
async function measureContainer(
  setup: Setup,
  size: number,
  cap: number,
  options: { bundle?: string; profileWarm?: boolean } = {},
): Promise<ReconcileRow & { profile?: RunResult['profile'] }> {
  const runner = BundleProcess.start(options.bundle ?? setup.bundle, [], 'the reconcile handler runner', {
    execArgv: setup.nodeOptions,
    env: { ...setup.env, RECONCILE_MAX_STARTS: String(cap) },
  });
  const next = async () => {
    const message = await runner.next<RunnerMessage>();
    if (message.kind === 'failed') throw new Error(`reconcile handler: ${message.error}`);
    return message;
  };
  try {
    const ready = await next();
    if (ready.kind !== 'ready') throw new Error(`the reconcile runner said ${ready.kind} before it was ready`);
    const invoke = async (profile: boolean): Promise<Invocation> => {
      await setup.world.send({ cmd: 'resetCounters' });
      runner.send({ cmd: 'run', profile });
      const ran = await next();
      if (ran.kind !== 'ran') throw new Error(`the reconcile runner said ${ran.kind} instead of a result`);
      const counters = await setup.world.send<Counters>({ cmd: 'counters' });
      checkReport(size, ran.result.report, counters);
      return { run: ran.result, counters, phases: phasesOf(ran.result, counters) };
    };
    const cold = await invoke(false);
    const warm = await invoke(options.profileWarm === true);
    return {
      instances: size,
      cap: cap === size ? 'none' : cap,
      loadMs: ready.loadMs,
      loadedRssMB: ready.maxRssMB,
      cold,
      warm,
      maxRssMB: Math.max(cold.run.maxRssMB, warm.run.maxRssMB),
      ...(warm.run.profile ? { profile: warm.run.profile } : {}),
    };
  } finally {
    runner.send({ cmd: 'exit' });
    await runner.stop();
  }
}

function spread(values: number[]): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
}

function reconcileTable(rows: readonly ReconcileRow[]): Table {
  return {
    title: `Reconciliation: ${CLUSTERS} clusters, the reconcile handler bundle in a Node 22 process sized like a ${TARGET_MEMORY_MB} MB function`,
    columns: [
      { header: 'instances', align: 'right' },
      { header: 'cap', align: 'right' },
      { header: 'cold s', align: 'right' },
      { header: 'warm s', align: 'right' },
      { header: 'warm: list / AAP / executions s', align: 'right' },
      { header: 'max RSS MB', align: 'right' },
      { header: 'heap peak MB', align: 'right' },
      { header: 'kube calls/cluster', align: 'right' },
      { header: 'AAP calls', align: 'right' },
      { header: 'Describe', align: 'right' },
      { header: 'started', align: 'right' },
      { header: 'alreadyRunning', align: 'right' },
      { header: 'ignored', align: 'right' },
      { header: 'capped', align: 'right' },
      { header: 'errors', align: 'right' },
    ],
    rows: rows.map((r) => {
      const { run, counters, phases } = r.warm;
      const report = run.report;
      return [
        count(r.instances),
        r.cap === 'none' ? 'none' : count(r.cap),
        fixed(r.cold.run.wallMs / 1000, 1),
        fixed(run.wallMs / 1000, 1),
        `${fixed(phases.listing, 1)} / ${fixed(phases.aap, 1)} / ${fixed(phases.executions, 1)}`,
        fixed(r.maxRssMB, 0),
        fixed(Math.max(r.cold.run.heapPeakMB, run.heapPeakMB), 0),
        spread(counters.kubeRequestsPerCluster),
        counters.aapJobLists,
        count(counters.sfn.DescribeExecution ?? 0),
        count(counters.sfn.StartExecution ?? 0),
        count(report.alreadyRunning),
        count(report.ignored),
        count(report.capped),
        report.errors,
      ];
    }),
    notes: [
      "cold: the container's first invocation (Kubernetes, AAP and SFN clients built on the way; loading the bundle itself is not counted); warm: the second, after the world was reset to the same state",
      `max RSS: the container process's peak resident memory over loading and both invocations, as Lambda reports Max Memory Used; heap peak: sampled every 5 ms; the V8 heap is limited as for a ${TARGET_MEMORY_MB} MB function (${lambdaHeapFlags(TARGET_MEMORY_MB).join(' ')}, as the Lambda Node.js runtime derives them), so garbage is collected as it would be there`,
      "list / AAP / executions: from the invocation's start to the last API-server request, to the last AAP request, to the end (DescribeExecution and StartExecution, 8 in flight)",
      'the mix per cluster: 60 % never provisioned (half with a webhook-started execution RUNNING), 10 % with a provision job running in AAP, 5 % being deleted, 25 % applied',
    ],
  };
}

function profileTable(profile: NonNullable<ReconcileData['profile']>): Table {
  const { listing, aap, executions } = profile.phases;
  return {
    title: `Where an uncapped ${count(profile.instances)}-instance run spends its time (warm, V8 sampling profiler)`,
    columns: [{ header: 'function' }, { header: 'self ms', align: 'right' }, { header: 'share', align: 'right' }],
    rows: profile.selfTimes.map((entry) => [entry.name, fixed(entry.selfMs, 0), `${fixed(entry.share * 100, 1)} %`]),
    notes: [
      `phases of the profiled run: listing ${fixed(listing, 1)} s, AAP ${fixed(aap, 1)} s, executions ${fixed(executions, 1)} s`,
      '(idle) is time the process waited on the network: requests in flight, bounded by RECONCILE_CONCURRENCY',
    ],
  };
}

function targetsFor(rows: readonly ReconcileRow[], quick: boolean): Target[] {
  const uncapped = rows.find((r) => r.instances === TARGET_INSTANCES && r.cap === 'none');
  const capped = rows.find((r) => r.instances === TARGET_INSTANCES && r.cap !== 'none');
  const unmeasured = quick ? '--quick runs 1,000 instances only' : undefined;
  return [
    {
      name: `${count(TARGET_INSTANCES)} instances reconciled in time`,
      measuredAs: 'uncapped, cold container, wall',
      direction: 'at-most',
      limit: 30,
      measured: uncapped ? uncapped.cold.run.wallMs / 1000 : Number.NaN,
      unit: 's',
      note:
        unmeasured ??
        (uncapped && capped
          ? `warm: ${fixed(uncapped.warm.run.wallMs / 1000, 1)} s; with the default cap of ${capped.cap}: ${fixed(capped.cold.run.wallMs / 1000, 1)} s cold`
          : undefined),
    },
    {
      name: `${count(TARGET_INSTANCES)} instances reconciled in memory`,
      measuredAs: 'uncapped, container max RSS',
      direction: 'at-most',
      limit: TARGET_MEMORY_MB,
      measured: uncapped ? uncapped.maxRssMB : Number.NaN,
      unit: 'MB',
      digits: 0,
      note:
        unmeasured ??
        (uncapped
          ? `${fixed(uncapped.loadedRssMB, 0)} MB once the bundle is loaded, ${fixed(uncapped.cold.run.maxRssMB, 0)} MB after the cold run; heap peak ${fixed(Math.max(uncapped.cold.run.heapPeakMB, uncapped.warm.run.heapPeakMB), 0)} MB`
          : undefined),
    },
  ];
}

export async function runReconcileBench(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<BenchResult> {
  const startedAt = new Date();
  const loadAtStart = loadAverageNow();
  const sizes = options.quick ? [1_000] : [1_000, TARGET_INSTANCES];
  const build = readServerlessBuild();
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'cloudkit-bench-reconcile-'));
  const world = World.start(CLUSTERS);
  try {
    const endpoints = await world.ready;
    const registry = {
      clusters: endpoints.clusters.map((c) => ({
        id: c.id,
        server: c.url,
        token: c.token,
        insecureSkipTLSVerify: true,
        webhookSecrets: ['bench'],
      })),
    };
    ClusterRegistryDocument.parse(registry);
    const clustersFile = path.join(workdir, 'clusters.json');
    writeFileSync(clustersFile, JSON.stringify(registry), { mode: 0o600 });
    const entry = 'bench/reconcile/handler-runner.ts';
    const bundle = await bundleLikeServerless(entry, path.join(workdir, 'reconcile-runner.js'), build.esbuild);
    const setup: Setup = {
      world,
      bundle: bundle.outfile,
      nodeOptions: [...build.nodeOptions, ...lambdaHeapFlags(TARGET_MEMORY_MB)],
      env: {
        ...lambdaEnvironment(build),
        CLUSTERS_FILE: clustersFile,
        AAP_URL: endpoints.aap.url,
        AAP_TOKEN: endpoints.aap.token,
        SFN_ENDPOINT: endpoints.sfnEndpoint,
        PROVISION_STATE_MACHINE_ARN: MACHINES.provisionArn,
        DEPROVISION_STATE_MACHINE_ARN: MACHINES.deprovisionArn,
      },
    };

    const rows: ReconcileRow[] = [];
    for (const size of sizes) {
      const populateStarted = performance.now();
      await world.send({ cmd: 'populate', size });
      options.log(
        `  populated ${count(size)} instances in ${fixed((performance.now() - populateStarted) / 1000, 1)} s`,
      );
      for (const cap of [100, size]) rows.push(await measureContainer(setup, size, cap));
    }

    let profile: ReconcileData['profile'];
    const uncapped = rows.find((r) => r.instances === TARGET_INSTANCES && r.cap === 'none');
    if (uncapped && uncapped.cold.run.wallMs > 30_000) {
      options.log(`  ${count(TARGET_INSTANCES)} instances took over 30 s: profiling a run`);
      const named = await bundleLikeServerless(entry, path.join(workdir, 'reconcile-runner-named.js'), build.esbuild, {
        forProfiling: true,
      });
      const profiled = await measureContainer(setup, TARGET_INSTANCES, TARGET_INSTANCES, {
        bundle: named.outfile,
        profileWarm: true,
      });
      if (!profiled.profile) throw new Error('the profiled reconcile run sent no profile');
      profile = {
        instances: TARGET_INSTANCES,
        selfTimes: selfTimes(profiled.profile, 15),
        phases: profiled.warm.phases,
      };
    }

    const targets = targetsFor(rows, options.quick).map(evaluateTarget);
    const data: ReconcileData = { clusters: CLUSTERS, rows, ...(profile ? { profile } : {}) };
    return {
      name: 'reconcile',
      command: `tsx bench/run.ts --only reconcile${options.quick ? ' --quick' : ''}`,
      startedAt: startedAt.toISOString(),
      elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
      quick: options.quick,
      environment: environment(loadAtStart),
      tables: [
        reconcileTable(rows),
        ...(profile ? [profileTable(profile)] : []),
        targetsTable('Reconciliation targets', targets),
      ],
      targets,
      data,
    };
  } finally {
    await world.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}
