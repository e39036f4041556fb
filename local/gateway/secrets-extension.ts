import type { IncomingMessage, ServerResponse } from 'node:http';
import { bind, closeServer, send, sendJson, serve } from '../http';

/**
 * A local stand-in for the AWS Parameters and Secrets Lambda Extension, serving its Secrets Manager API from local
 * secrets, so lib/runtime/secrets.ts readSecretString runs against the same HTTP exchange as on Lambda:
 *
 *   GET /secretsmanager/get?secretId=<name or ARN>   X-Aws-Parameters-Secrets-Token: <AWS_SESSION_TOKEN>
 *   200 GetSecretValue's JSON ({ ARN, Name, SecretString, VersionId, VersionStages, CreatedDate })
 *   400 the request is wrong, or Secrets Manager's own client error (ResourceNotFoundException…), as text
 *   401 the token is missing or is not the session's
 *
 * Point a function at it with PARAMETERS_SECRETS_EXTENSION_HTTP_PORT=<port> and AWS_SESSION_TOKEN=<token>.
 */

export interface SecretsExtensionOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** What the requests must carry in X-Aws-Parameters-Secrets-Token (a Lambda's AWS_SESSION_TOKEN). */
  readonly sessionToken: string;
  /**
   * The SecretString of a secret name, undefined when there is no such secret; read at each request. What it throws
   * is answered 500 with its message (as the extension answers when Secrets Manager fails), so it must hold no secret.
   */
  readonly secretString: (name: string) => string | undefined;
  /** Local account and region the ARNs it answers name. */
  readonly region?: string;
  readonly accountId?: string;
}

export interface SecretsExtension {
  readonly port: number;
  /** How many reads it answered (200), per secret name: to see a cache working. */
  reads(name: string): number;
  close(): Promise<void>;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:(.+)$/;

export async function startSecretsExtension(options: SecretsExtensionOptions): Promise<SecretsExtension> {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const counts = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const text = (status: number, body: string) => send(res, status, { 'Content-Type': 'text/plain' }, body);
    if (req.method !== 'GET' || url.pathname !== '/secretsmanager/get') {
      return text(400, `not a Secrets Manager request: ${req.method} ${url.pathname}`);
    }
    if (req.headers['x-aws-parameters-secrets-token'] !== options.sessionToken) {
      return text(401, 'missing or invalid X-Aws-Parameters-Secrets-Token header');
    }
    const secretId = url.searchParams.get('secretId');
    if (!secretId) return text(400, 'secretId is required');
    // An ARN names the secret with its random six-character suffix; a name does not.
    const name = SECRET_ARN.exec(secretId)?.[1]?.replace(/-[A-Za-z0-9]{6}$/, '') ?? secretId;
    let secretString: string | undefined;
    try {
      secretString = options.secretString(name);
    } catch (error) {
      return text(500, `the local secret ${name} cannot be served: ${(error as Error).message}`);
    }
    if (secretString === undefined) {
      return text(400, "ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    sendJson(res, 200, {
      ARN: `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-LOCAL0`,
      Name: name,
      SecretString: secretString,
      VersionId: 'local',
      VersionStages: ['AWSCURRENT'],
      CreatedDate: new Date(0).toISOString(),
    });
  };

  const server = serve(handle);
  // Where the real extension listens: the function's own host.
  const { port } = await bind(server, 'the secrets extension stand-in', '127.0.0.1', options.port);
  return {
    port,
    reads: (name) => counts.get(name) ?? 0,
    close: () => closeServer(server),
  };
}
