/**
 * Reconciliation at scale: 1,000 and 10,000 ComputeInstances spread over 10 simulated clusters.
 *
 *   npx tsx bench/reconcile.bench.ts [--sizes=1000,10000] [--clusters=10]
 *
 * The simulated world (10 kube API-server simulators, the AAP simulator, and a counting Step Functions stub that
 * answers DescribeExecution with ExecutionDoesNotExist or RUNNING and accepts every StartExecution) runs in a child
 * process, so the time and memory measured here are the reconciler's alone. Objects are created through the
 * simulators' HTTP API. The mix per cluster: 60 % never provisioned (half of them with a webhook-started execution
 * RUNNING), 10 % with a provision job running in AAP, 5 % being deleted, 25 % applied. Each size is reconciled
 * twice: with the default cap of 100 started executions, and uncapped.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import { AapClient } from '../lib/aap';
import {
  API_VERSION,
  COMPUTE_INSTANCE_FINALIZER,
  desiredConfigVersion,
  formatMetaTime,
  GROUP,
  KIND,
  PLURAL,
  parseComputeInstance,
  VERSION,
} from '../lib/computeinstance';
import { ClusterConfig, type ClusterRegistry, createComputeInstanceStore } from '../lib/k8s';
import { type ReconcileReport, reconcile } from '../lib/reconcile';
import { startAapSimulator } from '../local/aap-simulator';
import { type KubeSimulator, startKubeSimulator } from '../local/kube-simulator';
import { startSfnStub } from '../test/reconcile/support/sfn-stub';

const NAMESPACE = 'osac-computeinstance';
const STEADY_TEMPLATE = 'bench-steady-job';
const MACHINES = {
  provisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-bench-provision',
  deprovisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-bench-deprovision',
};
const SILENT = { debug: () => undefined, info: () => undefined, error: () => undefined };

// ---------------------------------------------------------------------------------------------------------------
// The world process

interface WorldEndpoints {
  clusters: Array<{ id: string; url: string; token: string }>;
  sfnEndpoint: string;
  aap: { url: string; token: string };
}

interface Counters {
  kubeRequestsPerCluster: number[];
  aapJobLists: number;
  aapRequests: number;
  sfn: Record<string, number>;
}

type WorldCommand =
  | { cmd: 'populate'; size: number }
  | { cmd: 'resetCounters' }
  | { cmd: 'counters' }
  | { cmd: 'close' };

/** Runs `task` over 0..count-1 with `width` in flight. */
async function inParallel(count: number, width: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/** Whether a webhook "worked" for this name: the stub then says RUNNING. Deterministic, about half of them. */
function webhookWorked(name: string): boolean {
  return ((createHash('sha256').update(name).digest()[0] ?? 0) & 1) === 0;
}

async function runWorld(clusterCount: number): Promise<void> {
  const kubes: KubeSimulator[] = [];
  for (let c = 0; c < clusterCount; c++) kubes.push(await startKubeSimulator({ namespaces: [NAMESPACE] }));
  // A week of running: far beyond the bench, and below setTimeout's 24.8-day ceiling.
  const steady = { name: STEADY_TEMPLATE, durations: { pending: 0, waiting: 0, running: 7 * 86_400 } };
  const aapSim = await startAapSimulator({ templates: [steady] });
  const sfn = await startSfnStub();
  sfn.setFallback((name) => (/-r\d+$/.test(name) || !webhookWorked(name) ? undefined : 'RUNNING'));
  const aap = new AapClient({ baseUrl: `${aapSim.url}/api/controller`, token: aapSim.token });

  const api = (kube: KubeSimulator, path = '') =>
    `${kube.url}/apis/${GROUP}/${VERSION}/namespaces/${NAMESPACE}/${PLURAL}${path}`;
  async function call(kube: KubeSimulator, method: string, path: string, body?: unknown, type = 'application/json') {
    const res = await fetch(api(kube, path), {
      method,
      headers: { authorization: `Bearer ${kube.token}`, 'content-type': type },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text) as Record<string, unknown>;
  }

  async function populate(size: number): Promise<void> {
    for (const kube of kubes) kube.reset();
    aapSim.reset();
    sfn.reset();
    sfn.setFallback((name) => (/-r\d+$/.test(name) || !webhookWorked(name) ? undefined : 'RUNNING'));
    await inParallel(size, 32, async (i) => {
      const kube = kubes[i % kubes.length] as KubeSimulator;
      const name = `vm-${String(i).padStart(6, '0')}`;
      const slot = Math.floor(i / kubes.length) % 20;
      const deleting = slot === 14;
      const created = await call(kube, 'POST', '', {
        apiVersion: API_VERSION,
        kind: KIND,
        metadata: {
          name,
          namespace: NAMESPACE,
          annotations: { 'osac.openshift.io/tenant': 'tenant-bench' },
          ...(deleting || slot >= 12 ? { finalizers: [COMPUTE_INSTANCE_FINALIZER] } : {}),
        },
        spec: {
          templateID: 'osac.templates.ocp_virt_vm',
          image: { sourceType: 'registry', sourceRef: 'quay.io/containerdisks/fedora:latest' },
          cores: 2,
          memoryGiB: 4,
          bootDisk: { sizeGiB: 20 },
          runStrategy: 'Always',
        },
      });
      const instance = parseComputeInstance(created);
      const timestamp = formatMetaTime(new Date());
      let job: Record<string, unknown> | undefined;
      if (slot === 12 || slot === 13) {
        const launched = await aap.launch(STEADY_TEMPLATE, { payload: { bench: name } });
        job = { jobID: String(launched.jobId), type: 'provision', state: 'Running', timestamp };
      } else if (slot >= 15) {
        const configVersion = desiredConfigVersion(instance.spec);
        job = { jobID: String(1_000_000 + i), type: 'provision', state: 'Succeeded', timestamp, configVersion };
      }
      if (job) {
        const patch = {
          metadata: { resourceVersion: instance.metadata.resourceVersion },
          status: { provisioningJobs: [job] },
        };
        await call(kube, 'PATCH', `/${name}/status`, patch, 'application/merge-patch+json');
      }
      if (deleting) await call(kube, 'DELETE', `/${name}`);
    });
  }

  const counters = (): Counters => {
    const aapLog = aapSim.requestLog();
    return {
      kubeRequestsPerCluster: kubes.map((kube) => kube.requestLog().length),
      aapJobLists: aapLog.filter((r) => r.path.endsWith('/jobs/') && r.query.includes('id__in')).length,
      aapRequests: aapLog.length,
      sfn: sfn.calls(),
    };
  };

  const endpoints: WorldEndpoints = {
    clusters: kubes.map((kube, c) => ({ id: `bench-${c}`, url: kube.url, token: kube.token })),
    sfnEndpoint: sfn.endpoint,
    aap: { url: `${aapSim.url}/api/controller`, token: aapSim.token },
  };
  process.send?.({ id: 0, result: endpoints });
  process.on('message', async (message: { id: number } & WorldCommand) => {
    try {
      let result: unknown;
      switch (message.cmd) {
        case 'populate':
          await populate(message.size);
          break;
        case 'resetCounters':
          for (const kube of kubes) kube.clearRequestLog();
          aapSim.clearRequestLog();
          // Executions "started" by the previous run are forgotten, so every run sees the same world.
          sfn.reset();
          sfn.setFallback((name) => (/-r\d+$/.test(name) || !webhookWorked(name) ? undefined : 'RUNNING'));
          break;
        case 'counters':
          result = counters();
          break;
        case 'close':
          aap.close();
          await sfn.close();
          await aapSim.close();
          for (const kube of kubes) await kube.close();
          process.send?.({ id: message.id, result: null }, () => process.exit(0));
          return;
      }
      process.send?.({ id: message.id, result });
    } catch (error) {
      process.send?.({ id: message.id, error: (error as Error).message });
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The measuring process

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

  send<T>(command: WorldCommand): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, ...command });
    });
  }
}

interface Row {
  instances: number;
  cap: string;
  wallMs: number;
  peakRss: string;
  peakHeap: string;
  kubePerCluster: string;
  aapCalls: number;
  describes: number;
  executionsStarted: number;
  report: ReconcileReport;
}

/** Samples RSS and heap every 5 ms while `task` runs; also returns where they stood before it. */
async function measured<T>(task: () => Promise<T>) {
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  }, 5);
  const started = performance.now();
  try {
    const result = await task();
    return { result, wallMs: performance.now() - started, peakRss, peakHeap, before };
  } finally {
    clearInterval(sampler);
  }
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function spread(values: number[]): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
}

function printTable(rows: Row[]): void {
  const header = [
    'instances',
    'cap',
    'wall ms',
    'peak RSS MB (+run)',
    'peak heap MB (+run)',
    'kube calls/cluster',
    'AAP calls',
    'Describe',
    'started',
    'alreadyRunning',
    'ignored',
    'capped',
    'errors',
  ];
  const lines = rows.map((r) => [
    String(r.instances),
    r.cap,
    String(Math.round(r.wallMs)),
    r.peakRss,
    r.peakHeap,
    r.kubePerCluster,
    String(r.aapCalls),
    String(r.describes),
    String(r.executionsStarted),
    String(r.report.alreadyRunning),
    String(r.report.ignored),
    String(r.report.capped),
    String(r.report.errors),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: string[]) => `| ${cells.map((c, i) => c.padStart(widths[i] as number)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

function argument(name: string, fallback: string): string {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length) ?? fallback;
}

async function main(): Promise<void> {
  const sizes = argument('sizes', '1000,10000').split(',').map(Number);
  const clusterCount = Number(argument('clusters', '10'));
  if (sizes.some((s) => !Number.isInteger(s) || s < 1) || !Number.isInteger(clusterCount) || clusterCount < 1) {
    throw new Error('usage: npx tsx bench/reconcile.bench.ts [--sizes=1000,10000] [--clusters=10]');
  }
  const child = fork(__filename, ['--world', `--clusters=${clusterCount}`], { execArgv: process.execArgv });
  const world = new World(child);
  try {
    const endpoints = await world.ready;
    const clusters = endpoints.clusters.map((c) =>
      ClusterConfig.parse({
        id: c.id,
        server: c.url,
        token: c.token,
        insecureSkipTLSVerify: true,
        webhookSecrets: ['bench'],
      }),
    );
    const registry: ClusterRegistry = {
      get: async (id) => clusters.find((c) => c.id === id),
      list: async () => [...clusters],
    };
    // One store per cluster for the whole bench, as a warm Lambda container keeps them.
    const stores = new Map(clusters.map((c) => [c.id, createComputeInstanceStore(c)]));
    const aap = new AapClient({ baseUrl: endpoints.aap.url, token: endpoints.aap.token });
    const sfn = new SFNClient({
      endpoint: endpoints.sfnEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    });

    const rows: Row[] = [];
    for (const size of sizes) {
      const populateStarted = performance.now();
      await world.send({ cmd: 'populate', size });
      console.error(`populated ${size} instances in ${Math.round(performance.now() - populateStarted)} ms`);
      for (const cap of [100, size]) {
        await world.send({ cmd: 'resetCounters' });
        const run = await measured(() =>
          reconcile({
            registry,
            storeFor: (c) => stores.get(c.id) ?? createComputeInstanceStore(c),
            aap,
            sfn,
            machines: MACHINES,
            now: new Date(),
            limits: { maxStarts: cap },
            logger: SILENT,
          }),
        );
        const counters = await world.send<Counters>({ cmd: 'counters' });
        const report = run.result;
        rows.push({
          instances: size,
          cap: cap === size ? 'none' : String(cap),
          wallMs: run.wallMs,
          peakRss: `${mb(run.peakRss)} (+${mb(run.peakRss - run.before.rss)})`,
          peakHeap: `${mb(run.peakHeap)} (+${mb(run.peakHeap - run.before.heapUsed)})`,
          kubePerCluster: spread(counters.kubeRequestsPerCluster),
          aapCalls: counters.aapJobLists,
          describes: counters.sfn.DescribeExecution ?? 0,
          executionsStarted: counters.sfn.StartExecution ?? 0,
          report,
        });
        if (report.instances !== size || report.errors !== 0 || report.aapCalls !== counters.aapJobLists) {
          throw new Error(`unexpected report for ${size} instances: ${JSON.stringify(report)}`);
        }
      }
    }
    aap.close();
    sfn.destroy();
    console.log(`\nreconcile: ${clusterCount} clusters, concurrency 8, page size 500 (Node ${process.version})\n`);
    printTable(rows);
  } finally {
    await world.send({ cmd: 'close' }).catch(() => undefined);
    child.kill();
  }
}

if (process.argv.includes('--world')) {
  runWorld(Number(argument('clusters', '10'))).catch((error: unknown) => {
    console.error(`bench world: ${(error as Error).message}`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(`bench: ${(error as Error).stack ?? error}`);
    process.exitCode = 1;
  });
}
