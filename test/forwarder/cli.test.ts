import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  chooseKubeConfigSource,
  KubeConfigError,
  loadKubeConfig,
  parseCommandLine,
  UsageError,
} from '../../forwarder/src';
import { kubeconfigFor } from '../../local/kube-simulator';
import { applyInstance, NS, SECRET } from './support/cluster';
import { useTestbed } from './support/testbed';

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = path.join(ROOT, 'bin', 'cloudkit-provisioner.ts');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const ENV = { WEBHOOK_SECRET: SECRET, KUBECONFIG: '/etc/kube/config' };
const noServiceAccount = () => false;

describe('parseCommandLine', () => {
  const forward = (...flags: string[]) => [
    'forward',
    '--url',
    'https://hooks.example.com',
    '--cluster',
    'dev',
    ...flags,
  ];

  it('reads the flags into forwarder options, seconds into milliseconds', () => {
    const command = parseCommandLine(
      forward(
        '--namespace',
        'osac-computeinstance',
        '--kubeconfig',
        '/tmp/kc',
        '--queue-capacity',
        '50',
        '--request-timeout',
        '3',
        '--stats-interval',
        '0',
        '--health-port',
        '8080',
      ),
      ENV,
      noServiceAccount,
    );
    expect(command).toEqual({
      kind: 'forward',
      options: expect.objectContaining({
        url: 'https://hooks.example.com',
        cluster: 'dev',
        namespace: 'osac-computeinstance',
        queueCapacity: 50,
        requestTimeoutMs: 3000,
        statsIntervalMs: 0,
      }),
      secret: SECRET,
      kubeConfig: { kind: 'file', path: '/tmp/kc' },
      healthPort: 8080,
    });
  });

  it.each([[[]], [['--help']], [['-h']], [['forward', '--help']], [['forward', '-h']]])('%j asks for help', (argv) => {
    expect(parseCommandLine(argv, {}, noServiceAccount)).toEqual({ kind: 'help' });
  });

  it.each<[string[], string, NodeJS.ProcessEnv]>([
    [['provision'], 'unknown command "provision" (the commands are "forward" and "configure-aap")', ENV],
    [['forward', '--cluster', 'dev'], '--url is required', ENV],
    [['forward', '--url', 'https://h.example.com'], '--cluster is required', ENV],
    [forward('--bogus'), 'unknown flag --bogus', ENV],
    [forward('-x'), 'unknown flag -x', ENV],
    [forward('--webhook-secret', 's3cr3t'), '--webhook-secret: secrets are never flags', ENV],
    [forward('--token=abc'), '--token: secrets are never flags', ENV],
    [['forward', '--url'], '--url needs a value', ENV],
    [['forward', '--url', '--cluster', 'dev'], '--url needs a value', ENV],
    [forward('--help=yes'), '--help takes no value', ENV],
    [forward('stray'), 'unexpected argument "stray"', ENV],
    [['forward', '--url', 'hooks', '--cluster', 'dev'], '--url must be an http(s) URL (got "hooks")', ENV],
    [['forward', '--url', 'https://h.example.com', '--cluster', 'Dev'], '--cluster must be lowercase', ENV],
    [forward('--namespace', 'a_b'), '--namespace must be lowercase letters', ENV],
    [forward('--queue-capacity', '0'), '--queue-capacity must be a whole number of at least 1 (got "0")', ENV],
    [forward('--queue-capacity', 'lots'), '--queue-capacity must be a whole number of at least 1 (got "lots")', ENV],
    [forward('--request-timeout', '1.5'), '--request-timeout must be a whole number of at least 1 (got "1.5")', ENV],
    [forward('--stats-interval', '-1'), '--stats-interval needs a value', ENV],
    [forward('--health-port', '70000'), '--health-port must be at most 65535', ENV],
    [forward(), 'WEBHOOK_SECRET is not set', { KUBECONFIG: '/k' }],
    [forward(), 'WEBHOOK_SECRET is not set', { KUBECONFIG: '/k', WEBHOOK_SECRET: '' }],
    [forward(), 'WEBHOOK_SECRET starts or ends with whitespace', { KUBECONFIG: '/k', WEBHOOK_SECRET: 'abc\n' }],
    [forward(), 'no cluster credentials: pass --kubeconfig <file>, set KUBECONFIG', { WEBHOOK_SECRET: 's' }],
  ])('%j → %s', (argv, message, env) => {
    let thrown: unknown;
    try {
      parseCommandLine(argv, env, noServiceAccount);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toContain(message);
    expect((thrown as Error).message).not.toContain('\n');
    expect((thrown as Error).message).not.toContain('s3cr3t');
  });
});

describe('cluster credentials', () => {
  it.each<[string | undefined, NodeJS.ProcessEnv, boolean, object]>([
    ['/my/kc', { KUBECONFIG: '/env/kc' }, true, { kind: 'file', path: '/my/kc' }],
    [undefined, { KUBECONFIG: '/env/kc' }, true, { kind: 'KUBECONFIG', value: '/env/kc' }],
    [undefined, { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }, true, { kind: 'in-cluster' }],
  ])('--kubeconfig %p with %j (service account: %p)', (flag, env, serviceAccount, expected) => {
    expect(chooseKubeConfigSource(flag, env, () => serviceAccount)).toEqual(expected);
  });

  it('refuses to guess when there is no source', () => {
    expect(() =>
      chooseKubeConfigSource(
        undefined,
        { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
        noServiceAccount,
      ),
    ).toThrow(KubeConfigError);
  });

  describe('loading', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'forwarder-kc-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names a missing file by its error code', () => {
      expect(() => loadKubeConfig({ kind: 'file', path: path.join(dir, 'absent') })).toThrow(
        `kubeconfig ${path.join(dir, 'absent')}: cannot be loaded (ENOENT)`,
      );
    });

    it('never quotes a broken file (it holds tokens)', () => {
      const file = path.join(dir, 'broken');
      writeFileSync(file, 'users:\n- name: x\n  user: {token: sup3r-s3cret-t0ken\n');
      expect(() => loadKubeConfig({ kind: 'file', path: file })).toThrow(
        /cannot be loaded \(not a valid kubeconfig\)$/,
      );
    });

    it('refuses a kubeconfig without a current cluster', () => {
      const file = path.join(dir, 'empty');
      writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n');
      expect(() => loadKubeConfig({ kind: 'file', path: file })).toThrow('names no current cluster');
    });

    it('names the entry when a KUBECONFIG path list repeats one', () => {
      const first = path.join(dir, 'dup-1');
      const second = path.join(dir, 'dup-2');
      writeFileSync(first, kubeconfigFor({ url: 'http://127.0.0.1:1', token: 't1' }, { name: 'same' }));
      writeFileSync(second, kubeconfigFor({ url: 'http://127.0.0.1:2', token: 't2' }, { name: 'same' }));
      expect(() => loadKubeConfig({ kind: 'KUBECONFIG', value: `${first}${path.delimiter}${second}` })).toThrow(
        'cannot be loaded (Duplicate cluster: same)',
      );
    });

    it('merges a KUBECONFIG path list, the first file choosing the context', () => {
      const first = path.join(dir, 'first');
      const second = path.join(dir, 'second');
      writeFileSync(first, kubeconfigFor({ url: 'http://127.0.0.1:1', token: 't1' }, { name: 'one' }));
      writeFileSync(second, kubeconfigFor({ url: 'http://127.0.0.1:2', token: 't2' }, { name: 'two' }));
      const kubeConfig = loadKubeConfig({ kind: 'KUBECONFIG', value: `${first}${path.delimiter}${second}` });
      expect(kubeConfig.getCurrentCluster()?.server).toBe('http://127.0.0.1:1');
      expect(kubeConfig.getClusters().map((cluster) => cluster.name)).toEqual(['one', 'two']);
    });
  });
});

describe('cloudkit-provisioner forward (the process)', () => {
  const bed = useTestbed();
  let dir: string;
  let kubeconfig: string;
  let child: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'forwarder-cli-'));
    kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigFor(bed.sim));
  });

  afterAll(() => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  function run(args: string[], env: NodeJS.ProcessEnv) {
    const spawned = spawn(process.execPath, [TSX, BIN, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, POWERTOOLS_LOG_LEVEL: 'INFO', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    let stdout = '';
    let stderr = '';
    const lineWaiters: Array<() => void> = [];
    spawned.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      for (const waiter of lineWaiters) waiter();
    });
    spawned.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => spawned.on('exit', (code) => resolve(code)));
    const logs = () =>
      stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { message: string; [key: string]: unknown });
    /** The first JSON log line with this message, once it is printed. */
    const logLine = (message: string) =>
      new Promise<{ [key: string]: unknown }>((resolve, reject) => {
        const check = (): void => {
          const found = logs().find((entry) => entry.message === message);
          if (found) resolve(found);
        };
        lineWaiters.push(check);
        check();
        exited.then(() => reject(new Error(`exited before logging "${message}"; stderr: ${stderr}`)));
      });
    return { exited, logLine, output: () => ({ stdout, stderr }) };
  }

  it('forwards, answers /healthz, and stops cleanly on SIGTERM', async () => {
    await applyInstance(bed.sim, 'vm-a');
    const forwarding = run(
      [
        'forward',
        '--url',
        bed.receiver.url,
        '--cluster',
        'local',
        '--namespace',
        NS,
        '--kubeconfig',
        kubeconfig,
        '--health-port',
        '0',
      ],
      { WEBHOOK_SECRET: SECRET },
    );
    const listening = await forwarding.logLine('health endpoint listening');
    await bed.receiver.until((requests) => requests[0]?.status === 200, 'the initial ADDED from the process', 60_000);
    expect(bed.receiver.requests[0]).toMatchObject({ type: 'ADDED', name: 'vm-a', signatureValid: true });

    const health = await fetch(String(listening.url).replace('0.0.0.0', '127.0.0.1'));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', state: 'running', synced: true, delivered: 1 });

    child?.kill('SIGTERM');
    expect(await forwarding.exited).toBe(0);
    const stopped = await forwarding.logLine('forwarder stopped');
    expect(stopped).toMatchObject({ state: 'stopped', delivered: 1, queued: 0 });
    const { stdout, stderr } = forwarding.output();
    expect(stderr).toBe('');
    expect(stdout).not.toContain(SECRET);
    expect(stdout).not.toContain(bed.sim.token);
  }, 90_000);

  it('exits 2 with one line on stderr for a bad flag', async () => {
    const failing = run(['forward', '--url', bed.receiver.url, '--cluster', 'local', '--queue-capacity', 'many'], {
      WEBHOOK_SECRET: SECRET,
    });
    expect(await failing.exited).toBe(2);
    expect(failing.output()).toEqual({
      stdout: '',
      stderr:
        'cloudkit-provisioner: --queue-capacity must be a whole number of at least 1 (got "many") (see cloudkit-provisioner --help)\n',
    });
  }, 60_000);
});
