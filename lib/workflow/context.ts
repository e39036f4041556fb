import type { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { AapClient, type AapPort } from '../aap';
import { COMPUTE_INSTANCE_FINALIZER } from '../computeinstance';
import { loadSettings, type Settings } from '../config/settings';
import {
  type ClusterCredentials,
  type ClusterRegistry,
  type ComputeInstanceStore,
  createComputeInstanceStore,
  createTenantReader,
  type TenantReader,
} from '../k8s';
import type { TaskTokenStore } from '../notifications/waiters';
import { AWS_CALL_LIMITS } from '../runtime/aws-clients';
import { buildClusterRegistry, buildSfnClient, buildTaskTokenStore } from '../runtime/clients';
import { scaledClock } from '../runtime/clock';
import type { Logger } from '../runtime/logger';
import { logger, metrics } from '../runtime/powertools';
import { createSecretStringReader, SecretReadError } from '../runtime/secrets';
import { SfnTaskTokens, type TaskTokenPort } from '../sfn/task-tokens';

export interface ClusterAccess {
  cluster: ClusterCredentials;
  store: ComputeInstanceStore;
  /** The cluster's Tenants, read before a provision launch. */
  tenants: TenantReader;
  finalizer: string;
}

/** Where the tasks count what happened; the Powertools Metrics fits as is. */
export interface TaskMetrics {
  addMetric(name: string, unit: (typeof MetricUnit)[keyof typeof MetricUnit], value: number): void;
}

/**
 * What the workflow tasks need from the outside world, as ports: AAP, the cluster's ComputeInstance store, Step
 * Functions, the clock, logs and metrics. The Lambda builds it from the environment; unit tests give it in-memory
 * implementations of the same contracts (lib/aap/memory.ts, lib/k8s/memory-store.ts).
 */
export interface TaskContext {
  settings: Settings;
  aap: AapPort;
  sfn: SFNClient;
  /** Where a waiting execution leaves its task token for AAP's notification (awaitJobEnd). */
  waiters: TaskTokenStore;
  /** Ends a `.waitForTaskToken` task (awaitJobEnd, for a job that ended before its token was stored). */
  taskTokens: TaskTokenPort;
  cluster(id: string): Promise<ClusterAccess>;
  now(): Date;
  logger: Logger;
  metrics: TaskMetrics;
}

/** The deployed context: the tasks' ports, plus the registry and the whole AAP client the reconciler uses. */
export interface WorkflowContext extends TaskContext {
  clusters: ClusterRegistry<ClusterCredentials>;
  aap: AapClient;
}

export class UnknownCluster extends Error {
  override readonly name = 'UnknownCluster';
}

/** A task that needs the task-token table ran without JOB_WAITERS_TABLE. */
export class NotificationsNotConfigured extends Error {
  override readonly name = 'NotificationsNotConfigured';
}

/**
 * The task-token table, its client built at first use: only awaitJobEnd uses it, so the other task functions never
 * load the DynamoDB SDK, and one without JOB_WAITERS_TABLE fails only when (and where) it is needed.
 */
function lazyTaskTokenStore(settings: Settings): TaskTokenStore {
  let store: TaskTokenStore | undefined;
  const built = (): TaskTokenStore => {
    if (!settings.JOB_WAITERS_TABLE) {
      throw new NotificationsNotConfigured('set JOB_WAITERS_TABLE (the task-token table) to wait for notifications');
    }
    store ??= buildTaskTokenStore(settings.JOB_WAITERS_TABLE, AWS_CALL_LIMITS, settings.DYNAMODB_ENDPOINT);
    return store;
  };
  return {
    arm: (waiter) => built().arm(waiter),
    waitersFor: (job, nowMs) => built().waitersFor(job, nowMs),
    disarm: (waiter) => built().disarm(waiter),
  };
}

export interface WorkflowContextOverrides {
  clusters?: ClusterRegistry<ClusterCredentials>;
  aap?: AapClient;
  sfn?: SFNClient;
  waiters?: TaskTokenStore;
  taskTokens?: TaskTokenPort;
  now?: () => Date;
  logger?: Logger;
  metrics?: TaskMetrics;
}

export function createWorkflowContext(settings: Settings, overrides: WorkflowContextOverrides = {}): WorkflowContext {
  // One reader (and cache) for the container's secrets: the AAP token and the clusters document.
  const readSecret = createSecretStringReader({
    maxAgeSeconds: settings.SECRETS_MAX_AGE_SECONDS,
    limits: AWS_CALL_LIMITS,
  });
  const clusters =
    overrides.clusters ??
    // The API credentials only: the webhook secrets live in a secret only the webhook may read.
    buildClusterRegistry(
      'credentials',
      {
        clustersFile: settings.CLUSTERS_FILE,
        secretName: settings.CLUSTERS_SECRET_NAME,
        maxAgeSeconds: settings.SECRETS_MAX_AGE_SECONDS,
        readSecret,
      },
      AWS_CALL_LIMITS,
    );
  const secretName = settings.AAP_TOKEN_SECRET_NAME;
  const token =
    settings.AAP_TOKEN ??
    (async () => {
      // Cached for SECRETS_MAX_AGE_SECONDS, so a rotated token is picked up without a redeploy.
      const value = (await readSecret(secretName as string)).trim();
      if (value === '') throw new SecretReadError(`secret ${secretName}: holds no AAP token (it is empty)`);
      return value;
    });
  const aap =
    overrides.aap ??
    new AapClient({
      baseUrl: settings.AAP_URL,
      token,
      organization: settings.AAP_ORGANIZATION,
      timeoutMs: settings.AAP_TIMEOUT_MS,
      logger,
    });
  const sfn = overrides.sfn ?? buildSfnClient(AWS_CALL_LIMITS, settings.SFN_ENDPOINT);
  // One store per cluster per container: it keeps the Kubernetes client (and its connections) between invocations.
  const stores = new Map<string, ClusterAccess>();
  return {
    settings,
    clusters,
    aap,
    sfn,
    waiters: overrides.waiters ?? lazyTaskTokenStore(settings),
    taskTokens: overrides.taskTokens ?? new SfnTaskTokens(sfn),
    now: overrides.now ?? scaledClock(settings.TIME_SCALE, settings.CLOCK_EPOCH_MS),
    logger: overrides.logger ?? logger,
    metrics: overrides.metrics ?? metrics,
    async cluster(id) {
      const known = stores.get(id);
      if (known) return known;
      const cluster = await clusters.get(id);
      if (!cluster) throw new UnknownCluster(`cluster ${id} is not registered`);
      const access = {
        cluster,
        store: createComputeInstanceStore(cluster),
        tenants: createTenantReader(cluster),
        finalizer: cluster.finalizer ?? COMPUTE_INSTANCE_FINALIZER,
      };
      stores.set(id, access);
      return access;
    },
  };
}

let shared: WorkflowContext | undefined;

/** The container-wide context, built on first use from the environment (so a bad setting fails the invocation). */
export function workflowContext(): WorkflowContext {
  shared ??= createWorkflowContext(loadSettings());
  return shared;
}

/** For the local stack and tests that change the environment between runs. */
export function resetWorkflowContext(): void {
  shared = undefined;
}
