import type { WebhookCluster } from '../k8s/clusters';
import { SIGNATURE_HEADER, type SignatureFailure, sameSecret, verifySignature } from './signature';

export type AuthScheme = 'signature' | 'bearer';
/** A failure names the scheme that was tried (none when the request carried no credentials at all). */
export type Authentication =
  | { ok: true; scheme: AuthScheme }
  | { ok: false; scheme?: AuthScheme; failure: SignatureFailure };

export interface AuthenticationInput {
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  body: Uint8Array;
  cluster: Pick<WebhookCluster, 'webhookSecrets' | 'webhookBearerToken'>;
  nowSeconds: number;
}

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Who may talk for a cluster. A request that carries a signature is judged by it alone. Without one, a static
 * bearer token is accepted only when the cluster is configured with one (`webhookBearerToken`), for senders that
 * cannot sign (the EDA-era operator posted its webhooks unauthenticated).
 *
 * The bearer mode is WEAKER than the signature: nothing binds the token to the body or to a point in time, so
 * whoever sees one request (a proxy log, a misrouted copy) can send any body, as often and as late as they like.
 * Use it only over TLS, only until the sender can sign, and rotate the token when the sender moves to signing.
 */
export function authenticateWebhook(input: AuthenticationInput): Authentication {
  const signature = input.headers[SIGNATURE_HEADER.toLowerCase()];
  if (signature !== undefined) {
    const check = verifySignature({
      header: signature,
      body: input.body,
      secrets: input.cluster.webhookSecrets,
      nowSeconds: input.nowSeconds,
    });
    return check.ok ? { ok: true, scheme: 'signature' } : { ...check, scheme: 'signature' };
  }
  const expected = input.cluster.webhookBearerToken;
  const authorization = input.headers.authorization;
  if (expected === undefined || authorization === undefined) return { ok: false, failure: 'missing' };
  const token = BEARER.exec(authorization)?.[1];
  if (token === undefined) return { ok: false, scheme: 'bearer', failure: 'malformed' };
  return sameSecret(token, expected)
    ? { ok: true, scheme: 'bearer' }
    : { ok: false, scheme: 'bearer', failure: 'mismatch' };
}
