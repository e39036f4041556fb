import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  InvalidReceiverSettings,
  loadReceiverSettings,
  NotificationTokenUnavailable,
  SecretNotificationToken,
} from '../../lib/notifications';
import { cachedSecretReader, sdkSecretReader } from '../../lib/runtime/secrets';
import { apiEvent, bodyOf, lambdaContext } from '../intake/support/requests';
import { arm, bearer, memoryPorts, notificationBody, TOKEN } from './support';

type Line = Record<string, unknown> & { _aws?: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } };
type Module = typeof import('../../functions/notifications');

const PATH = '/v1/aap/notifications';
const event = (body: string, headers: Record<string, string> = bearer(), extra: Partial<APIGatewayProxyEventV2> = {}) =>
  ({ ...apiEvent({ path: PATH, body, headers }), ...extra }) as APIGatewayProxyEventV2;

describe('the AAP notification handler (real handler, in-memory ports)', () => {
  let mod: Module;
  const written: string[] = [];
  const previous = { ...process.env };

  beforeAll(async () => {
    // Read when the module builds its Logger and Metrics: set before it is loaded.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'CloudkitProvisioner';
    process.env.POWERTOOLS_SERVICE_NAME = 'cloudkit-provisioner';
    mod = await import('../../functions/notifications');
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
  });
  afterAll(() => {
    jest.restoreAllMocks();
    process.env = previous;
  });

  async function invoke(handler: Module['receive'], e: APIGatewayProxyEventV2) {
    written.length = 0;
    const response = await handler(e, lambdaContext);
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Line);
    const metricNames = lines.flatMap(
      (l) => l._aws?.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)) ?? [],
    );
    return { status: response.statusCode, body: bodyOf(response), headers: response.headers, lines, metricNames };
  }

  it('resumes the waiters of the notified job, logging one line and one metric without a token', async () => {
    const ports = memoryPorts();
    const waiter = await arm(ports, { id: 77, kind: 'job' }, 'p');
    const handler = mod.receiveHandler(() => ports);
    const answer = await invoke(handler, event(notificationBody(77, 'job', 'successful')));
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 200, body: { resumed: 1, gone: 0 } });
    expect(ports.tasks.resumedTokens()).toEqual([waiter.token]);
    expect(answer.metricNames).toEqual(['AapNotificationHandled']);
    expect(answer.lines.find((l) => l.message === 'AAP notification handled')).toMatchObject({
      job: { id: 77, kind: 'job' },
      resumed: 1,
    });
    expect(written.join('')).not.toContain(TOKEN);
    expect(written.join('')).not.toContain(waiter.token);
  });

  it('answers an unauthenticated request 401 with WWW-Authenticate and counts it by reason', async () => {
    const ports = memoryPorts();
    const answer = await invoke(
      mod.receiveHandler(() => ports),
      event(notificationBody(1), bearer('nope-token')),
    );
    expect(answer.status).toBe(401);
    expect(answer.headers).toMatchObject({ 'www-authenticate': 'Bearer' });
    expect(answer.metricNames).toEqual(['AapNotificationRejected']);
    expect(written.join('')).not.toContain('nope-token');
  });

  it('takes a base64-encoded JSON body', async () => {
    const ports = memoryPorts();
    await arm(ports, { id: 78, kind: 'workflow_job' }, 'p');
    const encoded = Buffer.from(notificationBody(78, 'workflow_job', 'failed')).toString('base64');
    const answer = await invoke(
      mod.receiveHandler(() => ports),
      event(encoded, bearer(), { isBase64Encoded: true }),
    );
    expect(answer.body).toEqual({ resumed: 1, gone: 0 });
  });

  it('answers 500 and counts AapNotificationUnavailable when its settings are wrong, naming the variable', async () => {
    delete process.env.JOB_WAITERS_TABLE;
    delete process.env.AAP_NOTIFICATION_TOKEN;
    delete process.env.AAP_NOTIFICATION_SECRET_NAME;
    const answer = await invoke(mod.receive, event(notificationBody(1)));
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 500, body: { message: 'internal error' } });
    expect(answer.metricNames).toEqual(['AapNotificationUnavailable']);
    expect(JSON.stringify(answer.lines)).toContain('JOB_WAITERS_TABLE');
  });
});

describe('loadReceiverSettings', () => {
  it('takes the token from the environment or a secret name, and requires the table', () => {
    expect(loadReceiverSettings({ AAP_NOTIFICATION_TOKEN: 't', JOB_WAITERS_TABLE: 'w' })).toMatchObject({
      AAP_NOTIFICATION_TOKEN: 't',
      JOB_WAITERS_TABLE: 'w',
      SECRETS_MAX_AGE_SECONDS: 300,
    });
    expect(() => loadReceiverSettings({ JOB_WAITERS_TABLE: 'w' })).toThrow(
      new InvalidReceiverSettings(
        'invalid AAP notification receiver configuration: AAP_NOTIFICATION_SECRET_NAME: set AAP_NOTIFICATION_SECRET_NAME (or AAP_NOTIFICATION_TOKEN locally)',
      ),
    );
    expect(() => loadReceiverSettings({ AAP_NOTIFICATION_SECRET_NAME: 's' })).toThrow(/JOB_WAITERS_TABLE: must name/);
    expect(() =>
      loadReceiverSettings({ AAP_NOTIFICATION_TOKEN: 'secret-value', JOB_WAITERS_TABLE: 'w', DYNAMODB_ENDPOINT: 'x' }),
    ).toThrow(/DYNAMODB_ENDPOINT: must be a URL/);
  });

  it('never quotes a value in its error', () => {
    const error = (() => {
      try {
        loadReceiverSettings({ AAP_NOTIFICATION_TOKEN: 'secret-value', SFN_ENDPOINT: 'secret-value' });
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(InvalidReceiverSettings);
    expect(error?.message).toContain('JOB_WAITERS_TABLE');
    expect(error?.message).not.toContain('secret-value');
  });
});

describe('SecretNotificationToken', () => {
  /** The one secret reader over the SDK transport, as the CLI's (the receiver's takes the extension). */
  const reader = (client: SecretsManagerClient, maxAgeSeconds: number) =>
    cachedSecretReader(sdkSecretReader(client), { maxAgeSeconds });

  /** A Secrets Manager client answering GetSecretValue from `answer` without a network call. */
  function secretsClient(answer: () => { SecretString?: string }) {
    const client = new SecretsManagerClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    let calls = 0;
    client.middlewareStack.add(
      () => async () => {
        calls += 1;
        return { output: { $metadata: {}, ...answer() }, response: {} };
      },
      { step: 'initialize' },
    );
    return { client, calls: () => calls };
  }

  it('reads the token once per max age, trimmed', async () => {
    const { client, calls } = secretsClient(() => ({ SecretString: `  ${TOKEN}\n` }));
    const source = new SecretNotificationToken({
      secretName: 'cloudkit/aap-notification',
      readSecret: reader(client, 300),
    });
    expect(await source.current()).toBe(TOKEN);
    expect(await source.current()).toBe(TOKEN);
    expect(calls()).toBe(1);
  });

  it.each([
    ['no SecretString', {}, /secret cloudkit\/n: has no value, not a SecretString/],
    ['an empty one', { SecretString: '  ' }, /secret cloudkit\/n: is empty/],
  ])('refuses a secret with %s', async (_what, answer, message) => {
    const { client } = secretsClient(() => answer);
    const source = new SecretNotificationToken({ secretName: 'cloudkit/n', readSecret: reader(client, 0) });
    await expect(source.current()).rejects.toThrow(NotificationTokenUnavailable);
    await expect(source.current()).rejects.toThrow(message);
  });

  it('names the secret and the AWS error when it cannot be read', async () => {
    const { client } = secretsClient(() => {
      throw Object.assign(new Error("Secrets Manager can't find the specified secret."), {
        name: 'ResourceNotFoundException',
      });
    });
    const source = new SecretNotificationToken({ secretName: 'cloudkit/n', readSecret: reader(client, 0) });
    await expect(source.current()).rejects.toThrow(
      "secret cloudkit/n: cannot be read: ResourceNotFoundException: Secrets Manager can't find the specified secret.",
    );
  });
});
