import { createServer } from 'node:net';
import { type LocalSettings, PORT_VARIABLES, type PortVariable } from '../config';

/** A configured port another process holds (or that may not be bound); the message names the variable to change. */
export class PortUnavailableError extends Error {
  override readonly name = 'PortUnavailableError';
  constructor(
    readonly variable: PortVariable,
    readonly port: number,
    reason: string,
  ) {
    super(`${variable}=${port}: ${reason}; set ${variable} to a free port (e.g. ${variable}=0 picks one)`);
  }
}

function probePort(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('the port is already in use');
      else if (error.code === 'EACCES') resolve('binding this port is not permitted (ports below 1024 need root)');
      else resolve(`the port cannot be bound (${error.code ?? error.message})`);
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** Checked before anything starts, so a busy port is named by its variable instead of failing half-way. */
export async function assertPortsAvailable(
  settings: LocalSettings,
  unused: readonly PortVariable[] = [],
  host = '127.0.0.1',
): Promise<void> {
  for (const variable of PORT_VARIABLES) {
    const port = settings[variable];
    if (port === 0 || unused.includes(variable)) continue;
    const problem = await probePort(port, host);
    if (problem !== undefined) throw new PortUnavailableError(variable, port, problem);
  }
}

/** A listen error raised after the probe (another process was faster): find which variable's port it was. */
export function portErrorVariable(error: unknown, settings: LocalSettings): PortUnavailableError | undefined {
  const { code, port, message } = (error ?? {}) as { code?: unknown; port?: unknown; message?: unknown };
  if (code !== 'EADDRINUSE' && code !== 'EACCES') return undefined;
  // Node's own listen errors carry `port`; the simulators name it in their message (`port 6443`, `host:6443`).
  const numbers =
    typeof port === 'number'
      ? [port]
      : [...String(message).matchAll(/(?:port |:)(\d{1,5})\b/g)].map((m) => Number(m[1]));
  const variable = PORT_VARIABLES.find((name) => settings[name] !== 0 && numbers.includes(settings[name]));
  if (variable === undefined) return undefined;
  const reason = code === 'EADDRINUSE' ? 'the port is already in use' : 'binding this port is not permitted';
  return new PortUnavailableError(variable, settings[variable], reason);
}
