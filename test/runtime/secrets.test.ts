import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClusterRegistry } from '../../lib/k8s/clusters';
import { withDeadline } from '../../lib/runtime/deadline';
import { readSecretString, SecretReadError } from '../../lib/runtime/secrets';
import { type SecretsExtension, startSecretsExtension } from '../../local/gateway';

// Distinctive: showing up in an error message is a leak.
const SECRET_TEXT = 'notification-hmac-DO-NOT-LOG';
const SESSION_TOKEN = 'session-token-of-this-invocation';

let extension: SecretsExtension;
const secrets = new Map<string, string>();

beforeAll(async () => {
  extension = await startSecretsExtension({
    port: 0,
    sessionToken: SESSION_TOKEN,
    secretString: (name) => secrets.get(name),
  });
});
afterAll(() => extension.close());
beforeEach(() => {
  secrets.clear();
  secrets.set('cloudkit/notifications', SECRET_TEXT);
});

const envFor = (overrides: Record<string, string | undefined> = {}) => ({
  PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
  AWS_SESSION_TOKEN: SESSION_TOKEN,
  ...overrides,
});

async function failure(promise: Promise<unknown>): Promise<SecretReadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SecretReadError);
  expect((error as Error).message).not.toContain(SECRET_TEXT);
  return error as SecretReadError;
}

/** A server that answers every request with `status` and `body`, or never when `status` is undefined. */
async function fakeExtension(status: number | undefined, body = ''): Promise<{ port: number; server: Server }> {
  const server = createServer((_req, res) => {
    if (status === undefined) return;
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, server };
}

describe('readSecretString through the Parameters and Secrets extension', () => {
  it('reads the SecretString of a secret by name and by ARN', async () => {
    expect(await readSecretString('cloudkit/notifications', { env: envFor() })).toBe(SECRET_TEXT);
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:cloudkit/notifications-AbC123';
    expect(await readSecretString(arn, { env: envFor() })).toBe(SECRET_TEXT);
  });

  it.each<[string, string, Record<string, string | undefined>, RegExp]>([
    [
      'a secret that does not exist',
      'cloudkit/missing',
      {},
      /^secret cloudkit\/missing: cannot be read: the secrets extension answered 400: ResourceNotFoundException/,
    ],
    [
      'a token that is not the session one',
      'cloudkit/notifications',
      { AWS_SESSION_TOKEN: 'another' },
      /answered 401: missing or invalid X-Aws-Parameters-Secrets-Token/,
    ],
    [
      'no session token',
      'cloudkit/notifications',
      { AWS_SESSION_TOKEN: undefined },
      /cannot reach the secrets extension: AWS_SESSION_TOKEN: is not set/,
    ],
    [
      'a port that is not one',
      'cloudkit/notifications',
      { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '70000' },
      /PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: must be a port \(1-65535\)/,
    ],
    ['an empty secret id', ' ', {}, /the secret id is empty/],
  ])('names the secret and the reason for %s', async (_label, secretId, env, expected) => {
    const error = await failure(readSecretString(secretId, { env: envFor(env) }));
    expect(error.message).toMatch(expected);
  });

  it('says the layer is missing when nothing listens on the port', async () => {
    const { port, server } = await fakeExtension(200);
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(
      readSecretString('cloudkit/notifications', {
        env: envFor({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: `${port}` }),
      }),
    );
    expect(error.message).toMatch(/localhost:\d+ cannot be reached \(ECONNREFUSED\); is its layer on this function\?/);
  });

  it.each<[string, string, RegExp]>([
    ['a binary secret', JSON.stringify({ Name: 'b', SecretBinary: 'AAEC' }), /has a binary value, not a SecretString/],
    ['a body that is not GetSecretValue', SECRET_TEXT, /answered 200 with no GetSecretValue result/],
  ])('refuses %s without quoting it', async (_label, body, expected) => {
    const { port, server } = await fakeExtension(200, body);
    try {
      const error = await failure(
        readSecretString('b', { env: envFor({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: `${port}` }) }),
      );
      expect(error.message).toMatch(expected);
    } finally {
      server.close();
    }
  });

  it('gives up after its timeout, and does not start without time left in the invocation', async () => {
    const { port, server } = await fakeExtension(undefined);
    const env = envFor({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: `${port}` });
    try {
      const error = await failure(readSecretString('slow', { env, timeoutMs: 100 }));
      expect(error.message).toBe('secret slow: the secrets extension did not answer within 100 ms');
      const late = await failure(withDeadline(Date.now() + 10, () => readSecretString('slow', { env })));
      expect(late.message).toBe('secret slow: no time left in this invocation to read it');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('the webhooks registry read through the extension', () => {
  const document = (secret: string) =>
    JSON.stringify({ clusters: [{ id: 'dev-east', webhookSecrets: [secret], namespaces: ['tenants'] }] });

  it('reads the document once per maxAge and picks up a rotated secret after it', async () => {
    secrets.set('cloudkit/webhooks', document('whsec-1'));
    const before = extension.reads('cloudkit/webhooks');
    const readSecret = (id: string) => readSecretString(id, { env: envFor() });
    const registry = new SecretsManagerClusterRegistry({
      view: 'webhooks',
      secretName: 'cloudkit/webhooks',
      maxAgeSeconds: 60,
      readSecret,
    });
    const start = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(start);
    try {
      expect((await registry.get('dev-east'))?.webhookSecrets).toEqual(['whsec-1']);
      secrets.set('cloudkit/webhooks', document('whsec-2'));
      now.mockReturnValue(start + 59_000);
      expect((await registry.get('dev-east'))?.webhookSecrets).toEqual(['whsec-1']);
      expect(extension.reads('cloudkit/webhooks') - before).toBe(1);
      now.mockReturnValue(start + 60_000);
      expect((await registry.get('dev-east'))?.webhookSecrets).toEqual(['whsec-2']);
      expect(extension.reads('cloudkit/webhooks') - before).toBe(2);
    } finally {
      now.mockRestore();
    }
  });

  it("turns the extension's refusal into a registry error naming the secret", async () => {
    const registry = new SecretsManagerClusterRegistry({
      view: 'webhooks',
      secretName: 'cloudkit/absent',
      maxAgeSeconds: 60,
      readSecret: (id) => readSecretString(id, { env: envFor() }),
    });
    await expect(registry.list()).rejects.toThrow(
      /^secret cloudkit\/absent: cannot be read: the secrets extension answered 400: ResourceNotFoundException/,
    );
  });
});
