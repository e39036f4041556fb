import { type ChildProcess, fork } from 'node:child_process';
import { EXTERNALS_PATH, NODE22 } from './lambda-bundles';

export interface BundleProcessOptions {
  /** The whole environment of the child (nothing is inherited but PATH): it is a Lambda container, not us. */
  env: Record<string, string>;
  /** Node flags, e.g. the function's NODE_OPTIONS. */
  execArgv?: string[];
}

/**
 * A bundled script in a fresh Node 22 process, talking over IPC: what a Lambda container is to its function. Its
 * stdout (log lines, EMF metrics) is discarded, its stderr shown. Externals (the AWS SDK) resolve from
 * node_modules through NODE_PATH, as the runtime provides them.
 */
export class BundleProcess {
  private readonly received: unknown[] = [];
  private readonly waiters: Array<{ resolve: (message: unknown) => void; reject: (error: Error) => void }> = [];
  private exitError: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly label: string,
  ) {
    child.on('message', (message) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter.resolve(message);
      else this.received.push(message);
    });
    this.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exitError = new Error(`${label} exited (${signal ?? `code ${code}`}) before answering`);
        for (const waiter of this.waiters.splice(0)) waiter.reject(this.exitError);
        resolve();
      });
    });
  }

  static start(bundle: string, args: readonly string[], label: string, options: BundleProcessOptions): BundleProcess {
    const child = fork(bundle, [...args], {
      execPath: NODE22,
      execArgv: options.execArgv ?? [],
      env: { PATH: process.env.PATH ?? '', NODE_PATH: EXTERNALS_PATH, ...options.env },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    return new BundleProcess(child, label);
  }

  /** The next message the child sends. */
  next<T>(): Promise<T> {
    const queued = this.received.shift();
    if (queued !== undefined) return Promise.resolve(queued as T);
    if (this.exitError) return Promise.reject(this.exitError);
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({ resolve: resolve as (message: unknown) => void, reject });
    });
  }

  send(message: unknown): void {
    this.child.send(message as never);
  }

  /** Ends the child if it is still running, and waits until it has. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    await this.exited;
  }
}
