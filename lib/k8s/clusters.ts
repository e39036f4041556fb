import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';
import * as z from 'zod';
import { JobVarsEnvelope } from '../aap/launch';
import { COMPUTE_INSTANCE_FINALIZER } from '../computeinstance';
import { describeAwsError } from '../runtime/aws-clients';
import { describeIssues } from '../runtime/issues';
import { cachedSecretReader, SecretReadError, type SecretStringReader } from '../runtime/secrets';
import { DNS_LABEL_MESSAGE, isDnsLabel } from './names';

/**
 * The clusters this deployment provisions for: where each API server is, how to authenticate to it, and the
 * secrets its webhooks are signed with. Loaded from a JSON file (local stack, tests) or from one Secrets Manager
 * secret (deployed), both shaped `{ "clusters": [ ClusterConfig, … ] }`.
 */

// Kubernetes only accepts domain-qualified finalizer names (`example.com/name`).
const QUALIFIED_FINALIZER = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

const DnsLabel = z.string().refine(isDnsLabel, DNS_LABEL_MESSAGE);

const ServerUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
  // Credentials in the URL would be printed wherever the server address is (it is not treated as a secret).
  .refine(
    (url) => {
      const parsed = URL.parse(url); // null: already reported as not a URL
      return parsed === null || (parsed.username === '' && parsed.password === '');
    },
    { message: 'must not carry credentials; use token' },
  );

function isBase64Pem(value: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(value.replace(/\s+/g, ''))) return false;
  return Buffer.from(value, 'base64').toString('utf8').includes('-----BEGIN CERTIFICATE-----');
}

// Every field a cluster entry may have; the three documents below take different parts of it.
const CLUSTER_FIELDS = {
  id: DnsLabel,
  server: ServerUrl,
  /** Base64 of the PEM CA bundle, like kubeconfig's `certificate-authority-data`. */
  caData: z
    .string()
    .refine(isBase64Pem, { message: 'must be base64 of a PEM certificate bundle (-----BEGIN CERTIFICATE-----)' })
    .optional(),
  insecureSkipTLSVerify: z.boolean().optional(),
  /** Bearer token of the service account the store acts as. */
  token: z.string().min(1, 'must not be empty'),
  /** HMAC keys webhooks from this cluster are signed with; two while a key is being rotated. */
  webhookSecrets: z
    .array(z.string().min(1, 'must not be empty'))
    .min(1, 'needs at least one secret')
    .max(2, 'holds at most two secrets (the current one and the one being rotated out)'),
  /** For senders that cannot sign their body: a static bearer token the webhook accepts instead. */
  webhookBearerToken: z.string().min(1, 'must not be empty').optional(),
  /** When set, only these namespaces may be read or written. */
  namespaces: z
    .array(DnsLabel)
    .min(1, 'must list at least one namespace when present')
    .refine((list) => new Set(list).size === list.length, { message: 'must not list a namespace twice' })
    .optional(),
  finalizer: z
    .string()
    .regex(QUALIFIED_FINALIZER, 'must be a domain-qualified name such as osac.openshift.io/computeinstance')
    .default(COMPUTE_INSTANCE_FINALIZER),
  aapOrganization: z.string().min(1, 'must not be empty').optional(),
  /** Where this cluster keeps its Tenants, overriding the TENANT_NAMESPACE setting. */
  tenantNamespace: DnsLabel.optional(),
  /**
   * AAP credential ids sent as the launch's `credentials` (e.g. this cluster's kubeconfig credential), so one AAP
   * acts on the right cluster. The job templates must prompt on launch for Credentials.
   */
  aapCredentials: z
    .array(
      z.number().int('must be a whole number (an AAP credential id)').positive('must be a positive AAP credential id'),
    )
    .min(1, 'must list at least one credential id when present')
    .refine((ids) => new Set(ids).size === ids.length, { message: 'must not list a credential id twice' })
    .optional(),
  /** What launches for this cluster carry, when its AAP runs other playbooks than the deployment's AAP_JOB_VARS. */
  aapJobVars: z
    .enum(JobVarsEnvelope.options, { message: `must be one of ${JobVarsEnvelope.options.join(', ')}` })
    .optional(),
};

// kubectl refuses the same combination: a CA to verify against and "do not verify" contradict each other.
function checkTls(cluster: { caData?: string; insecureSkipTLSVerify?: boolean }, ctx: z.RefinementCtx): void {
  if (cluster.caData !== undefined && cluster.insecureSkipTLSVerify === true) {
    ctx.addIssue({ code: 'custom', path: ['insecureSkipTLSVerify'], message: 'cannot be true together with caData' });
  }
}

const {
  webhookSecrets: _webhookSecrets,
  webhookBearerToken: _webhookBearerToken,
  ...CREDENTIAL_FIELDS
} = CLUSTER_FIELDS;

/** The whole entry: what a local clusters file (CLUSTERS_FILE) holds, both views in one. */
const ClusterConfigFields = z.strictObject(CLUSTER_FIELDS).superRefine(checkTls);
export type ClusterConfig = z.infer<typeof ClusterConfigFields>;
/** The shape a registry source holds, before defaults are applied. */
export type ClusterConfigInput = z.input<typeof ClusterConfigFields>;

/**
 * What the task functions and the reconciler need: the API server and its credentials, never the webhook secrets.
 * A deployed `clusters` secret that still carries webhook fields (from before the split) is read, those fields
 * dropped on parse.
 */
const ClusterCredentialsFields = z
  .strictObject({
    ...CREDENTIAL_FIELDS,
    webhookSecrets: z.unknown().optional(),
    webhookBearerToken: z.unknown().optional(),
  })
  .superRefine(checkTls)
  .transform(({ webhookSecrets: _secrets, webhookBearerToken: _bearer, ...credentials }) => credentials);
export type ClusterCredentials = z.output<typeof ClusterCredentialsFields>;

/**
 * What the webhook needs: who may sign for the cluster, which namespaces it serves and which finalizer marks our
 * objects; never the API server's token. `namespaces` and `finalizer` must match the clusters document.
 */
const WebhookClusterFields = z.strictObject({
  id: CLUSTER_FIELDS.id,
  webhookSecrets: CLUSTER_FIELDS.webhookSecrets,
  webhookBearerToken: CLUSTER_FIELDS.webhookBearerToken,
  namespaces: CLUSTER_FIELDS.namespaces,
  finalizer: CLUSTER_FIELDS.finalizer,
});
export type WebhookCluster = z.output<typeof WebhookClusterFields>;

// Every parsed cluster, wherever it came from, prints redacted.
export const ClusterConfig = ClusterConfigFields.transform(seal);
export const ClusterCredentials = ClusterCredentialsFields.transform(seal);
export const WebhookCluster = WebhookClusterFields.transform(seal);

/** Which document a registry source holds; `combined` is the local file's (and the single secret's, before the split). */
export type ClusterRegistryView = 'combined' | 'credentials' | 'webhooks';

function registryDocument<T extends { id: string }>(entry: z.ZodType<T>) {
  return z.strictObject({ clusters: z.array(entry) }).superRefine((document, ctx) => {
    const seen = new Set<string>();
    document.clusters.forEach((cluster, index) => {
      if (seen.has(cluster.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['clusters', index, 'id'],
          message: `duplicate cluster id "${cluster.id}"`,
        });
      }
      seen.add(cluster.id);
    });
  });
}

export const ClusterRegistryDocument = registryDocument(ClusterConfig);
export const ClusterCredentialsDocument = registryDocument(ClusterCredentials);
export const WebhookClustersDocument = registryDocument(WebhookCluster);

/** The clusters of one view: ClusterConfig (a local file), ClusterCredentials or WebhookCluster (deployed). */
export interface ClusterRegistry<T extends { id: string } = ClusterConfig> {
  get(id: string): Promise<T | undefined>;
  list(): Promise<T[]>;
}

/** A registry source that cannot be read or does not hold a valid document; the message never holds a secret. */
export class ClusterRegistryError extends Error {
  override readonly name = 'ClusterRegistryError';
}

export const REDACTED = '[REDACTED]';

export type RedactedClusterConfig = Omit<ClusterConfig, 'token' | 'webhookSecrets' | 'webhookBearerToken'> & {
  token: typeof REDACTED;
  webhookSecrets: Array<typeof REDACTED>;
  webhookBearerToken?: typeof REDACTED;
};

/** A copy safe to log: the token, webhook secrets and webhook bearer token are replaced by `[REDACTED]`. */
export function redactCluster(cluster: ClusterConfig): RedactedClusterConfig {
  return redactAny(cluster) as RedactedClusterConfig;
}

/** Redacts whichever secret fields an entry of any view holds. */
function redactAny(cluster: SecretFields): Record<string, unknown> {
  const { token, webhookSecrets, webhookBearerToken, ...rest } = cluster;
  return {
    ...rest,
    ...(token === undefined ? {} : { token: REDACTED }),
    ...(webhookSecrets === undefined ? {} : { webhookSecrets: webhookSecrets.map(() => REDACTED) }),
    ...(webhookBearerToken === undefined ? {} : { webhookBearerToken: REDACTED }),
  };
}

interface SecretFields {
  token?: string;
  webhookSecrets?: readonly string[];
  webhookBearerToken?: string;
  namespaces?: readonly string[];
  aapCredentials?: readonly number[];
}

/**
 * Makes a parsed cluster safe to hand around: frozen, and JSON.stringify / util.inspect (which loggers use) print
 * the redacted copy. The helpers are non-enumerable, so spreading the object does not carry them along.
 */
function seal<T extends SecretFields>(cluster: T): T {
  Object.defineProperties(cluster, {
    toJSON: { value: () => redactAny(cluster) },
    [inspect.custom]: { value: () => redactAny(cluster) },
  });
  if (cluster.webhookSecrets) Object.freeze(cluster.webhookSecrets);
  if (cluster.namespaces) Object.freeze(cluster.namespaces);
  if (cluster.aapCredentials) Object.freeze(cluster.aapCredentials);
  return Object.freeze(cluster);
}

/**
 * Validates a registry document read from `source` (e.g. `clusters file /etc/clusters.json`). Errors list every
 * failing path with the schema's message, never the value found there.
 */
export function parseClusterRegistryDocument(value: unknown, source: string): ClusterConfig[] {
  return parseDocument(ClusterRegistryDocument, value, source);
}

function parseDocument<T>(document: z.ZodType<{ clusters: T[] }>, value: unknown, source: string): T[] {
  const result = document.safeParse(value);
  if (!result.success) {
    throw new ClusterRegistryError(`${source}: ${describeIssues(result.error)}`);
  }
  return result.data.clusters;
}

/** The entry type each view parses to. */
export interface ClusterRegistryViews {
  combined: ClusterConfig;
  credentials: ClusterCredentials;
  webhooks: WebhookCluster;
}

const VIEW_DOCUMENTS: { [V in ClusterRegistryView]: z.ZodType<{ clusters: ClusterRegistryViews[V][] }> } = {
  combined: ClusterRegistryDocument,
  credentials: ClusterCredentialsDocument,
  webhooks: WebhookClustersDocument,
};

/** JSON.parse messages quote the input around the error, which may be a token: keep only where it failed. */
function parseJsonText(text: string, source: string, what = 'not'): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = /position \d+( \(line \d+ column \d+\))?/.exec(String((error as Error).message))?.[0];
    throw new ClusterRegistryError(`${source}: ${what} valid JSON${where ? ` (at ${where})` : ''}`);
  }
}

abstract class CachedClusterRegistry<T extends { id: string }> implements ClusterRegistry<T> {
  protected abstract load(): Promise<T[]>;

  async get(id: string): Promise<T | undefined> {
    return (await this.load()).find((cluster) => cluster.id === id);
  }

  async list(): Promise<T[]> {
    return [...(await this.load())];
  }
}

/** Reads `{ "clusters": [ … ] }` from a JSON file once, on first use; a failed read is retried on the next call. */
export class FileClusterRegistry extends CachedClusterRegistry<ClusterConfig> {
  readonly #path: string;
  #clusters: Promise<ClusterConfig[]> | undefined;

  constructor(path: string) {
    super();
    this.#path = path;
  }

  protected load(): Promise<ClusterConfig[]> {
    if (this.#clusters === undefined) {
      const loading = this.#read();
      this.#clusters = loading;
      loading.catch(() => {
        if (this.#clusters === loading) this.#clusters = undefined;
      });
    }
    return this.#clusters;
  }

  async #read(): Promise<ClusterConfig[]> {
    const source = `clusters file ${this.#path}`;
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      throw new ClusterRegistryError(`${source}: cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
    }
    return parseClusterRegistryDocument(parseJsonText(text, source), source);
  }

  toJSON(): { source: 'file'; path: string } {
    return { source: 'file', path: this.#path };
  }

  [inspect.custom](): string {
    return `FileClusterRegistry(${this.#path})`;
  }
}

export interface SecretsManagerClusterRegistryOptions<V extends ClusterRegistryView = 'combined'> {
  /** Name or ARN of the secret whose SecretString is the registry document. */
  readonly secretName: string;
  /**
   * Which document the secret holds: `credentials` (the task functions' and reconciler's `clusters` secret),
   * `webhooks` (the webhook's), or `combined` (both in one, as before the split). Default `combined`.
   */
  readonly view?: V;
  /** How long a fetched document is reused before the secret is read again; 0 disables caching. */
  readonly maxAgeSeconds: number;
  /**
   * How the secret's text is read: a reader from lib/runtime/secrets.ts (createSecretStringReader, or one of its
   * transports). Rejects with SecretReadError. The registry keeps what it reads in that module's cache for
   * `maxAgeSeconds`; a reader already cached for that age (shared with the caller's other secrets) is that cache.
   */
  readonly readSecret: SecretStringReader;
}

/**
 * Reads the registry document from a Secrets Manager secret and reuses it for `maxAgeSeconds`; a rotated token is
 * therefore picked up within that time without a redeploy.
 */
export class SecretsManagerClusterRegistry<V extends ClusterRegistryView = 'combined'> extends CachedClusterRegistry<
  ClusterRegistryViews[V]
> {
  readonly #secretName: string;
  readonly #maxAgeSeconds: number;
  readonly #readSecret: SecretStringReader;
  readonly #document: z.ZodType<{ clusters: ClusterRegistryViews[V][] }>;
  // The last document read: an unchanged text is not validated again.
  #fetched: { text: string; clusters: ClusterRegistryViews[V][] } | undefined;

  constructor(options: SecretsManagerClusterRegistryOptions<V>) {
    super();
    this.#document = VIEW_DOCUMENTS[options.view ?? ('combined' as V)];
    if (options.secretName === '') throw new ClusterRegistryError('SecretsManagerClusterRegistry: secretName is empty');
    if (!Number.isInteger(options.maxAgeSeconds) || options.maxAgeSeconds < 0) {
      throw new ClusterRegistryError('SecretsManagerClusterRegistry: maxAgeSeconds must be a whole number >= 0');
    }
    this.#secretName = options.secretName;
    this.#maxAgeSeconds = options.maxAgeSeconds;
    // The one secrets cache (lib/runtime/secrets.ts): the text is reused for maxAgeSeconds.
    this.#readSecret = cachedSecretReader(options.readSecret, { maxAgeSeconds: options.maxAgeSeconds });
  }

  protected async load(): Promise<ClusterRegistryViews[V][]> {
    const fetched = this.#fetched;
    const source = `secret ${this.#secretName}`;
    let text: string;
    try {
      text = await this.#readSecret(this.#secretName);
    } catch (error) {
      // SecretReadError names the secret and the reason already, never the value.
      if (error instanceof SecretReadError) throw new ClusterRegistryError(error.message);
      throw new ClusterRegistryError(`${source}: cannot be read: ${describeAwsError(error)}`);
    }
    const clusters =
      fetched?.text === text
        ? fetched.clusters
        : parseDocument(this.#document, parseJsonText(text, source, 'SecretString is not'), source);
    this.#fetched = { text, clusters };
    return clusters;
  }

  toJSON(): { source: 'secretsmanager'; secretName: string; maxAgeSeconds: number } {
    return { source: 'secretsmanager', secretName: this.#secretName, maxAgeSeconds: this.#maxAgeSeconds };
  }

  [inspect.custom](): string {
    return `SecretsManagerClusterRegistry(${this.#secretName}, maxAge ${this.#maxAgeSeconds}s)`;
  }
}
