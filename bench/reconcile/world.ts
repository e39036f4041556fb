/**
 * The simulated world the reconciler runs against, in a process of its own so that the time and memory measured
 * are the reconciler's alone: 10 kube API-server simulators, the AAP simulator, and a counting Step Functions stub
 * that answers DescribeExecution with ExecutionDoesNotExist or RUNNING and accepts every StartExecution. Objects are
 * created through the simulators' HTTP API. The mix per cluster: 60 % never provisioned (half of them with a
 * webhook-started execution RUNNING), 10 % with a provision job running in AAP, 5 % being deleted, 25 % applied.
 *
 * Forked by bench/reconcile.bench.ts (`world.ts --clusters=N`); driven over IPC (WorldCommand).
 */
import { createHash } from 'node:crypto';
import { AapClient } from '../../lib/aap';
import {
  COMPUTE_INSTANCE_FINALIZER,
  desiredConfigVersion,
  formatMetaTime,
  GROUP,
  PLURAL,
  parseComputeInstance,
  VERSION,
} from '../../lib/computeinstance';
import { startAapSimulator } from '../../local/aap-simulator';
import { parseCommandLine } from '../../local/command-line';
import { sampleInstance, tenantAnnotations } from '../../local/fixtures/sample-instance';
import { type KubeSimulator, startKubeSimulator } from '../../local/kube-simulator';
import { startSfnStub } from '../../test/reconcile/support/sfn-stub';
import type { Counters, WorldCommand, WorldEndpoints } from './protocol';

export const NAMESPACE = 'osac-computeinstance';
const STEADY_TEMPLATE = 'bench-steady-job';

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
  const aap = new AapClient({ baseUrl: `${aapSim.url}/api/controller`, token: aapSim.token });
  // Retries (-r<n>) are never running; a first execution runs when its webhook "worked".
  const resetSfn = () => {
    sfn.reset();
    sfn.setFallback((name) => (/-r\d+$/.test(name) || !webhookWorked(name) ? undefined : 'RUNNING'));
  };
  resetSfn();

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
    resetSfn();
    await inParallel(size, 32, async (i) => {
      const kube = kubes[i % kubes.length] as KubeSimulator;
      const name = `vm-${String(i).padStart(6, '0')}`;
      const slot = Math.floor(i / kubes.length) % 20;
      const deleting = slot === 14;
      const created = await call(
        kube,
        'POST',
        '',
        sampleInstance({
          name,
          namespace: NAMESPACE,
          annotations: tenantAnnotations('tenant-bench'),
          ...(deleting || slot >= 12 ? { finalizers: [COMPUTE_INSTANCE_FINALIZER] } : {}),
        }),
      );
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
    const aapLog = aapSim.requestLog().filter((r) => r.path.startsWith('/api/'));
    const kubeLogs = kubes.map((kube) => kube.requestLog());
    const kubeTimes = kubeLogs.flat().map((entry) => Date.parse(entry.time));
    return {
      kubeRequestsPerCluster: kubeLogs.map((log) => log.length),
      aapJobLists: aapLog.filter((r) => r.path.endsWith('/jobs/') && r.query.includes('id__in')).length,
      aapRequests: aapLog.length,
      sfn: sfn.calls(),
      lastKubeRequestMs: kubeTimes.length === 0 ? undefined : Math.max(...kubeTimes),
      aapRequestsMs:
        aapLog.length === 0
          ? undefined
          : { first: Math.min(...aapLog.map((r) => r.time)), last: Math.max(...aapLog.map((r) => r.time)) },
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
          resetSfn();
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

if (require.main === module) {
  let clusters = Number.NaN;
  try {
    clusters = Number(parseCommandLine(process.argv.slice(2), { clusters: { type: 'string' } }).clusters);
  } catch (error) {
    console.error((error as Error).message);
  }
  if (!Number.isInteger(clusters) || clusters < 1) {
    console.error('usage: world.ts --clusters=N (forked by bench/reconcile.bench.ts)');
    process.exit(2);
  }
  runWorld(clusters).catch((error: unknown) => {
    console.error(`bench world: ${(error as Error).message}`);
    process.exit(1);
  });
}
