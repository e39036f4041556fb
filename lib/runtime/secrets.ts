import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import * as z from 'zod';
import { type AwsCallLimits, awsClientConfig, describeAwsError } from './aws-clients';
import { attemptTimeoutMs, deadlineSignal } from './deadline';
import { describeIssues } from './issues';

/**
 * The one way every function and the CLI read a secret's text: a SecretStringReader from createSecretStringReader,
 * one cache with a max age (SECRETS_MAX_AGE_SECONDS) over one of two transports, chosen by configuration:
 *
 * - `extension`: the AWS Parameters and Secrets Lambda Extension (a layer on the function), which serves
 *   `GET /secretsmanager/get?secretId=…` on localhost and makes the GetSecretValue call itself, so the function loads
 *   no Secrets Manager SDK (~70 ms of a cold start, bench/webhook.bench.ts). Chosen where
 *   PARAMETERS_SECRETS_EXTENSION_HTTP_PORT is set: serverless.yml sets it beside the layer (the layer itself sets
 *   nothing a function could see), the local stack beside its stand-in (local/gateway/secrets-extension.ts).
 * - `sdk`: GetSecretValue through the SDK, built at the first read: where there is no layer (the CLI).
 *
 * Errors are SecretReadError, naming the secret and the reason, never the value.
 *
 *   const readSecret = createSecretStringReader({ maxAgeSeconds: 300, limits: AWS_CALL_LIMITS });
 *   const token = await readSecret(process.env.AAP_TOKEN_SECRET_NAME);
 */

/** The extension's default port, when PARAMETERS_SECRETS_EXTENSION_HTTP_PORT does not set another. */
export const SECRETS_EXTENSION_DEFAULT_PORT = 2773;
/** A read (a cache miss makes the extension call Secrets Manager) gives up after this, or the invocation's deadline. */
export const SECRET_READ_TIMEOUT_MS = 3_000;
/** How much of an error answer is quoted: the extension's reason (AWS error text, never the secret's value). */
const MAX_REASON_CHARS = 300;

/** A secret that could not be read; the message names the secret and why, never holds its value. */
export class SecretReadError extends Error {
  override readonly name = 'SecretReadError';
  constructor(
    message: string,
    /** The extension's HTTP status; undefined when it was not reached or did not answer in time. */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** What reading a secret's text (by name or ARN) takes: the port every secret read goes through. */
export type SecretStringReader = (secretId: string) => Promise<string>;

/** How a secret is fetched: through the extension's localhost API, or the Secrets Manager SDK. */
export type SecretTransport = 'extension' | 'sdk';

/** The extension where its port is configured (the layer's setting), else the SDK. */
export function secretTransportOf(env: NodeJS.ProcessEnv = process.env): SecretTransport {
  return env.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT?.trim() ? 'extension' : 'sdk';
}

export interface SecretReaderSettings {
  /** How long a read text is reused before the secret is read again (SECRETS_MAX_AGE_SECONDS); 0: every time. */
  readonly maxAgeSeconds: number;
  /** The SDK transport's attempts and timeouts (the caller's: the webhook and receiver have shorter ones). */
  readonly limits: AwsCallLimits;
  /** Defaults to process.env: picks the transport now; the extension's port and session token are read per call. */
  readonly env?: NodeJS.ProcessEnv;
  readonly nowMs?: () => number;
}

/** The reader a function builds once per container (and shares among its secrets): cached, transport by setting. */
export function createSecretStringReader(settings: SecretReaderSettings): SecretStringReader {
  const env = settings.env;
  const transport = secretTransportOf(env);
  const read: SecretStringReader =
    transport === 'extension'
      ? (secretId) => readSecretString(secretId, env === undefined ? {} : { env })
      : sdkSecretReader(() => buildSecretsManagerClient(settings.limits));
  return cachedSecretReader(read, {
    maxAgeSeconds: settings.maxAgeSeconds,
    ...(settings.nowMs === undefined ? {} : { nowMs: settings.nowMs }),
  });
}

/**
 * Reuses each secret's text for `maxAgeSeconds` after it was read, so a rotated secret arrives within that time
 * without a redeploy. Concurrent reads of a secret not cached share one fetch; a failed read is not cached (the
 * next call tries again), and an expired text is never served in its place.
 */
export function cachedSecretReader(
  read: SecretStringReader,
  options: { readonly maxAgeSeconds: number; readonly nowMs?: () => number },
): SecretStringReader {
  const { maxAgeSeconds } = options;
  if (!Number.isFinite(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new RangeError(`cachedSecretReader: maxAgeSeconds must be a number >= 0, not ${maxAgeSeconds}`);
  }
  // Already cached for this age (a context's shared reader handed to the registry): a second cache over it would
  // refresh from the first one's last read, so a rotated secret could take up to twice the max age to arrive.
  if ((read as CachedReader)[CACHED_FOR_SECONDS] === maxAgeSeconds) return read;
  const nowMs = options.nowMs ?? (() => Date.now());
  const fresh = new Map<string, { text: string; readAtMs: number }>();
  const inFlight = new Map<string, Promise<string>>();
  const cached: SecretStringReader = (secretId) => {
    const entry = fresh.get(secretId);
    if (entry && nowMs() - entry.readAtMs < maxAgeSeconds * 1000) return Promise.resolve(entry.text);
    const pending = inFlight.get(secretId);
    if (pending) return pending;
    const startedAtMs = nowMs();
    const reading = read(secretId).then(
      (text) => {
        fresh.set(secretId, { text, readAtMs: startedAtMs });
        return text;
      },
      (error: unknown) => {
        fresh.delete(secretId);
        throw error;
      },
    );
    const settled = () => inFlight.delete(secretId);
    reading.then(settled, settled);
    inFlight.set(secretId, reading);
    return reading;
  };
  return Object.assign(cached, { [CACHED_FOR_SECONDS]: maxAgeSeconds });
}

const CACHED_FOR_SECONDS = Symbol('cachedSecretReader.maxAgeSeconds');
type CachedReader = SecretStringReader & { [CACHED_FOR_SECONDS]?: number };

/** Secrets Manager with the caller's limits. The SDK module is required here, at the first build, not at load. */
export function buildSecretsManagerClient(limits: AwsCallLimits): SecretsManagerClient {
  const { SecretsManagerClient } =
    require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient(awsClientConfig(limits));
}

/**
 * The SDK transport: GetSecretValue, cut off at the invocation's deadline. `client` is built at the first read.
 * Errors as readSecretString's: SecretReadError naming the secret and the AWS error, never the value.
 */
export function sdkSecretReader(client: SecretsManagerClient | (() => SecretsManagerClient)): SecretStringReader {
  let built = typeof client === 'function' ? undefined : client;
  return async (secretId) => {
    if (secretId.trim() === '') throw new SecretReadError('sdkSecretReader: the secret id is empty');
    built ??= (client as () => SecretsManagerClient)();
    const { GetSecretValueCommand } =
      require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    let answer: { SecretString?: string | undefined; SecretBinary?: unknown };
    try {
      answer = await built.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: deadlineSignal() });
    } catch (error) {
      throw new SecretReadError(`secret ${secretId}: cannot be read: ${describeAwsError(error)}`);
    }
    if (answer.SecretString === undefined) {
      throw new SecretReadError(
        `secret ${secretId}: has ${answer.SecretBinary === undefined ? 'no value' : 'a binary value'}, not a SecretString`,
      );
    }
    return answer.SecretString;
  };
}

const ExtensionEnvironment = z.object({
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: z.coerce
    .number()
    .int('must be a whole number')
    .min(1, 'must be a port (1-65535)')
    .max(65_535, 'must be a port (1-65535)')
    .default(SECRETS_EXTENSION_DEFAULT_PORT),
  // The extension only answers requests that carry the invocation's session token (Lambda sets it).
  AWS_SESSION_TOKEN: z.string({ error: 'is not set (Lambda sets it; the secrets extension requires it)' }).min(1),
});

/** GetSecretValue's answer as the extension relays it; the fields we read. */
const ExtensionAnswer = z.object({
  SecretString: z.string().optional(),
  SecretBinary: z.unknown().optional(),
});

export interface ReadSecretOptions {
  /** Defaults to process.env: the port and the session token are read at each call (the token changes). */
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * The extension transport: the SecretString of `secretId` (a name or an ARN), through the Parameters and Secrets
 * Lambda Extension, uncached (createSecretStringReader caches; serverless.yml turns the extension's cache off). Rejects
 * with SecretReadError naming the secret and the reason: extension not reachable, the extension's error (e.g. the
 * secret does not exist, access denied), no SecretString, or no answer within the timeout or the invocation's
 * deadline. The value is never in an error.
 */
export async function readSecretString(secretId: string, options: ReadSecretOptions = {}): Promise<string> {
  const source = `secret ${secretId}`;
  if (secretId.trim() === '') throw new SecretReadError('readSecretString: the secret id is empty');
  const settings = ExtensionEnvironment.safeParse(options.env ?? process.env);
  if (!settings.success) {
    throw new SecretReadError(`${source}: cannot reach the secrets extension: ${describeIssues(settings.error)}`);
  }
  const timeoutMs = attemptTimeoutMs(options.timeoutMs ?? SECRET_READ_TIMEOUT_MS);
  if (timeoutMs === 0) throw new SecretReadError(`${source}: no time left in this invocation to read it`);
  const { status, body } = await getFromExtension(
    settings.data.PARAMETERS_SECRETS_EXTENSION_HTTP_PORT,
    `/secretsmanager/get?secretId=${encodeURIComponent(secretId)}`,
    settings.data.AWS_SESSION_TOKEN,
    timeoutMs,
    source,
  );
  if (status !== 200) {
    const reason = body.trim().slice(0, MAX_REASON_CHARS) || 'no reason given';
    throw new SecretReadError(`${source}: cannot be read: the secrets extension answered ${status}: ${reason}`, status);
  }
  let answer: z.infer<typeof ExtensionAnswer>;
  try {
    answer = ExtensionAnswer.parse(JSON.parse(body));
  } catch {
    // Never quote the body: it may be the secret.
    throw new SecretReadError(`${source}: the secrets extension answered 200 with no GetSecretValue result`, status);
  }
  if (answer.SecretString === undefined) {
    const what = answer.SecretBinary === undefined ? 'no value' : 'a binary value';
    throw new SecretReadError(`${source}: has ${what}, not a SecretString`, status);
  }
  return answer.SecretString;
}

function getFromExtension(
  port: number,
  path: string,
  token: string,
  timeoutMs: number,
  source: string,
): Promise<{ status: number; body: string }> {
  // Required at the first read, not at load: a function reading its registry from a file never needs it.
  const { request } = require('node:http') as typeof import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: 'localhost',
        port,
        path,
        method: 'GET',
        headers: { 'X-Aws-Parameters-Secrets-Token': token },
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', (error) => reject(unreachable(error, source, port, timeoutMs)));
      },
    );
    req.on('error', (error) => reject(unreachable(error, source, port, timeoutMs)));
    req.end();
  });
}

function unreachable(error: Error, source: string, port: number, timeoutMs: number): SecretReadError {
  if (error.name === 'AbortError' || error.name === 'TimeoutError') {
    return new SecretReadError(`${source}: the secrets extension did not answer within ${timeoutMs} ms`);
  }
  const code = (error as { code?: unknown }).code;
  return new SecretReadError(
    `${source}: the secrets extension on localhost:${port} cannot be reached (${typeof code === 'string' ? code : error.message}); is its layer on this function?`,
  );
}
