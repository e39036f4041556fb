import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerClusterRegistry } from '../../lib/k8s/clusters';
import { AWS_CALL_LIMITS } from '../../lib/runtime/aws-clients';
import { withDeadline } from '../../lib/runtime/deadline';
import {
  cachedSecretReader,
  createSecretStringReader,
  readSecretString,
  SecretReadError,
  type SecretTransport,
  sdkSecretReader,
  secretTransportOf,
} from '../../lib/runtime/secrets';
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

describe('secretTransportOf: the extension where its port is configured, the SDK elsewhere', () => {
  it.each<[string, Record<string, string | undefined>, SecretTransport]>([
    ['the port set beside the layer', { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773' }, 'extension'],
    ['a local stand-in port', { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '40123' }, 'extension'],
    ['no port (a shell, the CLI)', {}, 'sdk'],
    ['an empty port', { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '  ' }, 'sdk'],
  ])('%s: %s', (_what, env, expected) => {
    expect(secretTransportOf(env)).toBe(expected);
  });
});

describe('cachedSecretReader: one cache with a max age', () => {
  /** A transport answering `texts` in turn (an Error is thrown), counting its reads per secret. */
  function transport(...texts: Array<string | Error>) {
    const reads: string[] = [];
    const read = async (secretId: string) => {
      reads.push(secretId);
      const next = texts.length > 1 ? texts.shift() : texts[0];
      if (next instanceof Error) throw next;
      return next as string;
    };
    return { read, reads };
  }

  it.each<[string, number, number[], number]>([
    // maxAgeSeconds, the clock (s) at each read, how many transport reads
    ['within max age: one read', 60, [0, 30, 59.999], 1],
    ['at max age: read again', 60, [0, 60], 2],
    ['after max age, then fresh again', 60, [0, 61, 100], 2],
    ['max age 0: every time', 0, [0, 0, 0], 3],
  ])('%s', async (_what, maxAgeSeconds, clock, expectedReads) => {
    let nowMs = 0;
    const { read, reads } = transport('text');
    const cached = cachedSecretReader(read, { maxAgeSeconds, nowMs: () => nowMs });
    for (const seconds of clock) {
      nowMs = seconds * 1000;
      expect(await cached('s')).toBe('text');
    }
    expect(reads).toHaveLength(expectedReads);
  });

  it('keeps each secret apart and picks up a rotated text after max age', async () => {
    let nowMs = 0;
    const { read, reads } = transport('v1', 'w1', 'v2');
    const cached = cachedSecretReader(read, { maxAgeSeconds: 10, nowMs: () => nowMs });
    expect(await cached('a')).toBe('v1');
    expect(await cached('b')).toBe('w1');
    nowMs = 5_000;
    expect(await cached('a')).toBe('v1');
    nowMs = 10_000;
    expect(await cached('a')).toBe('v2');
    expect(reads).toEqual(['a', 'b', 'a']);
  });

  it('shares one read among concurrent callers', async () => {
    const { read, reads } = transport('text');
    const cached = cachedSecretReader(read, { maxAgeSeconds: 60 });
    expect(await Promise.all([cached('s'), cached('s'), cached('s')])).toEqual(['text', 'text', 'text']);
    expect(reads).toHaveLength(1);
  });

  it('caches no failure, and serves no expired text in its place', async () => {
    let nowMs = 0;
    const refused = new SecretReadError('secret s: cannot be read: AccessDeniedException');
    const { read, reads } = transport('v1', refused, 'v2');
    const cached = cachedSecretReader(read, { maxAgeSeconds: 1, nowMs: () => nowMs });
    expect(await cached('s')).toBe('v1');
    nowMs = 1_000;
    await expect(cached('s')).rejects.toBe(refused);
    expect(await cached('s')).toBe('v2');
    expect(reads).toHaveLength(3);
  });

  it('is one cache when a reader cached for the same age is cached again (a rotation takes one max age)', async () => {
    let nowMs = 0;
    // The inner cache records its read a moment after the outer asked, as it does when the clock ticks between.
    let innerLagMs = 1;
    const { read, reads } = transport('v1', 'v2');
    const inner = cachedSecretReader(read, { maxAgeSeconds: 60, nowMs: () => nowMs + innerLagMs });
    const outer = cachedSecretReader(inner, { maxAgeSeconds: 60, nowMs: () => nowMs });
    expect(await outer('s')).toBe('v1');
    innerLagMs = 0;
    // Two layers: the outer would refresh here from the inner's still fresh v1, and keep it another 60 s.
    nowMs = 60_000;
    expect(await outer('s')).toBe('v1');
    nowMs = 61_000;
    expect(await outer('s')).toBe('v2');
    expect(reads).toHaveLength(2);
    expect(outer).toBe(inner);
    // Another age is another cache.
    expect(cachedSecretReader(inner, { maxAgeSeconds: 30 })).not.toBe(inner);
  });

  it.each([-1, Number.NaN])('refuses a max age of %s', (maxAgeSeconds) => {
    expect(() => cachedSecretReader(async () => '', { maxAgeSeconds })).toThrow(/maxAgeSeconds must be a number >= 0/);
  });
});

describe('createSecretStringReader', () => {
  it('reads through the extension when its port is set, once per max age', async () => {
    secrets.set('cloudkit/aap-token', 'aap-token-1');
    const before = extension.reads('cloudkit/aap-token');
    let nowMs = 0;
    const readSecret = createSecretStringReader({
      maxAgeSeconds: 300,
      limits: AWS_CALL_LIMITS,
      env: envFor(),
      nowMs: () => nowMs,
    });
    expect(await readSecret('cloudkit/aap-token')).toBe('aap-token-1');
    secrets.set('cloudkit/aap-token', 'aap-token-2');
    expect(await readSecret('cloudkit/aap-token')).toBe('aap-token-1');
    nowMs = 300_000;
    expect(await readSecret('cloudkit/aap-token')).toBe('aap-token-2');
    expect(extension.reads('cloudkit/aap-token') - before).toBe(2);
  });

  it('takes the SDK without the port: an error naming the secret and the AWS error, never the extension', async () => {
    // An endpoint nothing listens on: the SDK's own connection error, no AWS call leaves this machine.
    const env = { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:9', AWS_REGION: 'us-east-1' };
    const previous = { ...process.env };
    Object.assign(process.env, env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
    try {
      const readSecret = createSecretStringReader({
        maxAgeSeconds: 0,
        limits: { maxAttempts: 1, connectionTimeoutMs: 500, requestTimeoutMs: 500, maxTotalBackoffMs: 0 },
        env: {},
      });
      const error = await failure(readSecret('cloudkit/aap-token'));
      expect(error.message).toMatch(/^secret cloudkit\/aap-token: cannot be read: .*ECONNREFUSED 127.0.0.1:9/);
      expect(error.message).not.toMatch(/extension/);
    } finally {
      process.env = previous;
    }
  });
});

describe('sdkSecretReader: GetSecretValue through the SDK', () => {
  /** A Secrets Manager client answering from `answer` without a network call. */
  function client(answer: () => Record<string, unknown>) {
    const sdk = new SecretsManagerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 't', secretAccessKey: 't' },
    });
    sdk.middlewareStack.add(() => async () => ({ output: { $metadata: {}, ...answer() }, response: {} }), {
      step: 'initialize',
    });
    return sdk;
  }
  const awsError = (name: string, message: string) => () => {
    throw Object.assign(new Error(message), { name });
  };

  it('reads the SecretString', async () => {
    expect(await sdkSecretReader(client(() => ({ SecretString: SECRET_TEXT })))('s')).toBe(SECRET_TEXT);
  });

  it.each<[string, () => Record<string, unknown>, string, RegExp]>([
    ['no value', () => ({}), 'cloudkit/n', /^secret cloudkit\/n: has no value, not a SecretString$/],
    [
      'a binary value',
      () => ({ SecretBinary: new Uint8Array([1]) }),
      'cloudkit/n',
      /^secret cloudkit\/n: has a binary value, not a SecretString$/,
    ],
    [
      'an AWS error',
      awsError('AccessDeniedException', 'not authorized to perform secretsmanager:GetSecretValue'),
      'cloudkit/n',
      /^secret cloudkit\/n: cannot be read: AccessDeniedException: not authorized/,
    ],
    ['an empty id', () => ({ SecretString: SECRET_TEXT }), ' ', /the secret id is empty/],
  ])('refuses %s with an error naming the secret', async (_what, answer, secretId, message) => {
    const error = await failure(sdkSecretReader(client(answer))(secretId));
    expect(error.message).toMatch(message);
  });

  it('builds its client at the first read, once', async () => {
    const build = jest.fn(() => client(() => ({ SecretString: 'x' })));
    const read = sdkSecretReader(build);
    expect(build).not.toHaveBeenCalled();
    await read('a');
    await read('b');
    expect(build).toHaveBeenCalledTimes(1);
  });
});
