import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { CLUSTERS, EAST, LEGACY, useWebhookEnvironment } from './support/environment';
import { apiEvent, instance, lambdaContext, routePath, signedEvent, watchEventBody } from './support/requests';
import { type SfnStub, startSfnStub } from './support/sfn-stub';

type Handler = typeof import('../../functions/webhook')['handler'];
type Line = Record<string, unknown> & { _aws?: { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string }> }> } };

/**
 * What the webhook writes to CloudWatch: one log line and one metric per request, the reason of a refusal as a
 * low-cardinality dimension, and never a secret, a signature or a body.
 */
describe('webhook logs and metrics', () => {
  const BODY_MARKER = 'ssh-ed25519 AAAAbody-marker-never-logged';
  const [SECRET] = EAST.secrets;
  let sfn: SfnStub;
  let restoreEnvironment: () => void;
  let handler: Handler;
  const written: string[] = [];
  const previous = { level: process.env.POWERTOOLS_LOG_LEVEL, metrics: process.env.POWERTOOLS_METRICS_DISABLED };

  beforeAll(async () => {
    sfn = await startSfnStub();
    restoreEnvironment = useWebhookEnvironment(sfn.endpoint);
    // Read when the module builds its Logger and Metrics: set before it is loaded.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    ({ handler } = await import('../../functions/webhook'));
    for (const stream of [process.stdout, process.stderr]) {
      jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    process.env.POWERTOOLS_LOG_LEVEL = previous.level;
    process.env.POWERTOOLS_METRICS_DISABLED = previous.metrics;
    restoreEnvironment?.();
    await sfn?.close();
  });

  /** The JSON lines one request wrote. */
  async function linesOf(event: APIGatewayProxyEventV2): Promise<Line[]> {
    written.length = 0;
    await handler(event, lambdaContext);
    return written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Line);
  }
  const logOf = (lines: Line[]) => lines.filter((line) => line._aws === undefined);
  const metricsOf = (lines: Line[]) =>
    lines
      .filter((line) => line._aws !== undefined)
      .map((line) => ({
        names: line._aws?.CloudWatchMetrics[0]?.Metrics.map((metric) => metric.Name),
        reason: line.reason,
      }));

  const object = instance({ spec: { sshKey: BODY_MARKER } });
  const added = () => signedEvent(EAST.id, 'events', watchEventBody('ADDED', object), SECRET);

  it.each<[string, () => APIGatewayProxyEventV2, Record<string, unknown>, { names: string[]; reason?: string }]>([
    [
      'accepted',
      added,
      {
        message: 'webhook accepted',
        cluster: 'east',
        route: 'events',
        eventType: 'ADDED',
        namespace: 'osac-computeinstance',
        name: 'vm-7fk2p',
        status: 202,
        action: 'provision',
        executionName: expect.stringMatching(/^provision-osac-computeinstance-vm-7fk2p-/),
        duplicate: false,
      },
      { names: ['WebhookAccepted'] },
    ],
    [
      'ignored',
      () =>
        signedEvent(
          EAST.id,
          'events',
          watchEventBody('DELETED', { ...object, metadata: { ...object.metadata, finalizers: [] } }),
          SECRET,
        ),
      {
        message: 'webhook ignored',
        action: 'ignored',
        status: 200,
        reason: expect.stringMatching(/is not on the object/),
      },
      { names: ['WebhookIgnored'] },
    ],
    [
      'forged',
      () => signedEvent(EAST.id, 'events', watchEventBody('ADDED', object), LEGACY.secret),
      {
        message: 'webhook rejected',
        status: 401,
        reason: 'unauthenticated',
        detail: 'signature does not match',
      },
      { names: ['WebhookRejected'], reason: 'unauthenticated' },
    ],
    [
      'invalid',
      () => signedEvent(EAST.id, 'events', watchEventBody('ADDED', { ...object, kind: 'Pod' }), SECRET),
      {
        message: 'webhook rejected',
        status: 400,
        reason: 'invalid_body',
        detail: 'invalid event: object.kind: expected ComputeInstance',
      },
      { names: ['WebhookRejected'], reason: 'invalid_body' },
    ],
    [
      'sent to no route',
      () => apiEvent({ path: '/v1/clusters/east/reboot', body: '{}' }),
      { message: 'webhook rejected', status: 404, reason: 'route_not_found' },
      { names: ['WebhookRejected'], reason: 'route_not_found' },
    ],
  ])('%s: one log line and one metric', async (_label, event, log, metric) => {
    const lines = await linesOf(event());
    expect(logOf(lines)).toEqual([expect.objectContaining({ level: 'INFO', ...log })]);
    expect(metricsOf(lines)).toEqual([metric]);
  });

  it('logs an outage as an error, with what failed', async () => {
    sfn.setUnavailable(true);
    const lines = await linesOf(signedEvent(EAST.id, 'events', watchEventBody('ADDED', instance()), SECRET));
    sfn.setUnavailable(false);
    expect(logOf(lines)).toEqual([
      expect.objectContaining({ level: 'ERROR', status: 503, detail: expect.stringMatching(/^start provision: /) }),
    ]);
    expect(metricsOf(lines)).toEqual([{ names: ['WebhookUnavailable'] }]);
  });

  it('never writes a secret, a signature, a bearer token or the body', async () => {
    const secrets = [
      ...CLUSTERS.flatMap((cluster) => [...cluster.webhookSecrets, cluster.token, cluster.webhookBearerToken ?? '']),
    ].filter((secret) => secret !== '');
    const events = [
      added(),
      signedEvent(EAST.id, 'events', watchEventBody('ADDED', object), 'wrong-secret'),
      apiEvent({
        path: routePath(LEGACY.id, 'create-compute-instance'),
        body: JSON.stringify(object),
        headers: { authorization: `Bearer ${LEGACY.bearer}` },
      }),
      apiEvent({
        path: routePath(LEGACY.id, 'create-compute-instance'),
        body: '{',
        headers: { authorization: 'Bearer guessed-token' },
      }),
    ];
    let output = '';
    for (const event of events) {
      await linesOf(event);
      output += written.join('');
      const signature = event.headers['x-signature-256'];
      if (signature !== undefined) expect(output).not.toContain(signature.split('v1=')[1]);
    }
    expect(output).toContain('webhook accepted');
    for (const secret of [...secrets, 'guessed-token', BODY_MARKER]) expect(output).not.toContain(secret);
  });
});
