import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parse } from 'yaml';
import { NS, UPSTREAM_CRD } from './support';

const REPO = path.resolve(__dirname, '..', '..', '..');
const MAIN = path.join(REPO, 'local', 'kube-simulator', 'main.ts');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run sim:kube` without npm: the entry point on this Node with tsx. */
function startMain(env: Record<string, string>): { child: ChildProcess; output: () => Exit; exited: Promise<Exit> } {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    env: { PATH: process.env.PATH, KUBE_SIM_CRDS: UPSTREAM_CRD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<Exit>((resolve) => {
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => ({ code: child.exitCode, stdout, stderr }), exited };
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        child.stdout?.off('data', onData);
        resolve(match);
      }
    };
    child.stdout?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`exited with ${code} before printing ${pattern}: ${seen}`)));
  });
}

describe('kube simulator: npm run sim:kube entry point', () => {
  it('prints URL, token and a kubeconfig path, serves, and stops cleanly on SIGTERM', async () => {
    const run = startMain({ KUBE_SIM_PORT: '0', KUBE_SIM_TOKEN: 'main-test-token' });
    const match = await waitForLine(run.child, /listening on (http:\/\/\S+)\n[\s\S]*kubeconfig: (\S+)/);
    const [, url = '', kubeconfigPath = ''] = match;
    try {
      expect(run.output().stdout).toContain('token: main-test-token');
      const kubeconfig = parse(readFileSync(kubeconfigPath, 'utf8'));
      expect(kubeconfig.clusters[0].cluster.server).toBe(`${url}/_token/main-test-token`);
      expect(kubeconfig.contexts[0].context.namespace).toBe(NS);
      const response = await fetch(`${url}/api/v1/namespaces/${NS}`, {
        headers: { Authorization: 'Bearer main-test-token' },
      });
      expect(response.status).toBe(200);
    } finally {
      run.child.kill('SIGTERM');
    }
    const exit = await run.exited;
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('SIGTERM received, shutting down');
    expect(existsSync(kubeconfigPath)).toBe(true);
    rmSync(kubeconfigPath, { force: true });
  });

  it('stops with one clear line when the port is in use', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const exit = await startMain({ KUBE_SIM_PORT: String(port) }).exited;
      expect(exit.code).toBe(1);
      expect(exit.stderr).toBe(`kube simulator cannot listen on 127.0.0.1:${port}: the port is already in use\n`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('refuses a KUBE_SIM_PORT that is not a port', async () => {
    const exit = await startMain({ KUBE_SIM_PORT: 'http' }).exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toBe('kube simulator: KUBE_SIM_PORT must be a port number (0-65535), got "http"\n');
  });
});
