import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { stringify } from 'yaml';
import { API_VERSION, PLURAL } from '../lib/computeinstance';
import type { ClusterConfig } from '../lib/k8s/clusters';
import type { ReconcileReport } from '../lib/reconcile';
import {
  DEV_AAP_SIM_TOKEN,
  DEV_KUBE_SIM_TOKEN,
  DEV_WEBHOOK_SECRET,
  type LocalSettings,
  LocalSettingsError,
  loadLocalSettings,
  localSettingsTable,
  PORT_VARIABLES,
  type PortVariable,
} from './config';
import { type DemoResult, demoInstance, runDemo } from './demo';
import {
  ACCOUNT_ID,
  type Gateway,
  type GatewayAccessEntry,
  type GatewayRoute,
  type HttpApiHandler,
  type HttpApiRoute,
  httpApiRoutes,
  lambdaContext,
  startGateway,
} from './gateway';
import { kubeconfigFor } from './kube-simulator';
import type { LocalStack } from './stack';

/**
 * `npm start`: the whole system on one machine, with no AWS account, no cluster and no AAP. The embedded stack (kube
 * simulator, AAP simulator, local Step Functions engine running our state machines and task functions) plus what a
 * deployment adds around it: the HTTP gateway in front of the webhook function (and the console), the forwarder
 * that watches the cluster and posts signed events to the gateway, and the reconciler on its schedule.
 *
 *   npm start                 run until Ctrl-C
 *   npm start -- --demo       run the lifecycle demo on the started system, print its summary, exit 0 if it held
 *   npm start -- --help       the settings (environment variables)
 */

const PROJECT_ROOT = path.resolve(__dirname, '..');
const STAGE = 'local';
const FUNCTION_PREFIX = `cloudkit-provisioner-${STAGE}`;
/** serverless.yml gives the reconcile function 300 s. */
const RECONCILE_TIMEOUT_MS = 300_000;
/** How long shutdown may take before the process says what is still open and exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;
/**
 * Signals this close to the first are the same Ctrl-C: a terminal signals the whole process group, and the tsx
 * launcher relays the signal again when this process is slow to acknowledge it.
 */
const REPEATED_SIGNAL_MS = 1_000;

// ---------------------------------------------------------------------------------------------------------------
// command line

export interface StartArguments {
  demo: boolean;
  help: boolean;
}

/** Wrong command-line use; reported in one line with exit code 2, like a bad setting. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parseStartArguments(argv: readonly string[]): StartArguments {
  const parsed: StartArguments = { demo: false, help: false };
  for (const arg of argv) {
    if (arg === '--demo') parsed.demo = true;
    else if (arg === '--help' || arg === '-h') parsed.help = true;
    else throw new UsageError(`unknown argument "${arg}" (use --demo, or --help for the settings)`);
  }
  return parsed;
}

// ---------------------------------------------------------------------------------------------------------------
// ports

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
function portErrorVariable(error: unknown, settings: LocalSettings): PortUnavailableError | undefined {
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

// ---------------------------------------------------------------------------------------------------------------
// the system

/**
 * Powertools reads its settings when the task functions' modules load: set the local defaults first. Warnings and
 * errors still show; EMF metric blobs (meant for CloudWatch) do not.
 */
export function applyLocalRuntimeDefaults(env: NodeJS.ProcessEnv = process.env): void {
  env.POWERTOOLS_SERVICE_NAME ??= 'cloudkit-provisioner';
  env.POWERTOOLS_METRICS_NAMESPACE ??= 'CloudkitProvisionerLocal';
  env.POWERTOOLS_LOG_LEVEL ??= env.LOG_LEVEL ?? 'WARN';
  env.POWERTOOLS_METRICS_DISABLED ??= 'true';
}

let esmOnlyPackagesResolvable = false;

/**
 * middy 7 is ESM only and exports its entry under the "import" condition alone. Node 22 can `require()` ES modules,
 * but resolves `require('@middy/core')` with the "require" condition and finds nothing, and under tsx this project
 * runs as CommonJS (Lambda gets an esbuild bundle, jest maps the path). Let require() resolve those packages with
 * the "import" condition too, and nothing else.
 */
export function allowRequireOfEsmOnlyPackages(): void {
  if (esmOnlyPackagesResolvable) return;
  esmOnlyPackagesResolvable = true;
  registerHooks({
    resolve(specifier, context, nextResolve) {
      if (!/^@middy\/(core|util)$/.test(specifier)) return nextResolve(specifier, context);
      return nextResolve(specifier, { ...context, conditions: [...(context.conditions ?? []), 'import'] });
    },
  });
}

export interface Reconciler {
  readonly intervalMs: number;
  /** Clears the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

type ReconcileHandler = (event: unknown, context: Context) => Promise<ReconcileReport>;

/**
 * The EventBridge schedule, in-process: the reconcile function runs every `intervalMs`, never two runs at once (the
 * next is scheduled when one ends).
 */
export function scheduleReconciler(options: {
  handler: ReconcileHandler;
  /** Real milliseconds between the end of one run and the start of the next. */
  intervalMs: number;
  onReport: (report: ReconcileReport) => void;
  onError: (error: unknown) => void;
}): Reconciler {
  const { handler, intervalMs, onReport, onError } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = async () => {
    const requestId = randomUUID();
    const event = {
      version: '0',
      id: requestId,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: new Date().toISOString(),
      region: process.env.AWS_REGION ?? 'us-east-1',
      resources: [],
      detail: {},
    };
    try {
      onReport(await handler(event, lambdaContext(`${FUNCTION_PREFIX}-reconcile`, requestId, RECONCILE_TIMEOUT_MS)));
    } catch (error) {
      onError(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        schedule();
      });
    }, intervalMs);
  };
  schedule();
  return {
    intervalMs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

interface ClosableForwarder {
  readonly cluster: string;
  readonly namespace: string | undefined;
  readonly endpoint: string;
  stop(): Promise<{ undelivered: number }>;
}

export interface RunningSystem {
  readonly settings: LocalSettings;
  readonly stack: LocalStack;
  readonly gateway: Gateway;
  readonly forwarders: readonly ClosableForwarder[];
  readonly reconciler: Reconciler;
  /** The local cluster's namespace for instances. */
  readonly namespace: string;
  /** For kubectl; undefined when CLUSTERS_FILE replaces the local cluster. */
  readonly kubeconfigPath: string | undefined;
  readonly exampleManifests: { yaml: string; json: string } | undefined;
  close(): Promise<void>;
}

/** One line when a run had to start something or failed somewhere; a run that found all in order says nothing. */
export function describeReconcileReport(report: ReconcileReport): string | undefined {
  const { provision, deprovision } = report.started;
  if (provision + deprovision + report.restarted + report.errors === 0) return undefined;
  const failed = report.failedClusters.length ? ` (unreachable: ${report.failedClusters.join(', ')})` : '';
  return `reconciler: ${report.instances} instances; started ${provision} provision, ${deprovision} deprovision, ${report.restarted} retries; ${report.errors} errors${failed}`;
}

/** One line per webhook that started work or was refused; the many "ignored" answers (our own status writes) are not news. */
export function describeWebhook(entry: GatewayAccessEntry): string | undefined {
  const body = (entry.response ?? {}) as {
    action?: unknown;
    executionName?: unknown;
    duplicate?: unknown;
    message?: unknown;
  };
  if (entry.routeKey === undefined || (entry.statusCode < 300 && body.action === 'ignored')) return undefined;
  let what = typeof body.message === 'string' ? body.message : '';
  if (typeof body.action === 'string') {
    const execution = typeof body.executionName === 'string' ? ` ${body.executionName}` : '';
    what = `${body.action}${execution}${body.duplicate === true ? ' (already started)' : ''}`;
  }
  return `webhook: ${entry.method} ${entry.path} → ${entry.statusCode} ${what}`.trimEnd();
}

export interface SystemOptions {
  /** Receives the activity lines (webhooks that started work or were refused, reconciler runs that acted). */
  readonly log?: (line: string) => void;
}

/** Starts everything on the configured ports. Throws PortUnavailableError naming the variable of a busy port. */
export async function startSystem(settings: LocalSettings, options: SystemOptions = {}): Promise<RunningSystem> {
  applyLocalRuntimeDefaults();
  allowRequireOfEsmOnlyPackages();
  const { ClusterRegistryError, FileClusterRegistry } = await import('../lib/k8s/clusters');
  const clustersFile = settings.CLUSTERS_FILE ? path.resolve(settings.CLUSTERS_FILE) : undefined;
  // Read before anything starts: a registry that cannot be used is a bad setting, not a crash half-way.
  const givenClusters = await (clustersFile === undefined
    ? undefined
    : new FileClusterRegistry(clustersFile).list().catch((error: unknown) => {
        if (error instanceof ClusterRegistryError) throw new LocalSettingsError(`CLUSTERS_FILE: ${error.message}`);
        throw error;
      }));
  const realAap = settings.AAP_URL !== undefined && settings.AAP_TOKEN !== undefined;
  // A simulator that real systems replace still runs (the stack always has both), but on a port of its own choosing.
  const unused: PortVariable[] = [
    ...(realAap ? (['AAP_SIM_PORT'] as const) : []),
    ...(clustersFile ? (['KUBE_SIM_PORT'] as const) : []),
  ];
  await assertPortsAvailable(settings, unused);
  // Loaded only now: these modules build Powertools singletons and clients from the environment when they load.
  const { DEFAULT_NAMESPACE, startLocalStack } = await import('./stack');

  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
  };
  try {
    const stack = await startLocalStack({
      timeScale: settings.TIME_SCALE,
      aapPort: unused.includes('AAP_SIM_PORT') ? 0 : settings.AAP_SIM_PORT,
      kubePort: unused.includes('KUBE_SIM_PORT') ? 0 : settings.KUBE_SIM_PORT,
      sfnPort: settings.SFN_PORT,
      aapToken: settings.AAP_SIM_TOKEN,
      kubeToken: settings.KUBE_SIM_TOKEN,
      webhookSecret: settings.WEBHOOK_SECRET,
      env: {
        ...(realAap ? { AAP_URL: settings.AAP_URL as string, AAP_TOKEN: settings.AAP_TOKEN as string } : {}),
        ...(clustersFile ? { CLUSTERS_FILE: clustersFile } : {}),
      },
    });
    closers.push(() => stack.close());

    // The functions read the stack's settings from process.env when their modules load.
    const { handler: reconcileHandler } = await import('../functions/reconcile');
    const { consoleSourceFor, createConsole } = await import('./console');
    const log = options.log ?? (() => undefined);
    const consolePage = createConsole(consoleSourceFor(stack));
    closers.push(async () => consolePage.close());
    const gateway = await startGateway({
      port: settings.PORT,
      routes: httpApiRoutes(PROJECT_ROOT, STAGE).map(gatewayRoute),
      fallback: (req, res) => consolePage.handle(req, res),
      onAccess: (entry) => {
        const line = describeWebhook(entry);
        if (line !== undefined) log(line);
      },
    });
    closers.push(() => gateway.close());

    // Without CLUSTERS_FILE, the stack's registry holds the one local cluster.
    const clusters = givenClusters ?? (await new FileClusterRegistry(stack.env.CLUSTERS_FILE as string).list());
    const forwarders = await startForwarders(clusters, gateway.url);
    closers.push(async () => {
      await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
    });

    // The schedule is in system time, like everything else the stack runs.
    const reconciler = scheduleReconciler({
      handler: reconcileHandler,
      intervalMs: settings.RECONCILE_INTERVAL_SECONDS * 1000 * settings.TIME_SCALE,
      onReport: (report) => {
        const line = describeReconcileReport(report);
        if (line !== undefined) log(line);
      },
      onError: (error) => log(`reconciler: run failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    closers.push(() => reconciler.stop());

    let kubeconfigPath: string | undefined;
    let exampleManifests: RunningSystem['exampleManifests'];
    if (clustersFile === undefined) {
      const workdir = mkdtempSync(path.join(tmpdir(), 'cloudkit-start-'));
      closers.push(async () => rmSync(workdir, { recursive: true, force: true }));
      kubeconfigPath = path.join(workdir, 'kubeconfig');
      // kubectl sends no bearer token over plain HTTP, so the token also rides in the server path.
      const kubeconfig = kubeconfigFor(stack.kube, { namespace: DEFAULT_NAMESPACE, tokenInServerPath: true });
      writeFileSync(kubeconfigPath, kubeconfig, { mode: 0o600 });
      const example = demoInstance('my-vm', DEFAULT_NAMESPACE);
      exampleManifests = { yaml: path.join(workdir, 'instance.yaml'), json: path.join(workdir, 'instance.json') };
      writeFileSync(exampleManifests.yaml, stringify(example));
      writeFileSync(exampleManifests.json, `${JSON.stringify(example, null, 2)}\n`);
    }

    let closing: Promise<void> | undefined;
    return {
      settings,
      stack,
      gateway,
      forwarders,
      reconciler,
      namespace: DEFAULT_NAMESPACE,
      kubeconfigPath,
      exampleManifests,
      close: () => {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (error) {
    await closeAll();
    throw portErrorVariable(error, settings) ?? error;
  }
}

/** The function behind an HTTP API route, loaded the way the Lambda runtime does (module path, export name). */
function gatewayRoute(route: HttpApiRoute): GatewayRoute {
  const handler: unknown = (require(route.modulePath) as Record<string, unknown>)[route.exportName];
  if (typeof handler !== 'function') {
    throw new Error(`${route.functionKey}: ${route.modulePath}.${route.exportName} is not an exported function`);
  }
  return {
    routeKey: route.routeKey,
    functionName: route.functionName,
    handler: handler as HttpApiHandler,
    timeoutMs: route.timeoutSeconds * 1000,
  };
}

/**
 * One forwarder per cluster in the registry, as each cluster would run it in-cluster: watching the namespaces the
 * webhook serves for it (all of them when unrestricted) and signing with the cluster's current webhook secret.
 */
async function startForwarders(clusters: readonly ClusterConfig[], url: string): Promise<ClosableForwarder[]> {
  const { createForwarder, createForwarderLogger } = await import('../lib/forwarder');
  const { kubeConfigFor } = await import('../lib/k8s/kube-config');
  const logger = createForwarderLogger();
  const started: ClosableForwarder[] = [];
  for (const cluster of clusters) {
    // The registry holds the current key first; a second one is only there while it is being rotated out.
    const [secret] = cluster.webhookSecrets as [string, ...string[]];
    for (const namespace of cluster.namespaces ?? [undefined]) {
      const forwarder = createForwarder({
        options: { url, cluster: cluster.id, ...(namespace === undefined ? {} : { namespace }), statsIntervalMs: 0 },
        secret,
        kubeConfig: kubeConfigFor(cluster),
        logger,
      });
      forwarder.start();
      started.push({ cluster: cluster.id, namespace, endpoint: forwarder.endpoint, stop: () => forwarder.stop() });
    }
  }
  return started;
}

// ---------------------------------------------------------------------------------------------------------------
// what is printed

/** The start-up text: where everything is, the dev credentials, and how to create an instance. */
export function startBanner(system: RunningSystem): string {
  const { settings, stack, gateway } = system;
  const scale = settings.TIME_SCALE;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(17)} ${value}`);
  lines.push(
    scale === 1
      ? 'cloudkit-provisioner is running locally'
      : `cloudkit-provisioner is running locally (TIME_SCALE ${scale}: simulated time runs ${+(1 / scale).toFixed(2)}x faster)`,
    '',
  );
  row('console', `${gateway.url}/`);
  gateway.routeKeys.forEach((key, index) => {
    const [method, route] = key.split(' ') as [string, string | undefined];
    row(index === 0 ? 'webhook routes' : '', route === undefined ? key : `${method} ${gateway.url}${route}`);
  });
  const shown = (value: string, devDefault: string, variable: string) =>
    value === devDefault ? value : `(the value of ${variable})`;
  if (settings.CLUSTERS_FILE) {
    row('', "signed: X-Signature-256 with each cluster's webhookSecrets");
    row('clusters', `from CLUSTERS_FILE ${settings.CLUSTERS_FILE}`);
  } else {
    const secret = shown(settings.WEBHOOK_SECRET, DEV_WEBHOOK_SECRET, 'WEBHOOK_SECRET');
    row('', `signed: X-Signature-256, key WEBHOOK_SECRET = ${secret}`);
    row('kube API', `${stack.kube.url}  (cluster "local")`);
    row('', `token ${shown(settings.KUBE_SIM_TOKEN, DEV_KUBE_SIM_TOKEN, 'KUBE_SIM_TOKEN')}`);
  }
  if (settings.AAP_URL) {
    row('AAP', `${settings.AAP_URL}  (real controller; token from AAP_TOKEN)`);
  } else {
    row('AAP (simulator)', `${stack.aap.url}/api/controller/v2/   VMs: ${stack.aap.url}/_sim/vms`);
    row('', `token ${shown(settings.AAP_SIM_TOKEN, DEV_AAP_SIM_TOKEN, 'AAP_SIM_TOKEN')}`);
  }
  row('Step Functions', stack.sfn.endpoint);
  for (const forwarder of system.forwarders) {
    const scope = forwarder.namespace === undefined ? 'all namespaces' : `namespace ${forwarder.namespace}`;
    row('forwarder', `cluster ${forwarder.cluster} (${scope}) → ${forwarder.endpoint}`);
  }
  const realSeconds = (system.reconciler.intervalMs / 1000).toFixed(scale === 1 ? 0 : 1);
  row(
    'reconciler',
    `every ${settings.RECONCILE_INTERVAL_SECONDS} s of system time${scale === 1 ? '' : ` (${realSeconds} s real)`}`,
  );
  if (system.kubeconfigPath !== undefined && system.exampleManifests !== undefined) {
    const kubectl = `kubectl --kubeconfig ${system.kubeconfigPath}`;
    lines.push(
      '',
      'Create an instance and watch it:',
      `  ${kubectl} apply -f ${system.exampleManifests.yaml}`,
      `  ${kubectl} get ci -A -w`,
      '  or without kubectl:',
      `  curl -H 'Authorization: Bearer ${shown(settings.KUBE_SIM_TOKEN, DEV_KUBE_SIM_TOKEN, '$KUBE_SIM_TOKEN')}' -H 'Content-Type: application/json' \\`,
      `    --data-binary @${system.exampleManifests.json} ${stack.kube.url}/apis/${API_VERSION}/namespaces/${system.namespace}/${PLURAL}`,
    );
  }
  lines.push('', 'Ctrl-C stops everything.');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// main

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

function fail(message: string, code: number): never {
  process.stderr.write(`npm start: ${message}\n`);
  process.exit(code);
}

/** The process ends by itself once everything is closed; if something still holds it open, say what and exit. */
function exitWhenDrained(code: number): void {
  process.exitCode = code;
  const watchdog = setTimeout(() => {
    const open = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap');
    process.stderr.write(`npm start: shutdown left resources open (${open.join(', ')}); exiting anyway\n`);
    process.exit(EXIT_FAILED);
  }, SHUTDOWN_GRACE_MS);
  watchdog.unref();
}

async function main(): Promise<void> {
  let args: StartArguments;
  let settings: LocalSettings;
  try {
    args = parseStartArguments(process.argv.slice(2));
    if (args.help) {
      const ports = 'Any port may be 0: a free one is picked and printed.';
      process.stdout.write(
        `npm start [-- --demo]\n\nSettings (environment variables):\n\n${localSettingsTable()}\n\n${ports}\n`,
      );
      return;
    }
    settings = loadLocalSettings(process.env);
    if (args.demo && (settings.AAP_URL || settings.CLUSTERS_FILE)) {
      throw new UsageError('--demo runs on the simulators: unset AAP_URL, AAP_TOKEN and CLUSTERS_FILE');
    }
  } catch (error) {
    if (error instanceof LocalSettingsError || error instanceof UsageError) fail(error.message, EXIT_USAGE);
    throw error;
  }

  const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  // The demo draws its own view; a plain run reports what the webhook and the reconciler did.
  const starting = startSystem(settings, args.demo ? {} : { log });
  const demo = new AbortController();
  // Settles when the demo has stopped; the system closes only then, so its summary reads the system still running.
  let demoRun: Promise<unknown> = Promise.resolve();
  let stopping: Promise<void> | undefined;
  let firstSignalAt: number | undefined;
  const stop = (code: number, signal?: NodeJS.Signals): Promise<void> => {
    if (signal !== undefined) {
      const now = Date.now();
      firstSignalAt ??= now;
      // Another Ctrl-C a moment later: the user does not want to wait for a clean shutdown.
      if (now - firstSignalAt > REPEATED_SIGNAL_MS) process.exit(EXIT_FAILED);
    }
    if (stopping !== undefined) return stopping;
    if (signal !== undefined) process.stdout.write(`\n${signal}: stopping…\n`);
    demo.abort();
    // Interrupted while starting: whatever did start is closed by startSystem itself when it fails, or here.
    stopping = starting
      .then(
        async (system) => {
          await demoRun.catch(() => undefined);
          await system.close();
        },
        () => undefined,
      )
      .then(
        () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          exitWhenDrained(code);
        },
        (error: unknown) =>
          fail(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`, EXIT_FAILED),
      );
    return stopping;
  };
  const onSignal = (signal: NodeJS.Signals) => void stop(EXIT_OK, signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let system: RunningSystem;
  try {
    system = await starting;
  } catch (error) {
    if (stopping !== undefined) return;
    if (error instanceof PortUnavailableError || error instanceof LocalSettingsError) fail(error.message, EXIT_USAGE);
    const message = error instanceof Error ? error.message : String(error);
    fail(`could not start: ${message.split('\n')[0]}`, EXIT_FAILED);
  }
  if (stopping !== undefined) return;

  process.stdout.write(`${startBanner(system)}\n\n`);
  if (!args.demo) return;
  if (settings.TIME_SCALE === 1) {
    process.stdout.write('In real time the demo takes several minutes; TIME_SCALE=0.02 runs it in under one.\n\n');
  }

  let result: DemoResult;
  try {
    const running = runDemo(system.stack, { output: process.stdout, namespace: system.namespace, signal: demo.signal });
    demoRun = running;
    result = await running;
  } catch (error) {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    await stop(EXIT_FAILED);
    return;
  }
  await stop(result.ok ? EXIT_OK : EXIT_FAILED);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(EXIT_FAILED);
  });
}
