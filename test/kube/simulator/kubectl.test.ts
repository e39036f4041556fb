import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { type JsonObject, type KubeSimulator, kubeconfigFor } from '../../../local/kube-simulator';
import { computeInstance, NS, startSim } from './support';

/** The kubectl on PATH, if any: CI images may not have one. */
function findKubectl(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'kubectl');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const KUBECTL = findKubectl();
if (!KUBECTL) {
  console.warn(
    'kube simulator kubectl tests SKIPPED: no kubectl binary on PATH. The simulator is then only proven against ' +
      '@kubernetes/client-node; install kubectl to run test/kube/simulator/kubectl.test.ts.',
  );
}
const itWithKubectl = KUBECTL ? it : it.skip;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('kube simulator: kubectl', () => {
  let sim: KubeSimulator;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    sim = await startSim();
    dir = mkdtempSync(path.join(tmpdir(), 'kube-sim-kubectl-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    // kubectl sends no bearer token over plain HTTP, so it carries the token in the server path.
    writeFileSync(kubeconfig, kubeconfigFor(sim, { namespace: NS, tokenInServerPath: true }), { mode: 0o600 });
  });

  afterAll(async () => {
    await sim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function kubectl(...args: string[]): Promise<Run> {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, KUBECONFIG: kubeconfig, NO_PROXY: '127.0.0.1' };
    return new Promise((resolve) => {
      execFile(
        KUBECTL as string,
        ['--cache-dir', path.join(dir, 'cache'), '--request-timeout=10s', ...args],
        { env, timeout: 20_000 },
        (error, stdout, stderr) => {
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
        },
      );
    });
  }

  function manifest(name: string, object: JsonObject): string {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, stringify(object));
    return file;
  }

  const liveObject = (name: string): JsonObject | undefined =>
    sim.objects({ kind: 'ComputeInstance' }).find((o) => (o.metadata as JsonObject).name === name);

  itWithKubectl('finds the resource by plural and short name through discovery', async () => {
    const resources = await kubectl('api-resources', '--api-group=osac.openshift.io', '--no-headers');
    expect(resources.stderr).toBe('');
    expect(resources.stdout).toMatch(
      /^computeinstances\s+ci\s+osac\.openshift\.io\/v1alpha1\s+true\s+ComputeInstance\s*$/m,
    );
    const empty = await kubectl('get', 'ci');
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain(`No resources found in ${NS} namespace.`);
  });

  itWithKubectl('applies, re-applies and changes a ComputeInstance (client-side apply)', async () => {
    const file = manifest('vm-k', computeInstance('vm-k'));
    expect((await kubectl('apply', '-f', file)).stdout.trim()).toBe('computeinstance.osac.openshift.io/vm-k created');
    expect((await kubectl('apply', '-f', file)).stdout.trim()).toBe('computeinstance.osac.openshift.io/vm-k unchanged');
    manifest('vm-k', computeInstance('vm-k', { runStrategy: 'Halted' }));
    expect((await kubectl('apply', '-f', file)).stdout.trim()).toBe(
      'computeinstance.osac.openshift.io/vm-k configured',
    );
    const live = liveObject('vm-k');
    expect(live?.spec).toMatchObject({ runStrategy: 'Halted' });
    const annotations = (live?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations ?? {};
    const lastApplied = JSON.parse(annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '{}');
    expect(lastApplied.spec.runStrategy).toBe('Halted');
    const requests = sim.requestLog().filter((entry) => entry.method === 'PATCH' && entry.path.endsWith('/vm-k'));
    expect(requests.at(-1)).toMatchObject({
      contentType: 'application/merge-patch+json',
      fieldManager: 'kubectl-client-side-apply',
    });
  });

  itWithKubectl('prints the printer columns for get computeinstances and get ci', async () => {
    for (const resource of ['computeinstances', 'ci']) {
      const table = await kubectl('get', resource);
      expect(table.code).toBe(0);
      const [header, row] = table.stdout.trim().split('\n');
      expect(header?.split(/\s+/)).toEqual(['NAME', 'TEMPLATE', 'CORES', 'MEMORY', 'OS', 'RUNSTRATEGY', 'PHASE', 'IP']);
      expect(row).toMatch(/^vm-k\s+osac\.templates\.ocp_virt_vm\s+2\s+4\s+Halted\s*$/);
    }
    const cores = await kubectl('get', 'ci', 'vm-k', '-o', 'jsonpath={.spec.cores}');
    expect(cores.stdout).toBe('2');
  });

  itWithKubectl('reproduces §4.6: applying a metadata-only manifest fails with spec: Required value', async () => {
    const file = manifest('vm-k-meta', {
      apiVersion: 'osac.openshift.io/v1alpha1',
      kind: 'ComputeInstance',
      metadata: { name: 'vm-k', finalizers: ['osac.openshift.io/computeinstance-aap'] },
    });
    const run = await kubectl('apply', '-f', file);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('The ComputeInstance "vm-k" is invalid');
    expect(run.stderr).toContain('spec: Required value');
    expect(liveObject('vm-k')?.metadata).not.toHaveProperty('finalizers');
  });

  itWithKubectl('refuses an immutable change and a failed JSON patch test with the API server messages', async () => {
    const immutable = await kubectl('patch', 'ci', 'vm-k', '--type=merge', '-p', '{"spec":{"cores":4}}');
    expect(immutable.stderr).toContain(
      'The ComputeInstance "vm-k" is invalid: spec.cores: Invalid value: "integer": cores is immutable',
    );
    const test = await kubectl(
      'patch',
      'ci',
      'vm-k',
      '--type=json',
      '-p',
      '[{"op":"test","path":"/spec/cores","value":3}]',
    );
    expect(test.stderr).toContain(
      'The request is invalid: the server rejected our request due to an error in our request',
    );
  });

  itWithKubectl('deletes: at once without finalizers, only marked with one', async () => {
    await kubectl(
      'patch',
      'ci',
      'vm-k',
      '--type=merge',
      '-p',
      '{"metadata":{"finalizers":["osac.openshift.io/computeinstance"]}}',
    );
    const marked = await kubectl('delete', 'ci', 'vm-k', '--wait=false');
    expect(marked.stdout.trim()).toBe('computeinstance.osac.openshift.io "vm-k" deleted');
    expect(liveObject('vm-k')?.metadata).toMatchObject({ deletionTimestamp: expect.any(String) });
    const released = await kubectl(
      'patch',
      'ci',
      'vm-k',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers/0"}]',
    );
    expect(released.code).toBe(0);
    expect(liveObject('vm-k')).toBeUndefined();
    manifest('vm-gone', computeInstance('vm-gone'));
    await kubectl('apply', '-f', path.join(dir, 'vm-gone.yaml'));
    const deleted = await kubectl('delete', 'computeinstances', 'vm-gone');
    expect(deleted.stdout.trim()).toBe('computeinstance.osac.openshift.io "vm-gone" deleted');
    expect(liveObject('vm-gone')).toBeUndefined();
  });
});
