import { createServer, type Server } from 'node:net';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, type ComputeInstance, GROUP, PLURAL, VERSION } from '../../lib/computeinstance';
import { demoInstance } from '../../local/demo';
import { freePorts, StartProcess } from './support/start-process';

/**
 * `npm start` as a platform engineer runs it: a child process on fresh ports, driven only through what it prints
 * and the APIs it serves. Every change goes through the local cluster's Kubernetes API; the forwarder, the gateway
 * and the webhook must turn it into workflows on their own.
 */

const NAMESPACE = 'osac-computeinstance';
const KUBE_TOKEN = 'kube-token-under-test';
const AAP_TOKEN = 'aap-token-under-test';
const WEBHOOK_SECRET = 'webhook-secret-under-test';
// Generous: two cores shared with other suites; tsx compiles the project on start.
const START_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 60_000;

interface Ports {
  gateway: number;
  aap: number;
  kube: number;
  sfn: number;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = STEP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('npm start', () => {
  let ports: Ports;
  let system: StartProcess;
  const kubeUrl = () => `http://127.0.0.1:${ports.kube}`;
  const instanceUrl = (name?: string) =>
    `${kubeUrl()}/apis/${API_VERSION}/namespaces/${NAMESPACE}/${PLURAL}${name === undefined ? '' : `/${name}`}`;
  const kube = async (method: string, url: string, body?: unknown, contentType = 'application/json') => {
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${KUBE_TOKEN}`, 'content-type': contentType },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const getInstance = async (name: string) => {
    const response = await kube('GET', instanceUrl(name));
    return response.status === 200 ? (response.body as unknown as ComputeInstance) : undefined;
  };

  beforeAll(async () => {
    const [gateway, aap, kubePort, sfn] = (await freePorts(4)) as [number, number, number, number];
    ports = { gateway, aap, kube: kubePort, sfn };
    system = new StartProcess([], {
      PORT: String(gateway),
      AAP_SIM_PORT: String(aap),
      KUBE_SIM_PORT: String(kubePort),
      SFN_PORT: String(sfn),
      TIME_SCALE: '0.02',
      KUBE_SIM_TOKEN: KUBE_TOKEN,
      AAP_SIM_TOKEN: AAP_TOKEN,
      WEBHOOK_SECRET,
    });
    await system.waitForOutput(/Ctrl-C stops everything\./, START_TIMEOUT_MS);
  }, START_TIMEOUT_MS + 10_000);
  afterAll(async () => {
    await system?.kill();
  });

  it('prints where everything is, and no secret it was given', () => {
    const banner = system.stdout;
    expect(banner).toContain(`console           http://127.0.0.1:${ports.gateway}/`);
    expect(banner).toContain(`POST http://127.0.0.1:${ports.gateway}/v1/clusters/{cluster}/events`);
    expect(banner).toContain(`POST http://127.0.0.1:${ports.gateway}/v1/clusters/{cluster}/create-compute-instance`);
    expect(banner).toContain(`POST http://127.0.0.1:${ports.gateway}/v1/clusters/{cluster}/delete-compute-instance`);
    expect(banner).toContain(`kube API          http://127.0.0.1:${ports.kube}`);
    expect(banner).toContain(`http://127.0.0.1:${ports.aap}/api/controller/v2/`);
    expect(banner).toContain(`Step Functions    http://127.0.0.1:${ports.sfn}`);
    expect(banner).toMatch(/kubectl --kubeconfig \S+ get ci -A/);
    // On by default with the simulator; off, saying why, while the receiver route or the simulator's API is missing.
    expect(banner).toMatch(
      new RegExp(
        `AAP notifications +(on: AAP posts to http://127\\.0\\.0\\.1:${ports.gateway}/v1/aap/notifications|off \\(AAP could not)`,
      ),
    );
    // Tokens and the secret came from the environment: the banner names the variables instead of echoing them.
    expect(banner).toContain('(the value of KUBE_SIM_TOKEN)');
    for (const secret of [KUBE_TOKEN, AAP_TOKEN, WEBHOOK_SECRET]) expect(banner).not.toContain(secret);
  });

  it('writes a kubeconfig that reaches the local cluster (what kubectl get ci -A reads)', async () => {
    const path = (/kubectl --kubeconfig (\S+) get ci -A/.exec(system.stdout) as RegExpExecArray)[1] as string;
    const config = new KubeConfig();
    config.loadFromFile(path);
    const list = (await config
      .makeApiClient(CustomObjectsApi)
      .listClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL })) as { items: unknown[] };
    expect(Array.isArray(list.items)).toBe(true);
  });

  it('holds the local tenant the sample instance names, with a storage class for the local tier', async () => {
    const tenant = await kube('GET', `${kubeUrl()}/apis/${API_VERSION}/namespaces/${NAMESPACE}/tenants/local`);
    expect(tenant.status).toBe(200);
    expect(tenant.body.status).toEqual({
      namespace: 'local',
      phase: 'Ready',
      storageClasses: [{ name: 'local', tier: 'local' }],
    });
    expect(demoInstance('vm', NAMESPACE).metadata.annotations).toEqual({ 'osac.openshift.io/tenant': 'local' });
  });

  it('serves the console at /', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.gateway}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    await response.text();
  });

  it('provisions, restarts and deletes an instance created through the Kubernetes API, leaving no VM', async () => {
    const created = await kube('POST', instanceUrl(), demoInstance('vm-npm-start', NAMESPACE));
    expect(created.status).toBe(201);

    const running = await until('vm-npm-start to be Running', async () => {
      const instance = await getInstance('vm-npm-start');
      return instance?.status?.phase === 'Running' ? instance : undefined;
    });
    expect(running.metadata.finalizers).toContain('osac.openshift.io/computeinstance');
    const vms = async () => (await (await fetch(`http://127.0.0.1:${ports.aap}/_sim/vms`)).json()) as unknown[];
    expect(await vms()).toEqual([expect.objectContaining({ key: `${NAMESPACE}/vm-npm-start` })]);

    // Any instant restarts an instance never restarted before; the creation time is one on the system's clock.
    const requested = running.metadata.creationTimestamp as string;
    const patched = await kube(
      'PATCH',
      instanceUrl('vm-npm-start'),
      { spec: { restartRequestedAt: requested } },
      'application/merge-patch+json',
    );
    expect(patched.status).toBe(200);
    const restarted = await until('lastRestartedAt to be set', async () => {
      const instance = await getInstance('vm-npm-start');
      return instance?.status?.lastRestartedAt === requested ? instance : undefined;
    });
    expect(restarted.status?.provisioningJobs?.filter((job) => job.type === 'provision')).toHaveLength(2);

    expect((await kube('DELETE', instanceUrl('vm-npm-start'))).status).toBe(200);
    await until('vm-npm-start to be gone', async () =>
      (await getInstance('vm-npm-start')) === undefined ? true : undefined,
    );
    expect(await vms()).toEqual([]);
    const violations = await (await fetch(`http://127.0.0.1:${ports.aap}/_sim/violations`)).json();
    expect(violations).toEqual([]);
    // The webhook (not a test shortcut) started the work: its activity lines name the executions.
    expect(system.stdout).toMatch(/webhook: POST \/v1\/clusters\/local\/events → 202 provision provision-/);
    expect(system.stdout).toMatch(/webhook: POST \/v1\/clusters\/local\/events → 202 deprovision deprovision-/);
  });

  it('stops everything on Ctrl-C and exits 0, leaving nothing open', async () => {
    system.interrupt();
    expect(await system.exited).toEqual({ code: 0, signal: null });
    expect(system.stdout).toContain('SIGINT: stopping');
    expect(system.stderr).not.toMatch(/left resources open/);
    // Every port is free again.
    await expect(freePortsAt(Object.values(ports))).resolves.toBe(true);
  });
});

async function freePortsAt(list: number[]): Promise<boolean> {
  for (const port of list) {
    const server: Server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (free) await new Promise((resolve) => server.close(resolve));
    else return false;
  }
  return true;
}

describe('npm start refuses what it cannot use, in one line', () => {
  let busy: Server;
  let busyPort = 0;
  beforeAll(async () => {
    busy = createServer();
    busyPort = await new Promise<number>((resolve) =>
      busy.listen(0, '127.0.0.1', () => resolve((busy.address() as { port: number }).port)),
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
  });

  it.each([
    [
      'a bad value',
      () => ({
        env: { TIME_SCALE: '5' },
        args: [],
        message: /^npm start: invalid setting: TIME_SCALE must be a number greater than 0 and at most 1/,
      }),
    ],
    ['an unknown argument', () => ({ env: {}, args: ['--demmo'], message: /^npm start: unknown argument "--demmo"/ })],
    [
      'a clusters file that cannot be read',
      () => ({
        env: { CLUSTERS_FILE: '/nonexistent/clusters.json' },
        args: [],
        message: /^npm start: CLUSTERS_FILE: clusters file \/nonexistent\/clusters\.json: cannot be read \(ENOENT\)$/m,
      }),
    ],
    [
      'the demo with a real AAP',
      () => ({
        env: { AAP_URL: 'https://aap.example.com/api/controller', AAP_TOKEN: 'real-token' },
        args: ['--demo'],
        message: /^npm start: --demo runs on the simulators: unset AAP_URL, AAP_TOKEN and CLUSTERS_FILE$/m,
      }),
    ],
    [
      'a port in use',
      // Built when the case runs: the busy port is only known once beforeAll has bound it.
      () => ({
        env: { KUBE_SIM_PORT: String(busyPort), PORT: '0', AAP_SIM_PORT: '0', SFN_PORT: '0' },
        args: [],
        message: new RegExp(
          `^npm start: KUBE_SIM_PORT=${busyPort}: the port is already in use; set KUBE_SIM_PORT to a free port`,
        ),
      }),
    ],
  ])(
    '%s: exit code 2, the variable named, no stack trace',
    async (_label, given) => {
      const { env, args, message } = given();
      const refused = new StartProcess(args, env);
      try {
        expect(await refused.exited).toEqual({ code: 2, signal: null });
        expect(refused.stderr).toMatch(message);
        expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(refused.stdout).toBe('');
      } finally {
        await refused.kill();
      }
    },
    60_000,
  );
});
