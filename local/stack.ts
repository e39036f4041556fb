import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseClusterRegistryDocument } from '../lib/k8s/clusters';
import { scaledClock } from '../lib/runtime/clock';
import { resetWorkflowContext } from '../lib/workflow/context';
import { type AapSimulator, type PlaybookGeneration, startAapSimulator, type TemplateSpec } from './aap-simulator';
import { type LocalDynamoDb, startLocalDynamoDb } from './dynamodb';
import { createTenant, LOCAL_TENANT, sampleTenant, type TenantSeed } from './fixtures/sample-tenant';
import { type Gateway, gatewayRoute, httpApiRoutes, startGateway } from './gateway';
import { type SecretsExtension, startSecretsExtension } from './gateway/secrets-extension';
import { type KubeSimulator, startKubeSimulator } from './kube-simulator';
import { type SfnEngine, startSfnEngine } from './sfn-engine';
import { configureLocalNotifications } from './system/notifications';

export const LOCAL_CLUSTER_ID = 'local';
export const DEFAULT_NAMESPACE = 'osac-computeinstance';
/** The secret the local webhook reads its clusters' webhook secrets from, as the deployed one does. */
export const LOCAL_WEBHOOKS_SECRET_NAME = 'cloudkit-provisioner/local/webhooks';
const PROJECT_ROOT = path.resolve(__dirname, '..');

export interface LocalStackOptions {
  timeScale?: number;
  aapPort?: number;
  kubePort?: number;
  sfnPort?: number;
  aapToken?: string;
  kubeToken?: string;
  webhookSecret?: string;
  /** The bearer token AAP's job notifications carry (default `local-aap-notification-token`). */
  aapNotificationToken?: string;
  /**
   * The receiver reads that token as deployed: from this secret, served by the secrets extension stand-in, instead
   * of AAP_NOTIFICATION_TOKEN (default: process.env.AAP_NOTIFICATION_SECRET_NAME; unset, the token is in the env).
   */
  aapNotificationSecretName?: string;
  namespaces?: string[];
  templates?: TemplateSpec[];
  /** The playbooks the AAP simulator's templates run, unless a template names its own (default `ansible_eda`). */
  aapPlaybooks?: PlaybookGeneration;
  /**
   * Tenants created on every cluster, in the first of `namespaces` (where the operator keeps them: its own
   * namespace). Default: one named `local` with a `local` storage class. `[]` for none.
   */
  tenants?: TenantSeed[];
  /** AAP credential ids the local cluster's registry entry lists (`aapCredentials`). */
  aapCredentials?: number[];
  /**
   * More registered clusters, each served by an API-server simulator of its own (same namespaces), all sharing the
   * one AAP simulator: how tests show that the same namespace/name on two clusters are two VMs.
   */
  extraClusters?: ExtraClusterOptions[];
  /** CRD manifests every cluster's API server serves instead of the project's (e.g. an upstream generation ahead). */
  crdPaths?: string[];
  /** Extra settings for the task functions (POLL_MIN_SECONDS, MAX_JOB_HISTORY, …). */
  env?: Record<string, string>;
  /** Every function's timeout in real milliseconds instead of serverless.yml's (to make a timeout quick to hit). */
  invocationTimeoutMs?: number;
  /**
   * AAP notifies the workflows when a job ends, as `npm start` sets it up: the stack serves serverless.yml's HTTP API
   * on a local gateway (`gateway`), configures the AAP simulator's notification template with the receiver's URL
   * (what `configure-aap` does) and runs the tasks with `JOB_NOTIFICATIONS=on`. Off by default: polling alone.
   */
  notifications?: boolean;
}

export interface ExtraClusterOptions {
  id: string;
  aapCredentials?: number[];
}

export interface LocalStack {
  /** The API server of the cluster registered as LOCAL_CLUSTER_ID. */
  kube: KubeSimulator;
  /** Every registered cluster's API server by cluster id, the local one included. */
  kubes: ReadonlyMap<string, KubeSimulator>;
  aap: AapSimulator;
  sfn: SfnEngine;
  /** DynamoDB (dynalite, in memory) holding serverless.yml's tables: the job waiters table. */
  dynamodb: LocalDynamoDb;
  /** The HTTP API (webhook and notification receiver) when started with `notifications`. */
  gateway?: Gateway;
  /**
   * The Parameters and Secrets extension stand-in every function reads its secrets through: the webhook's
   * LOCAL_WEBHOOKS_SECRET_NAME, and the receiver's token secret when the stack names one.
   */
  secretsExtension: SecretsExtension;
  /** Where the stack created its tenants (the first namespace): the operator's tenant namespace. */
  tenantNamespace: string;
  /** The settings the task functions run with (already applied to process.env). */
  env: Record<string, string>;
  provisionArn: string;
  deprovisionArn: string;
  now(): Date;
  close(): Promise<void>;
}

/**
 * The embedded stack: an API-server simulator holding one cluster (more on request), the AAP simulator, and the local Step Functions
 * engine running the project's own state machines and task functions in this process. All share one clock.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const timeScale = options.timeScale ?? 1;
  const epochMs = Date.now();
  const clock = scaledClock(timeScale, epochMs);
  const workdir = mkdtempSync(path.join(tmpdir(), 'cloudkit-local-'));
  const started: Array<{ close(): Promise<void> }> = [];
  const previousEnv = { ...process.env };
  try {
    const kube = await startKubeSimulator({
      port: options.kubePort ?? 0,
      token: options.kubeToken,
      namespaces: options.namespaces ?? [DEFAULT_NAMESPACE],
      crdPaths: options.crdPaths,
      now: clock,
    });
    started.push(kube);
    const kubes = new Map<string, KubeSimulator>([[LOCAL_CLUSTER_ID, kube]]);
    for (const extra of options.extraClusters ?? []) {
      if (kubes.has(extra.id)) throw new Error(`extraClusters: cluster id "${extra.id}" is registered twice`);
      const other = await startKubeSimulator({
        port: 0,
        namespaces: options.namespaces ?? [DEFAULT_NAMESPACE],
        crdPaths: options.crdPaths,
        now: clock,
      });
      started.push(other);
      kubes.set(extra.id, other);
    }
    const tenantNamespace = (options.namespaces ?? [DEFAULT_NAMESPACE])[0] ?? DEFAULT_NAMESPACE;
    for (const server of kubes.values()) {
      for (const seed of options.tenants ?? [{ name: LOCAL_TENANT }]) {
        await createTenant(server, sampleTenant(seed, tenantNamespace));
      }
    }
    const aap = await startAapSimulator({
      port: options.aapPort ?? 0,
      token: options.aapToken,
      timeScale,
      templates: options.templates,
      playbooks: options.aapPlaybooks,
      now: () => clock().getTime(),
    });
    started.push(aap);

    const clustersFile = path.join(workdir, 'clusters.json');
    const webhookSecrets = [options.webhookSecret ?? 'local-webhook-secret'];
    const credentialsOf = (id: string) =>
      id === LOCAL_CLUSTER_ID
        ? options.aapCredentials
        : options.extraClusters?.find((extra) => extra.id === id)?.aapCredentials;
    const clusters = [...kubes].map(([id, server]) => {
      const aapCredentials = credentialsOf(id);
      return {
        id,
        server: server.url,
        token: server.token,
        insecureSkipTLSVerify: true,
        webhookSecrets,
        ...(aapCredentials === undefined ? {} : { aapCredentials }),
      };
    });
    writeFileSync(clustersFile, JSON.stringify({ clusters }, null, 2), { mode: 0o600 });

    const dynamodb = await startLocalDynamoDb({ projectRoot: PROJECT_ROOT, stage: 'local' });
    started.push(dynamodb);
    const jobWaitersTable = dynamodb.tables.get('JobWaitersTable');
    if (jobWaitersTable === undefined) throw new Error('serverless.yml declares no JobWaitersTable resource');
    // The webhook reads its secret as deployed: the webhooks document, through the Parameters and Secrets
    // extension (its stand-in), made from whichever clusters file the stack runs with at the time of each read.
    const sessionToken = randomUUID();
    const effectiveClustersFile = () => options.env?.CLUSTERS_FILE ?? clustersFile;
    const notificationToken =
      options.env?.AAP_NOTIFICATION_TOKEN ||
      options.aapNotificationToken ||
      process.env.AAP_NOTIFICATION_TOKEN ||
      'local-aap-notification-token';
    // Named: the receiver reads its token from that secret through the stand-in, as deployed.
    const notificationSecretName =
      (options.aapNotificationSecretName ?? process.env.AAP_NOTIFICATION_SECRET_NAME)?.trim() || undefined;
    const secretsExtension = await startSecretsExtension({
      port: 0,
      sessionToken,
      secretString: (name) => {
        if (name === LOCAL_WEBHOOKS_SECRET_NAME) return webhooksDocumentOf(effectiveClustersFile());
        return name === notificationSecretName ? notificationToken : undefined;
      },
    });
    started.push(secretsExtension);

    const env: Record<string, string> = {
      AAP_URL: `${aap.url}/api/controller`,
      AAP_TOKEN: aap.token,
      CLUSTERS_FILE: clustersFile,
      JOB_WAITERS_TABLE: jobWaitersTable,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      AAP_NOTIFICATION_TOKEN: notificationToken,
      WEBHOOKS_SECRET_NAME: LOCAL_WEBHOOKS_SECRET_NAME,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(secretsExtension.port),
      // What Lambda sets and the extension checks; the local engines accept any credentials.
      AWS_SESSION_TOKEN: sessionToken,
      TIME_SCALE: String(timeScale),
      CLOCK_EPOCH_MS: String(epochMs),
      AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
      // The local engine accepts any credentials; the SDK insists on having some.
      AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
      AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
      // Powertools as on Lambda, but quieter: warnings and errors only, and no EMF lines unless asked for.
      POWERTOOLS_SERVICE_NAME: process.env.POWERTOOLS_SERVICE_NAME ?? 'cloudkit-provisioner',
      POWERTOOLS_METRICS_NAMESPACE: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'CloudkitProvisionerLocal',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      ...options.env,
    };
    if (notificationSecretName !== undefined) {
      // Empty: the receiver's settings then take the secret (a token in the env would win over it).
      Object.assign(env, { AAP_NOTIFICATION_SECRET_NAME: notificationSecretName, AAP_NOTIFICATION_TOKEN: '' });
    }
    Object.assign(process.env, env);

    const sfn = await startSfnEngine({
      projectRoot: PROJECT_ROOT,
      stage: 'local',
      port: options.sfnPort ?? 0,
      timeScale,
      invocationTimeoutMs: options.invocationTimeoutMs,
    });
    started.push(sfn);
    const arnOf = (suffix: string) => {
      const machine = sfn.stateMachines().find((m) => m.name.endsWith(`-${suffix}`));
      if (!machine) throw new Error(`serverless.yml declares no state machine named *-${suffix}`);
      return machine.arn;
    };
    const provisionArn = arnOf('provision');
    const deprovisionArn = arnOf('deprovision');
    Object.assign(env, {
      SFN_ENDPOINT: sfn.endpoint,
      PROVISION_STATE_MACHINE_ARN: provisionArn,
      DEPROVISION_STATE_MACHINE_ARN: deprovisionArn,
    });
    Object.assign(process.env, env);
    if (options.notifications) Object.assign(env, { JOB_NOTIFICATIONS: 'on' });
    Object.assign(process.env, env);
    // Task functions build their clients from the environment on first use: make them see this stack.
    resetWorkflowContext();

    let gateway: Gateway | undefined;
    if (options.notifications) {
      gateway = await startGateway({ port: 0, routes: httpApiRoutes(PROJECT_ROOT, 'local').map(gatewayRoute) });
      started.push(gateway);
      await configureLocalNotifications({
        enabled: true,
        explicit: true,
        gatewayUrl: gateway.url,
        routeKeys: gateway.routeKeys,
        aapUrl: env.AAP_URL as string,
        aapToken: env.AAP_TOKEN as string,
        token: notificationToken,
        env: process.env,
      });
    }

    return {
      kube,
      kubes,
      aap,
      sfn,
      dynamodb,
      ...(gateway === undefined ? {} : { gateway }),
      secretsExtension,
      tenantNamespace,
      env,
      provisionArn,
      deprovisionArn,
      now: clock,
      async close() {
        for (const part of started.reverse()) await part.close();
        rmSync(workdir, { recursive: true, force: true });
        for (const key of Object.keys(env)) {
          if (previousEnv[key] === undefined) delete process.env[key];
          else process.env[key] = previousEnv[key];
        }
        resetWorkflowContext();
      },
    };
  } catch (err) {
    for (const part of started.reverse()) await part.close().catch(() => undefined);
    rmSync(workdir, { recursive: true, force: true });
    throw err;
  }
}

/** The `webhooks` secret's document (what the webhook may know of each cluster) from a clusters file. */
function webhooksDocumentOf(clustersFile: string): string {
  const source = `clusters file ${clustersFile}`;
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(clustersFile, 'utf8'));
  } catch {
    // Neither the read nor the parse error is quoted: the text may hold a token.
    throw new Error(`${source}: cannot be read as JSON`);
  }
  const clusters = parseClusterRegistryDocument(document, source);
  return JSON.stringify({
    clusters: clusters.map(({ id, webhookSecrets, webhookBearerToken, namespaces, finalizer }) => ({
      id,
      webhookSecrets,
      ...(webhookBearerToken === undefined ? {} : { webhookBearerToken }),
      ...(namespaces === undefined ? {} : { namespaces }),
      finalizer,
    })),
  });
}
