import { KubeConfig } from '@kubernetes/client-node';
import {
  createForwarder,
  type Forwarder,
  type ForwarderOptionsInput,
  type ForwarderStats,
} from '../../../forwarder/src';
import type { Logger } from '../../../lib/runtime/logger';
import { type KubeSimulator, kubeconfigFor, startKubeSimulator } from '../../../local/kube-simulator';
import { baseSpec } from '../../computeinstance/fixtures';

/** The cluster side of forwarder tests: a kube simulator, object writes, a fast forwarder and a log recorder. */

export const NS = 'osac-computeinstance';
export const OTHER_NS = 'other-tenant';
export const SECRET = 'forwarder-test-secret-7f3a';
const OBJECTS = `/apis/osac.openshift.io/v1alpha1/namespaces/${NS}/computeinstances`;

/**
 * Fails the forwarder's LIST and WATCH (both on the collection path) while leaving the object paths the tests
 * write through alone: to the forwarder the API server is down, to the test it is not.
 */
/** The cluster-wide collection the forwarder lists and watches; the namespaced ones stay open for the test's writes. */
export const CUT_OFF_THE_FORWARDER = {
  errorRate: 1,
  errorStatus: 503,
  pathFilter: '^/apis/osac\\.openshift\\.io/v1alpha1/computeinstances$',
} as const;

export function startSim(): Promise<KubeSimulator> {
  return startKubeSimulator({ namespaces: [NS, OTHER_NS] });
}

export function kubeConfigFor(sim: KubeSimulator): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kubeconfigFor(sim));
  return kubeConfig;
}

async function send(sim: KubeSimulator, method: string, path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(`${sim.url}${path}`, {
    ...init,
    method,
    headers: { Authorization: `Bearer ${sim.token}`, ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status}: ${text}`);
  return JSON.parse(text);
}

/**
 * Creates or changes a ComputeInstance: a merge patch on its object path, a create in its namespace when there is
 * none yet. `version` lands in a label: each call with a new one is a change.
 */
export async function applyInstance(sim: KubeSimulator, name: string, version = '0', namespace = NS): Promise<void> {
  const body = {
    apiVersion: 'osac.openshift.io/v1alpha1',
    kind: 'ComputeInstance',
    metadata: { name, namespace, labels: { version } },
    spec: baseSpec(),
  };
  const path = OBJECTS.replace(NS, namespace);
  try {
    await send(sim, 'PATCH', `${path}/${name}`, {
      headers: { 'Content-Type': 'application/merge-patch+json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    if (!/HTTP 404/.test((error as Error).message)) throw error;
    await send(sim, 'POST', path, { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  }
}

export async function deleteInstance(sim: KubeSimulator, name: string, namespace = NS): Promise<void> {
  await send(sim, 'DELETE', `${OBJECTS.replace(NS, namespace)}/${name}`);
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#record('debug', message, attributes);
  }
  info(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#record('info', message, attributes);
  }
  warn(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#record('warn', message, attributes);
  }
  error(message: string, ...attributes: Record<string, unknown>[]): void {
    this.#record('error', message, attributes);
  }
  #record(level: LogEntry['level'], message: string, attributes: Record<string, unknown>[]): void {
    this.entries.push({ level, message, attributes: Object.assign({}, ...attributes) });
  }
  /** Entries whose message contains `text`. */
  find(text: string): LogEntry[] {
    return this.entries.filter((entry) => entry.message.includes(text));
  }
}

/** Small delays everywhere so failures and retries play out in milliseconds. */
export const FAST: Partial<ForwarderOptionsInput> = {
  requestTimeoutMs: 2000,
  deliveryBackoff: { baseDelayMs: 5, maxDelayMs: 40 },
  watchBackoff: { baseDelayMs: 5, maxDelayMs: 40 },
  minHealthyWatchMs: 0,
  statsIntervalMs: 0,
};

export function startForwarder(
  sim: KubeSimulator,
  url: string,
  options: Partial<ForwarderOptionsInput> = {},
): { forwarder: Forwarder; logs: RecordingLogger } {
  const logs = new RecordingLogger();
  const forwarder = createForwarder({
    options: { url, cluster: 'local', namespace: NS, ...FAST, ...options },
    secret: SECRET,
    kubeConfig: kubeConfigFor(sim),
    logger: logs,
  });
  forwarder.start();
  return { forwarder, logs };
}

/** Resolves with the first defined value of `probe`, polled every few milliseconds until `timeoutMs`. */
export async function eventually<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Resolves with the forwarder's counters once `check` holds for them. */
export function statsWhen(
  forwarder: Forwarder,
  check: (stats: ForwarderStats) => boolean,
  what: string,
): Promise<ForwarderStats> {
  return eventually(
    () => {
      const stats = forwarder.stats();
      return check(stats) ? stats : undefined;
    },
    `${what}; last counters: ${JSON.stringify(forwarder.stats())}`,
  );
}
