import {
  applyInstance,
  CUT_OFF_THE_FORWARDER,
  deleteInstance,
  eventually,
  NS,
  OTHER_NS,
  statsWhen,
} from './support/cluster';
import { summary } from './support/receiver';
import { useTestbed } from './support/testbed';

/** Where CUT_OFF_THE_FORWARDER applies: the cluster-wide collection; the test writes through the namespaced one. */
const ALL_NAMESPACES = { namespace: undefined };

/** The watch side against the kube simulator: what changes on the cluster reaches the receiver, signed and in order. */
describe('forwarder: watching ComputeInstances', () => {
  const bed = useTestbed();

  const delivered = (): string[] =>
    bed.receiver
      .accepted()
      .map((request) => `${request.type} ${request.name} v${request.object.metadata.labels.version}`);

  it('delivers every change, signed, to the cluster events route, in the order it happened', async () => {
    await applyInstance(bed.sim, 'vm-a');
    await applyInstance(bed.sim, 'vm-elsewhere', '0', OTHER_NS);
    const { forwarder } = bed.start();
    await bed.receiver.untilAccepted(1, 'the initial ADDED');

    await applyInstance(bed.sim, 'vm-b', '1');
    await applyInstance(bed.sim, 'vm-b', '2');
    await applyInstance(bed.sim, 'vm-a', '3');
    await deleteInstance(bed.sim, 'vm-b');
    await applyInstance(bed.sim, 'vm-elsewhere', '1', OTHER_NS);
    await deleteInstance(bed.sim, 'vm-a');
    await bed.receiver.untilAccepted(6, 'six events');

    expect(delivered()).toEqual([
      'ADDED vm-a v0',
      'ADDED vm-b v1',
      'MODIFIED vm-b v2',
      'MODIFIED vm-a v3',
      'DELETED vm-b v2',
      'DELETED vm-a v3',
    ]);
    for (const request of bed.receiver.requests) {
      expect(request).toMatchObject({
        method: 'POST',
        path: '/v1/clusters/local/events',
        contentType: 'application/json',
        signatureValid: true,
        namespace: NS,
      });
      expect(request.object).toMatchObject({ apiVersion: 'osac.openshift.io/v1alpha1', kind: 'ComputeInstance' });
    }
    const versions = bed.receiver.requests.map((request) => Number(request.resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    const stats = await statsWhen(forwarder, (counters) => counters.delivered === 6, 'six deliveries');
    expect(stats).toMatchObject({ received: 6, delivered: 6, retried: 0, rejected: 0, queued: 0 });
  });

  it('watches every namespace when none is given, listing page by page', async () => {
    await applyInstance(bed.sim, 'vm-a');
    await applyInstance(bed.sim, 'vm-elsewhere', '0', OTHER_NS);
    bed.start({ namespace: undefined, listPageSize: 1 });
    await bed.receiver.untilAccepted(2, 'both initial objects');
    await applyInstance(bed.sim, 'vm-elsewhere', '1', OTHER_NS);
    await bed.receiver.untilAccepted(3, 'the change in the other namespace');
    expect(bed.receiver.requests.map((request) => `${request.type} ${request.namespace}/${request.name}`)).toEqual([
      `ADDED ${NS}/vm-a`,
      `ADDED ${OTHER_NS}/vm-elsewhere`,
      `MODIFIED ${OTHER_NS}/vm-elsewhere`,
    ]);
    const lists = bed.sim.requestLog().filter((entry) => entry.method === 'GET' && !entry.watch);
    expect(lists.map((entry) => `${entry.path}${entry.query.includes('continue=') ? ' (next page)' : ''}`)).toEqual([
      '/apis/osac.openshift.io/v1alpha1/computeinstances',
      '/apis/osac.openshift.io/v1alpha1/computeinstances (next page)',
    ]);
  });

  it('keeps trying to list while the API server refuses, then syncs', async () => {
    await applyInstance(bed.sim, 'vm-a');
    bed.sim.setFaults(CUT_OFF_THE_FORWARDER);
    const { forwarder, logs } = bed.start(ALL_NAMESPACES);
    await eventually(() => (logs.find('listing failed').length >= 2 ? true : undefined), 'failed lists');
    expect(forwarder.stats()).toMatchObject({ synced: false, lists: 0, received: 0 });
    expect(logs.find('listing failed')[0]?.attributes.error).toMatch(/HTTP 503/);
    bed.sim.setFaults({});
    await bed.receiver.untilAccepted(1, 'the ADDED after the API server came back');
    expect(forwarder.stats()).toMatchObject({ synced: true, lists: 1 });
  });

  it('resumes the watch after an API-server restart and loses nothing that changed while it was away', async () => {
    await applyInstance(bed.sim, 'vm-a');
    await applyInstance(bed.sim, 'vm-b');
    const { forwarder, logs } = bed.start(ALL_NAMESPACES);
    await bed.receiver.untilAccepted(2, 'the initial objects');
    const seenBefore = forwarder.stats();

    bed.sim.setFaults(CUT_OFF_THE_FORWARDER);
    await bed.sim.restart({ downtimeMs: 50 });
    // The forwarder has found the server gone and is trying again, so what follows happens while it is away.
    await eventually(() => (logs.find('the watch ended').length > 0 ? true : undefined), 'the dropped watch');
    bed.sim.clearRequestLog();
    await applyInstance(bed.sim, 'vm-a', '1');
    await deleteInstance(bed.sim, 'vm-b');
    await applyInstance(bed.sim, 'vm-c', '1');
    bed.sim.setFaults({});

    await bed.receiver.untilAccepted(5, 'the changes made during the outage');
    expect(delivered().slice(2)).toEqual(['MODIFIED vm-a v1', 'DELETED vm-b v0', 'ADDED vm-c v1']);
    // Resumed from where it was, not re-listed: the missed events came from the server's history.
    const stats = await statsWhen(forwarder, (counters) => counters.delivered === 5, 'five deliveries');
    expect(stats.lists).toBe(seenBefore.lists);
    expect(stats.reconnects).toBeGreaterThan(seenBefore.reconnects);
    // …from a resourceVersion older than the first missed change.
    const resumed = bed.sim.requestLog().find((entry) => entry.watch && entry.status === 200);
    const resumedFrom = Number(new URLSearchParams(resumed?.query).get('resourceVersion'));
    expect(resumedFrom).toBeLessThan(Number(bed.receiver.accepted()[2]?.resourceVersion));
  });

  it('re-lists after 410 Gone and turns the differences into events', async () => {
    await applyInstance(bed.sim, 'vm-a');
    await applyInstance(bed.sim, 'vm-b');
    await applyInstance(bed.sim, 'vm-unchanged');
    const { forwarder, logs } = bed.start(ALL_NAMESPACES);
    await bed.receiver.untilAccepted(3, 'the initial objects');
    expect(forwarder.stats().lists).toBe(1);

    bed.sim.setFaults(CUT_OFF_THE_FORWARDER);
    await bed.sim.restart({ downtimeMs: 10 });
    await eventually(() => (logs.find('the watch ended').length > 0 ? true : undefined), 'the dropped watch');
    await applyInstance(bed.sim, 'vm-a', '1');
    await applyInstance(bed.sim, 'vm-a', '2');
    await deleteInstance(bed.sim, 'vm-b');
    await applyInstance(bed.sim, 'vm-c', '1');
    // The history that held those changes is gone: resuming from the forwarder's resourceVersion gets 410.
    await bed.sim.restart({ downtimeMs: 10, compactHistory: true });
    bed.sim.setFaults({});

    await bed.receiver.untilAccepted(6, 'the differences found by the re-list');
    expect(delivered().slice(3)).toEqual(['DELETED vm-b v0', 'MODIFIED vm-a v2', 'ADDED vm-c v1']);
    const stats = await statsWhen(forwarder, (counters) => counters.delivered === 6, 'six deliveries');
    expect(stats).toMatchObject({ lists: 2, received: 6 });
    expect(logs.find('expired (410 Gone)')).toHaveLength(1);

    // And it watches on from the new list.
    await applyInstance(bed.sim, 'vm-c', '2');
    await bed.receiver.untilAccepted(7, 'a change after the re-list');
    expect(delivered().at(-1)).toBe('MODIFIED vm-c v2');
    expect(summary(bed.receiver.requests).every((line) => line.endsWith('→ 200'))).toBe(true);
  });
});
