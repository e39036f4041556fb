import type { KubeSimulator } from '../../../local/kube-simulator';
import { COLLECTION, computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure, mergePatch, RecordedWatch } from './support/client-node';

describe('kube simulator: faults, admin endpoints, restart', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };

  beforeAll(async () => {
    sim = await startSim();
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  beforeEach(async () => {
    sim.reset();
    await clients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance('vm-1') });
  });

  const patchLabel = (value: string) =>
    clients.custom.patchNamespacedCustomObject(
      { ...ref, name: 'vm-1', body: { metadata: { labels: { v: value } } } },
      mergePatch,
    );

  describe('conflictRate', () => {
    it('answers every write to an object with 409 Conflict at rate 1, without applying it', async () => {
      sim.setFaults({ conflictRate: 1 });
      const { code, status } = await failure(patchLabel('x'));
      expect(code).toBe(409);
      expect(status.message).toBe(
        'Operation cannot be fulfilled on computeinstances.osac.openshift.io "vm-1": the object has been modified; please apply your changes to the latest version and try again',
      );
      expect((await raw(sim, 'DELETE', `${COLLECTION}/vm-1`)).status).toBe(409);
      const read = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-1' });
      expect(read.metadata.labels).toBeUndefined();
      expect(sim.requestLog().filter((entry) => entry.fault === 'conflict')).toHaveLength(2);
    });

    it('leaves reads and creates alone', async () => {
      sim.setFaults({ conflictRate: 1 });
      expect((await raw(sim, 'GET', `${COLLECTION}/vm-1`)).status).toBe(200);
      expect((await raw(sim, 'POST', COLLECTION, { body: computeInstance('vm-2') })).status).toBe(201);
    });

    it('produces a storm a retrying writer gets through, reproducibly with a seed', async () => {
      const outcomes = async (): Promise<number[]> => {
        sim.setFaults({ conflictRate: 0.5, seed: 42 });
        const codes: number[] = [];
        for (let i = 0; i < 20; i++) {
          codes.push(
            (
              await raw(sim, 'PATCH', `${COLLECTION}/vm-1`, {
                body: { metadata: { labels: { i: String(i) } } },
                contentType: 'application/merge-patch+json',
              })
            ).status,
          );
        }
        return codes;
      };
      const first = await outcomes();
      expect(first).toContain(409);
      expect(first).toContain(200);
      expect(await outcomes()).toEqual(first);
    });
  });

  describe('errorRate', () => {
    it.each([
      [500, 'InternalError'],
      [503, 'ServiceUnavailable'],
      [504, 'Timeout'],
    ])('answers any API request with %i at rate 1', async (errorStatus, reason) => {
      sim.setFaults({ errorRate: 1, errorStatus });
      for (const path of ['/api', COLLECTION, `${COLLECTION}/vm-1`]) {
        const response = await raw(sim, 'GET', path);
        expect(response.status).toBe(errorStatus);
        expect(response.body).toMatchObject({ kind: 'Status', reason, code: errorStatus });
      }
      expect((await raw(sim, 'GET', '/healthz')).status).toBe(200);
    });

    it('faults only paths matching pathFilter', async () => {
      sim.setFaults({ errorRate: 1, pathFilter: '/status$' });
      expect((await raw(sim, 'GET', `${COLLECTION}/vm-1`)).status).toBe(200);
      expect((await raw(sim, 'GET', `${COLLECTION}/vm-1/status`)).status).toBe(500);
    });
  });

  it('adds latency to API requests and marks them in the request log', async () => {
    sim.setFaults({ latencyMs: 150, pathFilter: 'computeinstances/vm-1$' });
    const started = performance.now();
    expect((await raw(sim, 'GET', `${COLLECTION}/vm-1`)).status).toBe(200);
    // A lower bound only: the fault must delay the answer by at least its latency (timers never fire early).
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(sim.requestLog().at(-1)).toMatchObject({ path: `${COLLECTION}/vm-1`, fault: 'latency', status: 200 });
  });

  describe('admin endpoints (no token)', () => {
    it('sets, reads and clears faults over HTTP', async () => {
      const set = await raw(sim, 'PUT', '/_sim/faults', { token: null, body: { conflictRate: 1 } });
      expect(set.status).toBe(200);
      expect(set.body).toMatchObject({ conflictRate: 1, errorRate: 0, latencyMs: 0 });
      expect((await failure(patchLabel('x'))).code).toBe(409);
      expect((await raw(sim, 'GET', '/_sim/faults', { token: null })).body.conflictRate).toBe(1);
      await raw(sim, 'PUT', '/_sim/faults', { token: null, body: {} });
      expect((await patchLabel('x')).metadata.labels).toEqual({ v: 'x' });
    });

    it.each([
      [{ conflictRate: 2 }, 'conflictRate'],
      [{ errorStatus: 404 }, 'errorStatus'],
      [{ pathFilter: '(' }, 'pathFilter: must be a valid regular expression'],
      [{ surprise: true }, 'surprise'],
    ])('refuses invalid faults %j with 400', async (body, message) => {
      const response = await raw(sim, 'PUT', '/_sim/faults', { token: null, body });
      expect(response.status).toBe(400);
      expect(response.body.message).toContain(message);
    });

    it('lists objects, requests (without the token) and resets', async () => {
      const objects = await raw(sim, 'GET', '/_sim/objects?kind=ComputeInstance', { token: null });
      expect(objects.body.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(['vm-1']);
      const requests = await raw(sim, 'GET', '/_sim/requests', { token: null });
      expect(requests.body.at(-1)).toMatchObject({ method: 'POST', path: COLLECTION, status: 201 });
      expect(requests.text).not.toContain(sim.token);
      expect((await raw(sim, 'POST', '/_sim/reset', { token: null })).status).toBe(200);
      expect(sim.objects({ kind: 'ComputeInstance' })).toEqual([]);
      expect(
        sim
          .objects({ kind: 'Namespace' })
          .map((o) => (o.metadata as { name: string }).name)
          .sort(),
      ).toEqual(['default', NS]);
    });
  });

  describe('restart', () => {
    it('drops open watches, then serves the same data on the same port', async () => {
      const recorded = await RecordedWatch.start(clients, COLLECTION, {});
      await recorded.until((events) => events.length === 1);
      const port = sim.port;
      const restarting = sim.restart({ downtimeMs: 50 });
      // An abrupt drop, as from a crashed server: the stream errors instead of ending cleanly (done(null)).
      expect(((await recorded.ended) as Error | null)?.message).toBe('terminated');
      await restarting;
      expect(sim.port).toBe(port);
      const read = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-1' });
      expect(read.spec.cores).toBe(2);
      const resumed = await RecordedWatch.start(clients, COLLECTION, {
        resourceVersion: read.metadata.resourceVersion,
      });
      try {
        await patchLabel('after-restart');
        await resumed.until((events) => events.length === 1);
        expect(resumed.summary()).toEqual(['MODIFIED vm-1']);
      } finally {
        resumed.stop();
      }
    });

    it('can compact the history so earlier resourceVersions get 410', async () => {
      const read = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-1' });
      await patchLabel('before-restart');
      await sim.restart({ downtimeMs: 10, compactHistory: true });
      const recorded = await RecordedWatch.start(clients, COLLECTION, {
        resourceVersion: read.metadata.resourceVersion,
      });
      await recorded.ended;
      expect(recorded.events[0]?.object).toMatchObject({ reason: 'Expired', code: 410 });
    });
  });
});
