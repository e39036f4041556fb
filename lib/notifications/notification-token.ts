import { describeAwsError } from '../runtime/aws-clients';
import { SecretReadError, type SecretStringReader } from '../runtime/secrets';

/** Where the bearer token AAP's notifications must carry comes from. */
export interface NotificationTokenSource {
  /** The current token; throws NotificationTokenUnavailable when it cannot be read. */
  current(): Promise<string>;
}

/** Carries the secret's name and why it cannot be read (never the secret's value), no token. */
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
 * The token as the string of a Secrets Manager secret, read the one way every function reads a secret
 * (lib/runtime/secrets.ts: on Lambda through the secrets extension, so the receiver loads no Secrets Manager SDK),
 * cached by that reader for SECRETS_MAX_AGE_SECONDS, so a rotated token arrives without a redeploy.
 */
export class SecretNotificationToken implements NotificationTokenSource {
  constructor(private readonly options: { secretName: string; readSecret: SecretStringReader }) {}

  async current(): Promise<string> {
    let value: string;
    try {
      value = await this.options.readSecret(this.options.secretName);
    } catch (error) {
      // SecretReadError names the secret and why, never the value.
      if (error instanceof SecretReadError) throw new NotificationTokenUnavailable(error.message);
      throw new NotificationTokenUnavailable(
        `secret ${this.options.secretName}: cannot be read: ${describeAwsError(error)}`,
      );
    }
    const token = value.trim();
    if (token === '') throw new NotificationTokenUnavailable(`secret ${this.options.secretName}: is empty`);
    return token;
  }
}
