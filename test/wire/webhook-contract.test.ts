import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  type ChangeEvent,
  type DeliveryOutcome,
  eventsEndpoint,
  WatchedObject,
  WebhookSender,
} from '../../forwarder/src';
import { type IntakeContext, type IntakeOutcome, matchRoute, processWebhook } from '../../lib/intake';
import { ClusterConfig } from '../../lib/k8s/clusters';
import { parseReconcileLimits } from '../../lib/reconcile';
import {
  encodeWebhookEvent,
  parseWebhookPath,
  ROUTE_SEGMENTS,
  type WebhookRoute,
  webhookPath,
  webhookUrl,
} from '../../lib/wire/webhook-contract';
import { makeInstance, NOW } from '../computeinstance/fixtures';

/**
 * The sender and the receiver read one contract: the forwarder's own WebhookSender POSTs to a server that hands
 * the request, as it arrived, to the webhook's own processWebhook. Whatever one side changes on the wire, the other
 * must accept, or this fails.
 */

const CLUSTER = 'prod-east';
const OLD_SECRET = 'contract-old-secret';
const NEW_SECRET = 'contract-new-secret';

interface Received {
  method: string;
  path: string;
  body: string;
  outcome: IntakeOutcome;
}

interface Receiver {
  url: string;
  received: Received[];
  starts: string[];
  close(): Promise<void>;
}

/** The webhook's intake behind a plain HTTP server: no gateway in between that could paper over a mismatch. */
async function startReceiver(secrets: string[]): Promise<Receiver> {
  const received: Received[] = [];
  const starts: string[] = [];
  const cluster = ClusterConfig.parse({
    id: CLUSTER,
    server: 'https://api.prod-east.example:6443',
    token: 'unused',
    webhookSecrets: secrets,
  });
  const sfn = {
    send: async (command: { input: { name: string } }) => {
      starts.push(command.input.name);
      return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:p:${command.input.name}` };
    },
  } as unknown as SFNClient;
  const ctx: IntakeContext = {
    clusters: { get: async (id) => (id === cluster.id ? cluster : undefined) },
    sfn: () => sfn,
    machines: {
      provisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:p',
      deprovisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:d',
    },
    retryLimits: parseReconcileLimits(),
    now: () => new Date(),
    decisionNow: () => NOW,
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(request.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(',') : value]),
      );
      const method = request.method ?? '';
      const path = request.url ?? '';
      void processWebhook({ method, path, headers, body, isBase64Encoded: false }, ctx).then((result) => {
        received.push({ method, path, body, outcome: result.outcome });
        response.writeHead(result.response.statusCode, result.response.headers);
        response.end(result.response.body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    starts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Read as the forwarder reads objects from the API server.
const newInstance: ChangeEvent = { type: 'ADDED', object: WatchedObject.parse(makeInstance()) };
const deleting: ChangeEvent = { type: 'DELETED', object: WatchedObject.parse(makeInstance({ deleting: true })) };

describe('the forwarder and the webhook share one wire contract', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver([OLD_SECRET, NEW_SECRET]);
  });
  afterEach(() => receiver.close());

  const send = (event: ChangeEvent, secret: string, url = receiver.url): Promise<DeliveryOutcome> =>
    new WebhookSender({ url, cluster: CLUSTER, requestTimeoutMs: 5_000 }, secret).send(event);

  it.each<[string, ChangeEvent, string, DeliveryOutcome, Partial<IntakeOutcome>]>([
    [
      'a new instance, signed with the current secret',
      newInstance,
      NEW_SECRET,
      { kind: 'delivered', status: 202 },
      { kind: 'accepted', action: 'provision' },
    ],
    [
      'a deletion, signed with the secret being rotated out',
      deleting,
      OLD_SECRET,
      { kind: 'delivered', status: 202 },
      { kind: 'accepted', action: 'deprovision' },
    ],
    [
      'a new instance, signed with a secret the cluster does not hold',
      newInstance,
      'not-this-clusters-secret',
      { kind: 'rejected', status: 401, reason: expect.stringContaining('HTTP 401') },
      { kind: 'rejected', reason: 'unauthenticated' },
    ],
  ])('%s: the webhook verifies and reads what the forwarder sent', async (_case, event, secret, delivery, outcome) => {
    expect(await send(event, secret)).toEqual(delivery);
    expect(receiver.received).toHaveLength(1);
    const [request] = receiver.received;
    expect(request?.outcome).toMatchObject(outcome);
    // The route and the exact bytes the contract defines, nothing re-serialised on the way.
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(webhookPath(CLUSTER, 'events'));
    expect(request?.body).toBe(encodeWebhookEvent(event));
    expect(receiver.starts).toHaveLength(outcome.kind === 'accepted' ? 1 : 0);
  });

  it('a base URL ending in a slash still reaches the events route', async () => {
    expect(await send(newInstance, NEW_SECRET, `${receiver.url}/`)).toEqual({ kind: 'delivered', status: 202 });
    expect(receiver.received[0]?.path).toBe('/v1/clusters/prod-east/events');
  });
});

describe('routes', () => {
  it.each<[WebhookRoute, string]>([
    ['events', '/v1/clusters/prod-east/events'],
    ['create', '/v1/clusters/prod-east/create-compute-instance'],
    ['delete', '/v1/clusters/prod-east/delete-compute-instance'],
  ])('%s is %s, and the webhook matches it back', (route, path) => {
    expect(webhookPath(CLUSTER, route)).toBe(path);
    expect(parseWebhookPath(path)).toEqual({ cluster: CLUSTER, route });
    expect(matchRoute('POST', path)).toEqual({ kind: 'route', route, cluster: CLUSTER });
  });

  it('every route the contract names is one the webhook serves', () => {
    for (const route of Object.keys(ROUTE_SEGMENTS) as WebhookRoute[]) {
      expect(matchRoute('POST', webhookPath(CLUSTER, route))).toMatchObject({ kind: 'route', route });
    }
  });

  it.each([
    ['/v1/clusters/prod-east/unknown'],
    ['/v1/clusters//events'],
    ['/v2/clusters/prod-east/events'],
    ['/v1/clusters/prod-east/events/extra'],
  ])('%s names no route', (path) => {
    expect(parseWebhookPath(path)).toBeUndefined();
    expect(matchRoute('POST', path)).toEqual({ kind: 'not-found' });
  });

  it('the forwarder posts to the URL the contract builds, under a stage prefix too', () => {
    expect(eventsEndpoint('https://api.example/prod/', CLUSTER)).toBe(
      webhookUrl('https://api.example/prod', CLUSTER, 'events'),
    );
    expect(eventsEndpoint('https://api.example/prod', CLUSTER)).toBe(
      'https://api.example/prod/v1/clusters/prod-east/events',
    );
  });
});
