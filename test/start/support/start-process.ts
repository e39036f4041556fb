import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * `npm start` as a user runs it, in a child process: `node --import tsx local/start.ts` on this process's own Node
 * (22, the `node` devDependency npm puts first on PATH). Not through the `tsx` launcher: that one runs the program
 * in a second process and, when the program takes more than 30 ms to acknowledge a relayed Ctrl-C (a busy machine),
 * SIGKILLs it, so nothing is cleaned up and the exit code is 130.
 */

const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class StartProcess {
  readonly #child: ChildProcess;
  #stdout = '';
  #stderr = '';
  readonly exited: Promise<Exit>;
  #listeners = new Set<() => void>();

  constructor(args: readonly string[], env: Record<string, string>) {
    this.#child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, as a shell job has: Ctrl-C signals the whole group.
      detached: true,
    });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stdout += chunk;
      for (const listener of this.#listeners) listener();
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        for (const listener of this.#listeners) listener();
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first match of `pattern` in stdout; rejects if the process ends first or time runs out. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(this.#stdout);
        if (match) finish(() => resolve(match));
        else if (!this.#running) {
          finish(() =>
            reject(new Error(`npm start ended before printing ${pattern}:\n${this.#stdout}\n${this.#stderr}`)),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${this.#stdout}\n${this.#stderr}`))),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      this.#listeners.add(check);
      check();
    });
  }

  get #running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Ctrl-C in a terminal: SIGINT to the whole process group. */
  interrupt(): void {
    process.kill(-(this.#child.pid as number), 'SIGINT');
  }

  /** For afterAll: make sure nothing outlives the test. */
  async kill(): Promise<void> {
    if (!this.#running) return;
    try {
      process.kill(-(this.#child.pid as number), 'SIGKILL');
    } catch {
      // The group is already gone.
    }
    await this.exited;
  }
}

/** Ports free right now, each distinct: bound at once on port 0, then released. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = Array.from({ length: count }, () => createServer());
  const ports = await Promise.all(
    servers.map(
      (server) =>
        new Promise<number>((resolve, reject) => {
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            resolve(typeof address === 'object' && address !== null ? address.port : 0);
          });
        }),
    ),
  );
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
