import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../local/dynamodb';
import { type SecretsExtension, startSecretsExtension } from '../../local/gateway';
import { apiEvent, lambdaContext } from '../intake/support/requests';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SECRET_NAME = 'cloudkit-provisioner/ci/aap-notification-token';
const TOKEN = 'token-of-the-bundle-test';
const SESSION = 'session-of-this-invocation';

/**
 * The receiver as deployed (bundled as serverless-esbuild does, the AWS SDK external on NODE_PATH as the runtime
 * provides it), in a fresh process: its first request reads the token through the secrets extension where the
 * port is set, and so loads no Secrets Manager SDK; without the port it takes the SDK (so the probe can fail).
 */
describe('the receiver bundle reads its token the configured way', () => {
  let dir: string;
  let bundle: string;
  let dynamodb: LocalDynamoDb;
  let extension: SecretsExtension;
  let secretsManager: Server;
  let secretsManagerCalls = 0;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'receiver-bundle-'));
    bundle = path.join(dir, 'notifications.js');
    await build({
      entryPoints: [path.join(ROOT, 'functions/notifications.ts')],
      absWorkingDir: ROOT,
      outfile: bundle,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      minify: true,
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });
    dynamodb = await startLocalDynamoDb({ projectRoot: ROOT, stage: 'ci' });
    extension = await startSecretsExtension({
      port: 0,
      sessionToken: SESSION,
      secretString: (name) => (name === SECRET_NAME ? TOKEN : undefined),
    });
    // GetSecretValue as Secrets Manager answers it (JSON 1.1).
    secretsManager = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        secretsManagerCalls += 1;
        res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ Name: SECRET_NAME, SecretString: TOKEN }));
      });
    });
    await new Promise<void>((resolve) => secretsManager.listen(0, '127.0.0.1', resolve));
  }, 60_000);
  afterAll(async () => {
    await new Promise((resolve) => secretsManager?.close(resolve));
    await extension?.close();
    await dynamodb?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** One request in a fresh process: the answer's status and the AWS SDK clients it required. */
  async function firstRequest(env: Record<string, string>): Promise<{ status: number; clients: string[] }> {
    const event = apiEvent({
      path: '/v1/aap/notifications',
      body: JSON.stringify({ id: 31337, type: 'job', status: 'successful' }),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const probe = `
      const [bundle, eventJson, contextJson] = process.argv.slice(1);
      const context = { ...JSON.parse(contextJson), getRemainingTimeInMillis: () => 10000 };
      require(bundle).receive(JSON.parse(eventJson), context).then((answer) => {
        const clients = Object.keys(require.cache)
          .map((file) => /@aws-sdk\\/(client-[a-z-]+)\\//.exec(file)?.[1])
          .filter((name, i, all) => name && all.indexOf(name) === i);
        process.stderr.write('RESULT' + JSON.stringify({ status: answer.statusCode, clients }));
      });`;
    const { stderr } = await run(
      process.execPath,
      ['-e', probe, bundle, JSON.stringify(event), JSON.stringify(lambdaContext)],
      {
        env: {
          PATH: process.env.PATH ?? '',
          NODE_PATH: path.join(ROOT, 'node_modules'),
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_SESSION_TOKEN: SESSION,
          POWERTOOLS_METRICS_DISABLED: 'true',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          AAP_NOTIFICATION_SECRET_NAME: SECRET_NAME,
          JOB_WAITERS_TABLE: dynamodb.tables.get('JobWaitersTable') ?? '',
          DYNAMODB_ENDPOINT: dynamodb.endpoint,
          ...env,
        },
        timeout: 30_000,
      },
    );
    return JSON.parse(stderr.slice(stderr.lastIndexOf('RESULT') + 'RESULT'.length));
  }

  it('through the extension where its port is set: no Secrets Manager SDK loaded', async () => {
    const before = extension.reads(SECRET_NAME);
    const answer = await firstRequest({ PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) });
    expect(answer.status).toBe(200);
    expect(extension.reads(SECRET_NAME) - before).toBe(1);
    expect(answer.clients).toEqual(['client-dynamodb']);
  }, 60_000);

  it('through the SDK without the port', async () => {
    const before = secretsManagerCalls;
    const address = secretsManager.address() as AddressInfo;
    const answer = await firstRequest({ AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${address.port}` });
    expect(answer.status).toBe(200);
    expect(secretsManagerCalls - before).toBe(1);
    expect(answer.clients).toEqual(expect.arrayContaining(['client-secrets-manager', 'client-dynamodb']));
  }, 60_000);
});
