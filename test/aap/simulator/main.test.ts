import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const TSX_CLI = require.resolve('tsx/cli');

interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `npm run sim:aap` without npm: tsx on the same Node 22 binary that runs jest. */
function runMain(env: Record<string, string>): Running {
  const child = spawn(process.execPath, [TSX_CLI, 'local/aap-simulator/main.ts'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
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
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function banner(running: Running): Promise<string> {
  const deadline = Date.now() + 15000;
  while (!running.stdout().includes('token:')) {
    if (running.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`simulator did not start: ${running.stderr() || running.stdout()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return running.stdout();
}

// Two spawns only (tsx start-up is slow); the env parsing and banner are unit-tested in units.test.ts.
describe('AAP simulator: standalone main (npm run sim:aap)', () => {
  let running: Running | undefined;
  let blocker: Server | undefined;

  afterEach(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGKILL');
      await running.exited;
    }
    running = undefined;
    if (blocker) await new Promise((resolve) => blocker?.close(resolve));
    blocker = undefined;
  });

  it('prints its URL, both API prefixes and the generated token, serves them, and stops cleanly on SIGTERM', async () => {
    running = runMain({ AAP_SIM_PORT: '0', TIME_SCALE: '0.01' });
    const output = await banner(running);
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    const token = /token: (\S+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect(output).toContain(`${url}/api/v2/`);
    expect(output).toContain(`${url}/api/controller/v2/`);
    const reply = await fetch(`${url}/api/controller/v2/job_templates/?name=osac-create-compute-instance`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(200);
    expect(((await reply.json()) as { count: number }).count).toBe(1);

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
  });

  it('exits 1 with one clear line when the port is taken', async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker?.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    running = runMain({ AAP_SIM_PORT: String(port) });
    expect(await running.exited).toBe(1);
    const lines = running.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`127.0.0.1:${port}`);
    expect(lines[0]).toContain('already in use');
  });
});
