import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  ClusterConfig,
  ClusterRegistryError,
  FileClusterRegistry,
  REDACTED,
  redactCluster,
  SecretsManagerClusterRegistry,
} from '../../../lib/k8s';
import { sdkSecretReader } from '../../../lib/runtime/secrets';

// Distinctive values: any of them showing up in an error or a log line is a leak.
const TOKEN = 'sa-token-7Hq2-DO-NOT-LOG';
const WEBHOOK_SECRET = 'whsec-current-9f8e7d-DO-NOT-LOG';
const OLD_WEBHOOK_SECRET = 'whsec-previous-1a2b3c-DO-NOT-LOG';
const WEBHOOK_BEARER = 'whbearer-55aa-DO-NOT-LOG';
const SECRET_VALUES = [TOKEN, WEBHOOK_SECRET, OLD_WEBHOOK_SECRET, WEBHOOK_BEARER];

const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n').toString('base64');

/** A valid cluster entry; overrides may add unknown keys or wrong types on purpose. */
function cluster(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'dev-east',
    server: 'https://api.dev-east.example.com:6443',
    caData: CA_DATA,
    token: TOKEN,
    webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
    webhookBearerToken: WEBHOOK_BEARER,
    namespaces: ['osac-computeinstance'],
    aapOrganization: 'osac',
    ...overrides,
  };
}

/** The message of the error `promise` rejects with; fails the test when it resolves. */
function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: Error) => error.message,
  );
}

function expectNoSecret(text: string): void {
  for (const secret of SECRET_VALUES) expect(text).not.toContain(secret);
}

let dir: string;
let fileCounter = 0;

async function clustersFile(content: unknown): Promise<string> {
  fileCounter += 1;
  const file = path.join(dir, `clusters-${fileCounter}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'k8s-adapter-clusters-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileClusterRegistry', () => {
  it('parses the clusters, applies the default finalizer and finds them by id', async () => {
    const { finalizer: _ignored, ...withoutFinalizer } = cluster({ id: 'prod', finalizer: undefined });
    const file = await clustersFile({ clusters: [cluster(), withoutFinalizer] });
    const registry = new FileClusterRegistry(file);

    const all = await registry.list();
    expect(all.map((c) => c.id)).toEqual(['dev-east', 'prod']);
    const prod = await registry.get('prod');
    expect(prod?.finalizer).toBe('osac.openshift.io/computeinstance');
    expect(prod?.token).toBe(TOKEN);
    expect(prod?.webhookSecrets).toEqual([WEBHOOK_SECRET, OLD_WEBHOOK_SECRET]);
    expect(await registry.get('nope')).toBeUndefined();
  });

  it('keeps the AAP credential ids a cluster lists, frozen, and none for a cluster without', async () => {
    const file = await clustersFile({ clusters: [cluster({ aapCredentials: [12, 7] }), cluster({ id: 'plain' })] });
    const registry = new FileClusterRegistry(file);

    const withCredentials = await registry.get('dev-east');
    expect(withCredentials?.aapCredentials).toEqual([12, 7]);
    expect(Object.isFrozen(withCredentials?.aapCredentials)).toBe(true);
    expect((await registry.get('plain'))?.aapCredentials).toBeUndefined();
  });

  it('reads the file once: later edits are not seen by the same registry', async () => {
    const file = await clustersFile({ clusters: [cluster()] });
    const registry = new FileClusterRegistry(file);
    expect((await registry.get('dev-east'))?.server).toBe('https://api.dev-east.example.com:6443');

    await writeFile(file, JSON.stringify({ clusters: [cluster({ server: 'https://elsewhere.example.com' })] }));
    expect((await registry.get('dev-east'))?.server).toBe('https://api.dev-east.example.com:6443');
    expect((await new FileClusterRegistry(file).get('dev-east'))?.server).toBe('https://elsewhere.example.com');
  });

  it.each<[string, unknown, string]>([
    [
      'an id that is not a DNS label',
      { clusters: [cluster({ id: 'Dev_East' })] },
      'clusters[0].id: must be a DNS label',
    ],
    [
      'a server that is not a URL',
      { clusters: [cluster({ server: 'api.example.com' })] },
      'clusters[0].server: must be an http(s) URL',
    ],
    [
      'a non-http server',
      { clusters: [cluster({ server: 'ftp://api.example.com' })] },
      'clusters[0].server: must be an http(s) URL',
    ],
    [
      'credentials inside the server URL',
      { clusters: [cluster({ server: `https://admin:${TOKEN}@api.example.com` })] },
      'clusters[0].server: must not carry credentials',
    ],
    [
      'caData that is not base64 PEM',
      { clusters: [cluster({ caData: 'not-a-cert' })] },
      'clusters[0].caData: must be base64 of a PEM',
    ],
    [
      'caData together with insecureSkipTLSVerify',
      { clusters: [cluster({ insecureSkipTLSVerify: true })] },
      'clusters[0].insecureSkipTLSVerify: cannot be true together with caData',
    ],
    ['an empty token', { clusters: [cluster({ token: '' })] }, 'clusters[0].token: must not be empty'],
    ['a missing token', { clusters: [cluster({ token: undefined })] }, 'clusters[0].token:'],
    [
      'no webhook secret',
      { clusters: [cluster({ webhookSecrets: [] })] },
      'clusters[0].webhookSecrets: needs at least one',
    ],
    [
      'three webhook secrets',
      { clusters: [cluster({ webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET, 'third-secret-value'] })] },
      'clusters[0].webhookSecrets: holds at most two',
    ],
    [
      'an empty webhook secret',
      { clusters: [cluster({ webhookSecrets: [WEBHOOK_SECRET, ''] })] },
      'clusters[0].webhookSecrets[1]: must not be empty',
    ],
    [
      'a namespace listed twice',
      { clusters: [cluster({ namespaces: ['a', 'a'] })] },
      'clusters[0].namespaces: must not list a namespace twice',
    ],
    [
      'an invalid namespace',
      { clusters: [cluster({ namespaces: ['Bad NS'] })] },
      'clusters[0].namespaces[0]: must be a DNS label',
    ],
    [
      'a finalizer without a domain',
      { clusters: [cluster({ finalizer: 'computeinstance' })] },
      'clusters[0].finalizer: must be a domain-qualified name',
    ],
    [
      'an empty aapCredentials list',
      { clusters: [cluster({ aapCredentials: [] })] },
      'clusters[0].aapCredentials: must list at least one credential id when present',
    ],
    [
      'an AAP credential given by name',
      { clusters: [cluster({ aapCredentials: ['dev-east-kubeconfig'] })] },
      'clusters[0].aapCredentials[0]:',
    ],
    [
      'an AAP credential id that is not positive',
      { clusters: [cluster({ aapCredentials: [0] })] },
      'clusters[0].aapCredentials[0]: must be a positive AAP credential id',
    ],
    [
      'a fractional AAP credential id',
      { clusters: [cluster({ aapCredentials: [4.5] })] },
      'clusters[0].aapCredentials[0]: must be a whole number (an AAP credential id)',
    ],
    [
      'an AAP credential listed twice',
      { clusters: [cluster({ aapCredentials: [4, 4] })] },
      'clusters[0].aapCredentials: must not list a credential id twice',
    ],
    [
      'an unknown launch envelope',
      { clusters: [cluster({ aapJobVars: 'eda' })] },
      'clusters[0].aapJobVars: must be one of osac_job_vars, ansible_eda, both',
    ],
    [
      'a misspelt key',
      { clusters: [cluster({ webhookSecret: WEBHOOK_SECRET })] },
      'clusters[0]: Unrecognized key: "webhookSecret"',
    ],
    [
      'two clusters with one id',
      { clusters: [cluster(), cluster({ server: 'https://other.example.com' })] },
      'clusters[1].id: duplicate cluster id "dev-east"',
    ],
    ['no clusters key', { cluster: [cluster()] }, '(root)'],
    [
      'the second of two clusters broken',
      { clusters: [cluster(), cluster({ id: 'b', token: 7 })] },
      'clusters[1].token:',
    ],
  ])('rejects %s, naming the file and the path', async (_label, document, expected) => {
    const file = await clustersFile(document);
    const failure = new FileClusterRegistry(file).list();
    await expect(failure).rejects.toThrow(ClusterRegistryError);
    const message = await rejectionMessage(failure);
    expect(message).toContain(`clusters file ${file}: `);
    expect(message).toContain(expected);
    expectNoSecret(message);
  });

  it('reports malformed JSON by position, never quoting the text (which may hold a token)', async () => {
    const file = await clustersFile(`{"clusters":[{"id":"dev","token":"${TOKEN}",}]}`);
    const message = await rejectionMessage(new FileClusterRegistry(file).list());
    expect(message).toMatch(
      new RegExp(`^clusters file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`),
    );
    expect(message).toMatch(/position \d+/);
    expectNoSecret(message);
  });

  it('names the file it cannot read, and tries again on the next call', async () => {
    const file = path.join(dir, 'appears-later.json');
    const registry = new FileClusterRegistry(file);
    await expect(registry.list()).rejects.toThrow(`clusters file ${file}: cannot be read (ENOENT)`);
    await writeFile(file, JSON.stringify({ clusters: [cluster()] }));
    expect(await registry.list()).toHaveLength(1);
  });
});

describe('redaction', () => {
  it('redactCluster replaces the token, the webhook secrets and the webhook bearer token', () => {
    const redacted = redactCluster({
      id: 'dev',
      server: 'https://api.example.com',
      token: TOKEN,
      webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
      webhookBearerToken: WEBHOOK_BEARER,
      finalizer: 'osac.openshift.io/computeinstance',
    });
    expect(redacted).toEqual({
      id: 'dev',
      server: 'https://api.example.com',
      token: REDACTED,
      webhookSecrets: [REDACTED, REDACTED],
      webhookBearerToken: REDACTED,
      finalizer: 'osac.openshift.io/computeinstance',
    });
  });

  it('leaves webhookBearerToken out when the cluster has none', () => {
    const redacted = redactCluster({
      id: 'dev',
      server: 'https://api.example.com',
      token: TOKEN,
      webhookSecrets: [WEBHOOK_SECRET],
      finalizer: 'osac.openshift.io/computeinstance',
    });
    expect(redacted).not.toHaveProperty('webhookBearerToken');
  });

  it('a cluster parsed directly with ClusterConfig prints redacted too', () => {
    const parsed = ClusterConfig.parse(cluster());
    expectNoSecret(JSON.stringify(parsed));
    expectNoSecret(inspect(parsed, { depth: 5 }));
    expect(parsed.webhookBearerToken).toBe(WEBHOOK_BEARER);
  });

  it('a loaded cluster prints redacted through JSON.stringify and util.inspect, yet keeps its real values', async () => {
    const file = await clustersFile({ clusters: [cluster()] });
    const registry = new FileClusterRegistry(file);
    const loaded = await registry.get('dev-east');
    if (loaded === undefined) throw new Error('cluster dev-east missing');

    const printed = [
      JSON.stringify(loaded),
      JSON.stringify({ wrapped: [loaded] }),
      inspect(loaded, { depth: 5 }),
      inspect({ wrapped: loaded }, { depth: 5 }),
      JSON.stringify(registry),
      inspect(registry),
      JSON.stringify(await registry.list()),
    ];
    for (const text of printed) expectNoSecret(text);
    expect(JSON.parse(JSON.stringify(loaded))).toEqual(redactCluster(loaded));
    expect(loaded.token).toBe(TOKEN);
    expect(Object.isFrozen(loaded)).toBe(true);
  });
});

describe('SecretsManagerClusterRegistry', () => {
  function fakeSecretsManager(...secretStrings: string[]) {
    const client = new SecretsManagerClient({
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AKIAFAKE', secretAccessKey: 'fake' },
    });
    const send = jest.spyOn(client, 'send') as unknown as jest.Mock;
    // Never reach AWS: a call beyond the scripted ones fails the test.
    send.mockRejectedValue(new Error('unexpected Secrets Manager call'));
    for (const secretString of secretStrings) {
      send.mockImplementationOnce(async () => ({ Name: 'osac/clusters', SecretString: secretString }));
    }
    return { client, send, readSecret: sdkSecretReader(client) };
  }

  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('reads the document from the secret and reuses it while it is fresh', async () => {
    const { readSecret, send } = fakeSecretsManager(JSON.stringify({ clusters: [cluster()] }));
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/clusters', maxAgeSeconds: 300, readSecret });

    expect((await registry.get('dev-east'))?.token).toBe(TOKEN);
    expect(await registry.list()).toHaveLength(1);
    expect(await registry.get('dev-east')).toBe(await registry.get('dev-east'));

    expect(send).toHaveBeenCalledTimes(1);
    const command = send.mock.calls[0]?.[0];
    expect(command).toBeInstanceOf(GetSecretValueCommand);
    expect((command as GetSecretValueCommand).input).toEqual({ SecretId: 'osac/clusters' });
  });

  it('asks again once maxAge has passed and picks up a rotated token', async () => {
    const rotated = 'sa-token-ROTATED-DO-NOT-LOG';
    const { readSecret, send } = fakeSecretsManager(
      JSON.stringify({ clusters: [cluster()] }),
      JSON.stringify({ clusters: [cluster({ token: rotated })] }),
    );
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/clusters', maxAgeSeconds: 60, readSecret });
    const start = Date.now();
    const now = jest.spyOn(Date, 'now').mockReturnValue(start);

    expect((await registry.get('dev-east'))?.token).toBe(TOKEN);
    now.mockReturnValue(start + 30_000);
    expect((await registry.get('dev-east'))?.token).toBe(TOKEN);
    expect(send).toHaveBeenCalledTimes(1);

    now.mockReturnValue(start + 61_000);
    expect((await registry.get('dev-east'))?.token).toBe(rotated);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('with maxAgeSeconds 0 asks every time', async () => {
    const document = JSON.stringify({ clusters: [cluster()] });
    const { readSecret, send } = fakeSecretsManager(document, document, document);
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/clusters', maxAgeSeconds: 0, readSecret });
    await registry.list();
    await registry.list();
    await registry.get('dev-east');
    expect(send).toHaveBeenCalledTimes(3);
  });

  it.each<[string, string, string]>([
    ['text that is not JSON', `token=${TOKEN}`, 'secret osac/clusters: SecretString is not valid JSON'],
    [
      'an invalid document',
      JSON.stringify({ clusters: [cluster({ server: 'nope', webhookSecrets: [] })] }),
      'secret osac/clusters: clusters[0].server: must be an http(s) URL; clusters[0].webhookSecrets: needs at least one',
    ],
  ])('rejects %s, naming the secret and never quoting it', async (_label, secretString, expected) => {
    const { readSecret } = fakeSecretsManager(secretString);
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/clusters', maxAgeSeconds: 60, readSecret });
    const message = await rejectionMessage(registry.list());
    expect(message).toContain(expected);
    expectNoSecret(message);
  });

  it('names the secret and the AWS error when the secret cannot be read', async () => {
    const { readSecret, send } = fakeSecretsManager();
    const notFound = Object.assign(new Error("Secrets Manager can't find the specified secret."), {
      name: 'ResourceNotFoundException',
    });
    send.mockRejectedValueOnce(notFound);
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/missing', maxAgeSeconds: 60, readSecret });
    await expect(registry.list()).rejects.toThrow(
      "secret osac/missing: cannot be read: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
  });

  it('prints itself without secrets', async () => {
    const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: [cluster()] }));
    const registry = new SecretsManagerClusterRegistry({ secretName: 'osac/clusters', maxAgeSeconds: 60, readSecret });
    await registry.list();
    expect(JSON.stringify(registry)).toBe(
      '{"source":"secretsmanager","secretName":"osac/clusters","maxAgeSeconds":60}',
    );
    expectNoSecret(inspect(registry, { depth: 10, showHidden: true }));
  });

  it.each<[string, { secretName: string; maxAgeSeconds: number }, string]>([
    ['an empty secret name', { secretName: '', maxAgeSeconds: 1 }, 'secretName is empty'],
    ['a negative maxAge', { secretName: 's', maxAgeSeconds: -1 }, 'maxAgeSeconds must be a whole number >= 0'],
    ['a fractional maxAge', { secretName: 's', maxAgeSeconds: 1.5 }, 'maxAgeSeconds must be a whole number >= 0'],
  ])('refuses %s', (_label, options, expected) => {
    const readSecret = async () => '{}';
    expect(() => new SecretsManagerClusterRegistry({ ...options, readSecret })).toThrow(expected);
  });

  describe('the split registry: each function reads only its own view', () => {
    const { token: _t, webhookSecrets: _w, webhookBearerToken: _b, ...credentials } = cluster();
    const webhookEntry = {
      id: 'dev-east',
      webhookSecrets: [WEBHOOK_SECRET],
      webhookBearerToken: WEBHOOK_BEARER,
      namespaces: ['osac-computeinstance'],
    };

    it('credentials: the API server and its token, no webhook secret', async () => {
      const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: [{ ...credentials, token: TOKEN }] }));
      const registry = new SecretsManagerClusterRegistry({
        view: 'credentials',
        secretName: 'c',
        maxAgeSeconds: 60,
        readSecret,
      });
      const found = await registry.get('dev-east');
      expect(found).toMatchObject({ token: TOKEN, server: 'https://api.dev-east.example.com:6443' });
      expect(found?.finalizer).toBe('osac.openshift.io/computeinstance');
      expect(JSON.stringify(found)).not.toContain(TOKEN);
    });

    it("credentials: a cluster's own launch envelope (aapJobVars) overrides the deployment's", async () => {
      const entries = [
        { ...credentials, token: TOKEN, aapJobVars: 'ansible_eda' },
        { ...credentials, id: 'plain', token: TOKEN },
      ];
      const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: entries }));
      const registry = new SecretsManagerClusterRegistry({
        view: 'credentials',
        secretName: 'c',
        maxAgeSeconds: 60,
        readSecret,
      });
      expect((await registry.get('dev-east'))?.aapJobVars).toBe('ansible_eda');
      expect((await registry.get('plain'))?.aapJobVars).toBeUndefined();
    });

    it('credentials: a secret from before the split is read, its webhook fields dropped', async () => {
      const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: [cluster()] }));
      const registry = new SecretsManagerClusterRegistry({
        view: 'credentials',
        secretName: 'c',
        maxAgeSeconds: 60,
        readSecret,
      });
      const found = (await registry.get('dev-east')) as Record<string, unknown>;
      expect(found.token).toBe(TOKEN);
      expect(found).not.toHaveProperty('webhookSecrets');
      expect(found).not.toHaveProperty('webhookBearerToken');
    });

    it('webhooks: secrets, namespaces and finalizer, and nothing that reaches the API server', async () => {
      const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: [webhookEntry] }));
      const registry = new SecretsManagerClusterRegistry({
        view: 'webhooks',
        secretName: 'w',
        maxAgeSeconds: 60,
        readSecret,
      });
      const found = await registry.get('dev-east');
      expect(found).toEqual({
        ...webhookEntry,
        finalizer: 'osac.openshift.io/computeinstance',
      });
      expectNoSecret(JSON.stringify(found));
    });

    it.each([
      ['a token in the webhooks document', 'webhooks', { ...webhookEntry, token: TOKEN }, /clusters\[0\]: .*token/],
      ['a server in the webhooks document', 'webhooks', { ...webhookEntry, server: 'https://x' }, /server/],
      ['no webhook secret in the webhooks document', 'webhooks', { id: 'dev-east' }, /webhookSecrets/],
      ['no token in the credentials document', 'credentials', { ...credentials }, /token/],
    ] as const)('refuses %s', async (_label, view, entry, expected) => {
      const { readSecret } = fakeSecretsManager(JSON.stringify({ clusters: [entry] }));
      const registry = new SecretsManagerClusterRegistry({ view, secretName: 's', maxAgeSeconds: 60, readSecret });
      const message = await rejectionMessage(registry.list());
      expect(message).toMatch(expected);
      expectNoSecret(message);
    });
  });
});
