import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeAwsError } from '../runtime/aws-clients';

/** Where the bearer token AAP's notifications must carry comes from. */
export interface NotificationTokenSource {
  /** The current token; throws NotificationTokenUnavailable when it cannot be read. */
  current(): Promise<string>;
}

/** Carries the secret's name and the AWS error's name and message (which never hold the secret value), no token. */
export class NotificationTokenUnavailable extends Error {
  override readonly name = 'NotificationTokenUnavailable';
}

/** A token given in the environment (local stack, development). */
export class StaticNotificationToken implements NotificationTokenSource {
  constructor(private readonly token: string) {}
  async current(): Promise<string> {
    return this.token;
  }
}

/**
 * The token as the string of a Secrets Manager secret, read through Powertools' SecretsProvider as the webhook reads
 * its secrets (lib/k8s/clusters.ts): cached for `maxAgeSeconds`, so a rotated token arrives without a redeploy.
 */
export class SecretNotificationToken implements NotificationTokenSource {
  readonly #provider: import('@aws-lambda-powertools/parameters/secrets').SecretsProvider;

  constructor(private readonly options: { secretName: string; maxAgeSeconds: number; client?: SecretsManagerClient }) {
    const { SecretsProvider } =
      require('@aws-lambda-powertools/parameters/secrets') as typeof import('@aws-lambda-powertools/parameters/secrets');
    this.#provider = new SecretsProvider(options.client ? { awsSdkV3Client: options.client } : {});
  }

  async current(): Promise<string> {
    const source = `secret ${this.options.secretName}`;
    let value: unknown;
    try {
      value = await this.#provider.get(this.options.secretName, { maxAge: this.options.maxAgeSeconds });
    } catch (error) {
      throw new NotificationTokenUnavailable(`${source}: cannot be read: ${describeAwsError(error)}`);
    }
    if (typeof value !== 'string') throw new NotificationTokenUnavailable(`${source}: has no SecretString`);
    const token = value.trim();
    if (token === '') throw new NotificationTokenUnavailable(`${source}: is empty`);
    return token;
  }
}
