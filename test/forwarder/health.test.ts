import { type ForwarderState, type ForwarderStats, type HealthServer, startHealthServer } from '../../forwarder/src';

describe('the /healthz endpoint', () => {
  let state: ForwarderState = 'running';
  let server: HealthServer;
  const stats = (): ForwarderStats => ({
    state,
    received: 3,
    delivered: 2,
    retried: 1,
    rejected: 1,
    refusedObjects: [
      {
        namespace: 'osac-computeinstance',
        name: 'vm-bad',
        uid: 'uid-1',
        resourceVersion: '42',
        type: 'ADDED',
        status: 400,
        reason: 'HTTP 400: bad body',
        at: '2026-12-07T10:00:00.000Z',
      },
    ],
    refusing: 1,
    coalesced: 0,
    dropped: 0,
    queued: 1,
    synced: true,
    lists: 1,
    reconnects: 0,
  });

  beforeAll(async () => {
    server = await startHealthServer({ stats }, { port: 0, host: '127.0.0.1' });
  });

  afterAll(() => server.close());

  it.each<[ForwarderState, number, string]>([
    ['created', 503, 'created'],
    ['running', 200, 'ok'],
    ['stopping', 503, 'stopping'],
    ['stopped', 503, 'stopped'],
    ['failed', 503, 'failed'],
  ])('answers a forwarder that is %s with %i', async (current, status, label) => {
    state = current;
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ status: label, ...stats() });
  });

  it.each([
    ['GET', '/metrics', 404],
    ['POST', '/healthz', 405],
  ])('%s %s → %i', async (method, path, status) => {
    expect((await fetch(`${server.url}${path}`, { method })).status).toBe(status);
  });
});
