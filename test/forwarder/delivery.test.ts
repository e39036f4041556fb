import type { Forwarder, ForwarderOptionsInput } from '../../forwarder/src';
import { applyInstance, type RecordingLogger, SECRET, statsWhen } from './support/cluster';
import { type Answer, gate, summary } from './support/receiver';
import { useTestbed } from './support/testbed';

/** The delivery side: retries, refusals, a full queue and shutdown, against a receiver told how to answer. */
describe('forwarder: delivering to the webhook', () => {
  const bed = useTestbed();
  let logs: RecordingLogger;

  function start(options: Partial<ForwarderOptionsInput> = {}): Forwarder {
    const started = bed.start(options);
    logs = started.logs;
    return started.forwarder;
  }

  /** Answers `first` to the first `times` requests, 200 after. */
  const failing =
    (first: Answer, times: number) =>
    (_request: unknown, index: number): Answer =>
      index < times ? first : 200;

  it.each<[string, Answer]>([
    ['500', 500],
    ['503 with a body', { status: 503, body: 'maintenance' }],
    ['429 with Retry-After', { status: 429, headers: { 'Retry-After': '0' } }],
    ['a dropped connection', 'drop'],
  ])('retries after %s, then delivers the same event', async (_case, answer) => {
    await applyInstance(bed.sim, 'vm-a');
    bed.receiver.respondWith(failing(answer, 2));
    const running = start();
    const stats = await statsWhen(running, (counters) => counters.delivered === 1, 'the delivery');
    expect(stats).toMatchObject({ received: 1, delivered: 1, retried: 2, rejected: 0, dropped: 0, queued: 0 });
    expect(
      bed.receiver.requests.map((request) => `${request.type} ${request.name}@${request.resourceVersion}`),
    ).toEqual(Array(3).fill(`ADDED vm-a@${bed.receiver.requests[0]?.resourceVersion}`));
    expect(bed.receiver.requests.every((request) => request.signatureValid)).toBe(true);
    expect(logs.find('delivery failed; retrying')).toHaveLength(2);
  });

  it('keeps the order of one object across retries', async () => {
    await applyInstance(bed.sim, 'vm-a');
    const held = gate();
    // The first delivery fails until released; the changes made meanwhile must wait behind it.
    bed.receiver.respondWith(async (_request, index) => (index === 0 ? held.wait.then(() => 500) : 200));
    const running = start();
    await bed.receiver.until((requests) => requests.length === 1, 'the first attempt');
    await applyInstance(bed.sim, 'vm-a', '1');
    await applyInstance(bed.sim, 'vm-a', '2');
    await statsWhen(running, (counters) => counters.received === 3, 'the changes reaching the queue');
    held.open();
    await bed.receiver.untilAccepted(3);
    expect(summary(bed.receiver.requests)).toEqual([
      'ADDED vm-a → 500',
      'ADDED vm-a → 200',
      'MODIFIED vm-a → 200',
      'MODIFIED vm-a → 200',
    ]);
    expect(bed.receiver.accepted().map((request) => request.object.metadata.labels.version)).toEqual(['0', '1', '2']);
  });

  it.each([400, 401, 404, 422])(
    'does not resend an event the webhook refuses with %i: counts, logs and lists it until fixed, and goes on',
    async (status) => {
      await applyInstance(bed.sim, 'vm-a');
      await applyInstance(bed.sim, 'vm-bad');
      await applyInstance(bed.sim, 'vm-c');
      bed.receiver.respondWith((request) =>
        request.name === 'vm-bad' ? { status, body: `refused: ${request.name} is not welcome` } : 200,
      );
      const running = start();
      const stats = await statsWhen(running, (counters) => counters.delivered + counters.rejected === 3, 'all answers');
      expect(stats).toMatchObject({ received: 3, delivered: 2, rejected: 1, retried: 0, queued: 0 });
      expect(summary(bed.receiver.requests)).toEqual([
        'ADDED vm-a → 200',
        `ADDED vm-bad → ${status}`,
        'ADDED vm-c → 200',
      ]);
      const [logged] = logs.find('rejected');
      expect(logged?.level).toBe('error');
      expect(logged?.attributes.event).toMatch(/^ADDED osac-computeinstance\/vm-bad \(rv \d+\)$/);
      expect(logged?.attributes).toMatchObject({ namespace: 'osac-computeinstance', name: 'vm-bad', status });
      expect(logged?.attributes.reason).toBe(`HTTP ${status}: refused: vm-bad is not welcome`);
      expect(JSON.stringify(logs.entries)).not.toContain(SECRET);
      // Kept visible until a later change of the object is accepted.
      expect(stats.refusing).toBe(1);
      expect(stats.refusedObjects).toEqual([
        expect.objectContaining({
          namespace: 'osac-computeinstance',
          name: 'vm-bad',
          type: 'ADDED',
          status,
          reason: `HTTP ${status}: refused: vm-bad is not welcome`,
        }),
      ]);
      bed.receiver.respondWith(() => 200);
      await applyInstance(bed.sim, 'vm-bad', '1');
      const healed = await statsWhen(running, (counters) => counters.delivered === 3, 'the fixed object delivered');
      expect(healed).toMatchObject({ refusing: 0, refusedObjects: [] });
    },
  );

  describe('a full queue', () => {
    /** Holds the first delivery until released, so everything after it piles up in the queue. */
    async function startBlocked(queueCapacity: number) {
      const held = gate();
      bed.receiver.respondWith(async (_request, index) => {
        if (index === 0) await held.wait;
        return 200;
      });
      const running = start({ queueCapacity });
      await bed.receiver.until((requests) => requests.length === 1, 'the held first delivery');
      return { running, release: held.open };
    }

    it('coalesces to the newest event of each object before it drops anything', async () => {
      await applyInstance(bed.sim, 'vm-a');
      const { running, release } = await startBlocked(2);
      await applyInstance(bed.sim, 'vm-a', '1');
      await applyInstance(bed.sim, 'vm-a', '2');
      await applyInstance(bed.sim, 'vm-a', '3'); // full: [a1 a2 a3] → [a3]
      await applyInstance(bed.sim, 'vm-b', '1');
      await applyInstance(bed.sim, 'vm-a', '4'); // full: [a3 b1 a4] → [b1 a4]
      await statsWhen(running, (counters) => counters.received === 6, 'all changes queued');
      release();
      const stats = await statsWhen(running, (counters) => counters.queued === 0, 'the queue to drain');
      expect(stats).toMatchObject({ received: 6, delivered: 3, coalesced: 3, dropped: 0 });
      expect(
        bed.receiver.requests.map(
          (request) => `${request.type} ${request.name} v${request.object.metadata.labels.version}`,
        ),
      ).toEqual(['ADDED vm-a v0', 'ADDED vm-b v1', 'MODIFIED vm-a v4']);
      const coalesced = logs.find('coalesced').flatMap((entry) => entry.attributes.coalesced as string[]);
      expect(coalesced.map((line) => line.replace(/ \(rv \d+\)$/, ''))).toEqual([
        'MODIFIED osac-computeinstance/vm-a',
        'MODIFIED osac-computeinstance/vm-a',
        'MODIFIED osac-computeinstance/vm-a',
      ]);
    });

    it('drops the oldest event, counted and logged, when every queued event is its object’s newest', async () => {
      await applyInstance(bed.sim, 'vm-a');
      const { running, release } = await startBlocked(2);
      await applyInstance(bed.sim, 'vm-b');
      await applyInstance(bed.sim, 'vm-c');
      await applyInstance(bed.sim, 'vm-d'); // full: [b c d], nothing to coalesce → b goes
      await statsWhen(running, (counters) => counters.received === 4, 'all changes queued');
      release();
      const stats = await statsWhen(running, (counters) => counters.queued === 0, 'the queue to drain');
      expect(stats).toMatchObject({ received: 4, delivered: 3, coalesced: 0, dropped: 1 });
      expect(bed.receiver.requests.map((request) => request.name)).toEqual(['vm-a', 'vm-c', 'vm-d']);
      const [dropped] = logs.find('dropped');
      expect(dropped?.attributes.event).toMatch(/^ADDED osac-computeinstance\/vm-b /);
    });
  });

  describe('stop', () => {
    it('lets the POST on the wire finish and reports what is still queued', async () => {
      await applyInstance(bed.sim, 'vm-a');
      await applyInstance(bed.sim, 'vm-b');
      await applyInstance(bed.sim, 'vm-c');
      const held = gate();
      bed.receiver.respondWith(async (_request, index) => {
        if (index === 0) await held.wait;
        return 200;
      });
      const running = start();
      await statsWhen(running, (counters) => counters.received === 3, 'the initial list');
      await bed.receiver.until((requests) => requests.length === 1, 'the first POST');
      let stopped = false;
      const stopping = running.stop().then((report) => {
        stopped = true;
        return report;
      });
      await statsWhen(running, (counters) => counters.state === 'stopping', 'stopping');
      expect(stopped).toBe(false);
      held.open();
      const report = await stopping;
      expect(report).toMatchObject({ undelivered: 2, stats: { state: 'stopped', delivered: 1, queued: 2 } });
      expect(summary(bed.receiver.requests)).toEqual(['ADDED vm-a → 200']);
      const [warning] = logs.find('still queued');
      expect(warning?.attributes.events).toEqual([
        expect.stringMatching(/^ADDED osac-computeinstance\/vm-b \(rv \d+\)$/),
        expect.stringMatching(/^ADDED osac-computeinstance\/vm-c \(rv \d+\)$/),
      ]);
      expect(await running.finished).toBe(report);
    });

    it('counts an event waiting for its next retry as undelivered', async () => {
      await applyInstance(bed.sim, 'vm-a');
      bed.receiver.respondWith(() => 503);
      const running = start({ deliveryBackoff: { baseDelayMs: 60_000, maxDelayMs: 60_000 } });
      await statsWhen(running, (counters) => counters.retried === 1, 'the first retry wait');
      const report = await running.stop();
      expect(report).toMatchObject({ undelivered: 1, stats: { delivered: 0, retried: 1, queued: 1 } });
    });
  });
});
