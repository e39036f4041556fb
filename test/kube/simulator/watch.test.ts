import http from 'node:http';
import { makeInformer } from '@kubernetes/client-node';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { COLLECTION, computeInstance, GROUP, NS, PLURAL, startSim, VERSION } from './support';
import { type Clients, clientsFor, mergePatch, RecordedWatch } from './support/client-node';

describe('kube simulator: watch', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };
  const watches: RecordedWatch[] = [];

  const watch = async (path: string, query: Record<string, string | number | boolean | undefined> = {}) => {
    const recorded = await RecordedWatch.start(clients, path, query);
    watches.push(recorded);
    return recorded;
  };

  beforeAll(async () => {
    sim = await startSim({ namespaces: [NS, 'other'], bookmarkIntervalMs: 50 });
    clients = clientsFor(sim);
  });

  afterEach(() => {
    for (const recorded of watches.splice(0)) recorded.stop();
    sim.reset();
  });

  afterAll(() => sim.close());

  const create = (name: string, namespace = NS, labels?: Record<string, string>) =>
    clients.custom.createNamespacedCustomObject({
      ...ref,
      namespace,
      body: computeInstance(name, {}, labels ? { labels } : {}),
    });
  const label = (name: string, labels: Record<string, string | null>) =>
    clients.custom.patchNamespacedCustomObject({ ...ref, name, body: { metadata: { labels } } }, mergePatch);

  it('sends the current objects as ADDED, then ADDED, MODIFIED and DELETED as they happen', async () => {
    await create('existing');
    const recorded = await watch(COLLECTION);
    await recorded.until((events) => events.length === 1);
    await create('new');
    await label('new', { a: 'b' });
    await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'new' });
    await recorded.until((events) => events.length === 4);
    expect(recorded.summary()).toEqual(['ADDED existing', 'ADDED new', 'MODIFIED new', 'DELETED new']);
    const resourceVersions = recorded.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(resourceVersions).toEqual([...resourceVersions].sort((a, b) => a - b));
  });

  it('resumes after a resourceVersion, replaying only later events', async () => {
    const first = await create('first');
    await create('second');
    await label('first', { x: '1' });
    const recorded = await watch(COLLECTION, { resourceVersion: first.metadata.resourceVersion });
    await recorded.until((events) => events.length === 2);
    expect(recorded.summary()).toEqual(['ADDED second', 'MODIFIED first']);
  });

  it('watches one namespace only, or all on the cluster-wide path', async () => {
    const scoped = await watch(COLLECTION);
    const everywhere = await watch(`/apis/${GROUP}/${VERSION}/${PLURAL}`);
    await create('elsewhere', 'other');
    await create('here');
    await scoped.until((events) => events.length === 1);
    await everywhere.until((events) => events.length === 2);
    expect(scoped.summary()).toEqual(['ADDED here']);
    expect(everywhere.summary()).toEqual(['ADDED elsewhere', 'ADDED here']);
  });

  it('turns label changes into ADDED and DELETED for a selective watch', async () => {
    await create('vm');
    const recorded = await watch(COLLECTION, { labelSelector: 'app=web' });
    await label('vm', { app: 'web' });
    await label('vm', { tier: 'front' });
    await label('vm', { app: null });
    await recorded.until((events) => events.length === 3);
    expect(recorded.summary()).toEqual(['ADDED vm', 'MODIFIED vm', 'DELETED vm']);
  });

  it('sends BOOKMARK events with the current resourceVersion when asked', async () => {
    const created = await create('vm');
    const recorded = await watch(COLLECTION, {
      allowWatchBookmarks: true,
      resourceVersion: created.metadata.resourceVersion,
    });
    await recorded.until((events) => events.some((e) => e.type === 'BOOKMARK'));
    const bookmark = recorded.events.find((e) => e.type === 'BOOKMARK');
    expect(bookmark?.object).toEqual({
      kind: 'ComputeInstance',
      apiVersion: `${GROUP}/${VERSION}`,
      metadata: { resourceVersion: created.metadata.resourceVersion, creationTimestamp: null },
    });
  });

  it('sends no BOOKMARK unless asked', async () => {
    const created = await create('vm');
    const recorded = await watch(COLLECTION, { resourceVersion: created.metadata.resourceVersion });
    const bookmarked = await watch(COLLECTION, {
      resourceVersion: created.metadata.resourceVersion,
      allowWatchBookmarks: true,
    });
    await bookmarked.until((events) => events.filter((e) => e.type === 'BOOKMARK').length >= 2);
    await create('after');
    await recorded.until((events) => events.length === 1);
    expect(recorded.events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('marks the end of initial events for sendInitialEvents (watch-list)', async () => {
    await create('vm');
    const recorded = await watch(COLLECTION, {
      sendInitialEvents: true,
      allowWatchBookmarks: true,
      resourceVersionMatch: 'NotOlderThan',
    });
    await recorded.until((events) =>
      events.some((e) => e.object?.metadata?.annotations?.['k8s.io/initial-events-end']),
    );
    expect(recorded.events[0]).toMatchObject({ type: 'ADDED' });
    expect(recorded.events[1]).toMatchObject({
      type: 'BOOKMARK',
      object: { metadata: { annotations: { 'k8s.io/initial-events-end': 'true' } } },
    });
  });

  it('answers a resourceVersion older than the history with an ERROR event carrying 410 Expired', async () => {
    const small = await startSim({ historyLimit: 2 });
    try {
      const smallClients = clientsFor(small);
      const first = await smallClients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance('a') });
      for (const name of ['b', 'c', 'd']) {
        await smallClients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance(name) });
      }
      const recorded = await RecordedWatch.start(smallClients, COLLECTION, {
        resourceVersion: first.metadata.resourceVersion,
      });
      watches.push(recorded);
      expect(await recorded.ended).toBeNull();
      expect(recorded.events).toHaveLength(1);
      expect(recorded.events[0]?.type).toBe('ERROR');
      expect(recorded.events[0]?.object).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'Expired',
        code: 410,
      });
      expect(recorded.events[0]?.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    } finally {
      await small.close();
    }
  });

  it('ends the watch after timeoutSeconds', async () => {
    const recorded = await watch(COLLECTION, { timeoutSeconds: 1 });
    expect(await recorded.ended).toBeNull();
  });

  it('feeds a client-node informer (list, then watch from the list resourceVersion)', async () => {
    await create('before');
    const informer = makeInformer(clients.kc, COLLECTION, () => clients.custom.listNamespacedCustomObject(ref));
    const seen: string[] = [];
    let notify: () => void = () => undefined;
    const record = (verb: string) => (object: { metadata?: { name?: string } }) => {
      seen.push(`${verb} ${object.metadata?.name}`);
      notify();
    };
    informer.on('add', record('add'));
    informer.on('update', record('update'));
    informer.on('delete', record('delete'));
    const seenCount = (count: number) =>
      new Promise<void>((resolve) => {
        notify = () => {
          if (seen.length >= count) resolve();
        };
        notify();
      });
    await informer.start();
    try {
      await seenCount(1);
      await create('after');
      await label('after', { a: 'b' });
      await clients.custom.deleteNamespacedCustomObject({ ...ref, name: 'before' });
      await seenCount(4);
      expect(seen).toEqual(['add before', 'add after', 'update after', 'delete before']);
      expect(informer.list(NS).map((object) => object.metadata?.name)).toEqual(['after']);
    } finally {
      await informer.stop();
    }
  });

  it('streams newline-delimited JSON events over a chunked response', async () => {
    await create('vm');
    const first = await new Promise<{ headers: http.IncomingHttpHeaders; line: string }>((resolve, reject) => {
      const request = http.get(
        `${sim.url}${COLLECTION}?watch=1`,
        { headers: { Authorization: `Bearer ${sim.token}` } },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
            const end = body.indexOf('\n');
            if (end >= 0) {
              resolve({ headers: response.headers, line: body.slice(0, end) });
              request.destroy();
            }
          });
        },
      );
      request.on('error', reject);
    });
    expect(first.headers['transfer-encoding']).toBe('chunked');
    expect(first.headers['content-type']).toBe('application/json');
    expect(JSON.parse(first.line)).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'vm' } } });
  });
});
