import path from 'node:path';
import { aapNotificationsEnabled, type LocalSettings, LocalSettingsError, type PortVariable } from '../config';
import { type Gateway, gatewayRoute, httpApiRoutes, startGateway } from '../gateway';
import type { LocalStack } from '../stack';
import { describeWebhook } from './banner';
import { type ClosableForwarder, startForwarders } from './forwarders';
import { writeKubectlFiles } from './kubeconfig';
import type { LocalNotifications } from './notifications';
import { assertPortsAvailable, portErrorVariable } from './ports';
import { describeReconcileReport, type Reconciler, scheduleReconciler } from './reconciler';

/**
 * The whole system on one machine: the embedded stack (kube simulator, AAP simulator, local Step Functions engine
 * running our state machines and task functions) plus what a deployment adds around it: the HTTP gateway in front
 * of the webhook function (and the console), the forwarders that watch the clusters and post signed events to the
 * gateway, and the reconciler on its schedule.
 */

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const STAGE = 'local';
const FUNCTION_PREFIX = `cloudkit-provisioner-${STAGE}`;

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
  /** Whether AAP notifies the receiver when a job ends, or the workflows poll alone (and why). */
  readonly notifications: LocalNotifications;
  close(): Promise<void>;
}

export interface SystemOptions {
  /** Receives the activity lines (webhooks that started work or were refused, reconciler runs that acted). */
  readonly log?: (line: string) => void;
}

/** Starts everything on the configured ports. Throws PortUnavailableError naming the variable of a busy port. */
export async function startSystem(settings: LocalSettings, options: SystemOptions = {}): Promise<RunningSystem> {
  applyLocalRuntimeDefaults();
  const { ClusterRegistryError, FileClusterRegistry } = await import('../../lib/k8s/clusters');
  const clustersFile = settings.CLUSTERS_FILE ? path.resolve(settings.CLUSTERS_FILE) : undefined;
  // Read before anything starts: a registry that cannot be used is a bad setting, not a crash half-way.
  const givenClusters = await (clustersFile === undefined
    ? undefined
    : new FileClusterRegistry(clustersFile).list().catch((error: unknown) => {
        if (error instanceof ClusterRegistryError) throw new LocalSettingsError(`CLUSTERS_FILE: ${error.message}`);
        throw error;
      }));
  const realAap = settings.AAP_URL !== undefined && settings.AAP_TOKEN !== undefined;
  const notificationsEnabled = aapNotificationsEnabled(settings);
  // A simulator that real systems replace still runs (the stack always has both), but on a port of its own choosing.
  const unused: PortVariable[] = [
    ...(realAap ? (['AAP_SIM_PORT'] as const) : []),
    ...(clustersFile ? (['KUBE_SIM_PORT'] as const) : []),
  ];
  await assertPortsAvailable(settings, unused);
  // Loaded only now: these modules build Powertools singletons and clients from the environment when they load.
  const { DEFAULT_NAMESPACE, startLocalStack } = await import('../stack');

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
        JOB_NOTIFICATIONS: notificationsEnabled ? 'on' : 'off',
        AAP_NOTIFICATION_TOKEN: settings.AAP_NOTIFICATION_TOKEN,
      },
    });
    closers.push(() => stack.close());

    // The functions read the stack's settings from process.env when their modules load.
    const { handler: reconcileHandler } = await import('../../functions/reconcile');
    const { consoleSourceFor, createConsole } = await import('../console');
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

    // The callback URL is the gateway's, known only now; until AAP is configured the waits end by polling.
    const { configureLocalNotifications } = await import('./notifications');
    const notifications = await configureLocalNotifications({
      enabled: notificationsEnabled,
      explicit: settings.AAP_NOTIFICATIONS === 'on',
      gatewayUrl: gateway.url,
      routeKeys: gateway.routeKeys,
      aapUrl: stack.env.AAP_URL as string,
      aapToken: stack.env.AAP_TOKEN as string,
      token: settings.AAP_NOTIFICATION_TOKEN,
      env: process.env,
    });
    if (notifications.state === 'off' && notificationsEnabled) {
      // Nothing will notify: the tasks must not stretch their polls waiting for it.
      stack.env.JOB_NOTIFICATIONS = 'off';
      process.env.JOB_NOTIFICATIONS = 'off';
      const { resetWorkflowContext } = await import('../../lib/workflow/context');
      resetWorkflowContext();
    }
    if (realAap && notifications.state === 'on') for (const line of notifications.changes) log(`AAP: ${line}`);

    // Without CLUSTERS_FILE, the stack's registry holds the one local cluster.
    const clusters = givenClusters ?? (await new FileClusterRegistry(stack.env.CLUSTERS_FILE as string).list());
    const forwarders = await startForwarders(clusters, gateway.url);
    closers.push(async () => {
      await Promise.all(forwarders.map((forwarder) => forwarder.stop()));
    });

    // The schedule is in system time, like everything else the stack runs.
    const reconciler = scheduleReconciler({
      handler: reconcileHandler,
      functionName: `${FUNCTION_PREFIX}-reconcile`,
      intervalMs: settings.RECONCILE_INTERVAL_SECONDS * 1000 * settings.TIME_SCALE,
      onReport: (report) => {
        const line = describeReconcileReport(report);
        if (line !== undefined) log(line);
      },
      onError: (error) => log(`reconciler: run failed: ${error instanceof Error ? error.message : String(error)}`),
    });
    closers.push(() => reconciler.stop());

    // With CLUSTERS_FILE the clusters are real ones, with their own kubeconfigs.
    const kubectlFiles = clustersFile === undefined ? writeKubectlFiles(stack.kube, DEFAULT_NAMESPACE) : undefined;
    if (kubectlFiles) closers.push(async () => kubectlFiles.remove());

    let closing: Promise<void> | undefined;
    return {
      settings,
      stack,
      gateway,
      forwarders,
      reconciler,
      namespace: DEFAULT_NAMESPACE,
      kubeconfigPath: kubectlFiles?.kubeconfigPath,
      exampleManifests: kubectlFiles?.exampleManifests,
      notifications,
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
