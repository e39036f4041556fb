import * as z from 'zod';
import { attemptTimeoutMs } from './deadline';
import { describeIssues } from './issues';

/**
 * Reading a secret's text in a Lambda function without the AWS SDK: through the AWS Parameters and Secrets Lambda
 * Extension (a layer on the function), which serves `GET /secretsmanager/get?secretId=…` on localhost, caches what
 * it fetched (300 s by default) and makes the GetSecretValue call itself. Requiring the Secrets Manager SDK client
 * costs ~70 ms of every cold start (bench/webhook.bench.ts); this costs an HTTP round trip on the host.
 *
 * A function that uses it needs the layer (serverless.yml param secretsExtensionLayerArn) and secretsmanager:
 * GetSecretValue on the secret, like the SDK would. Locally, local/gateway/secrets-extension.ts serves the same API.
 *
 *   const text = await readSecretString(process.env.AAP_NOTIFICATION_SECRET_NAME);
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

/** What reading a secret's text takes: the port every function's secret reads go through. */
export type SecretStringReader = (secretId: string) => Promise<string>;

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
 * The SecretString of `secretId` (a name or an ARN), through the Parameters and Secrets Lambda Extension. Rejects
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
