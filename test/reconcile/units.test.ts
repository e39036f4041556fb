import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { handler } from '../../functions/reconcile';
import {
  emptyReport,
  forEachLimited,
  InvalidReconcileSettings,
  loadReconcileLimits,
  MissingStateMachine,
  parseReconcileLimits,
  publishReport,
  reconcileStateMachines,
  reportMetrics,
  runDeadlineMs,
  scheduledRunLimits,
} from '../../lib/reconcile';
import { resetWorkflowContext } from '../../lib/workflow/context';

describe('reconcile settings', () => {
  it('defaults to 8 in flight, 100 starts, 20 retries and pages of 500', () => {
    expect(loadReconcileLimits({})).toEqual({ concurrency: 8, maxStarts: 100, stalledAfterRetries: 3, pageSize: 500 });
    expect(parseReconcileLimits()).toMatchObject({
      concurrency: 8,
      maxStarts: 100,
      stalledAfterRetries: 3,
      pageSize: 500,
    });
  });

  it('reads RECONCILE_* variables', () => {
    const env = {
      RECONCILE_CONCURRENCY: '4',
      RECONCILE_MAX_STARTS: '0',
      RECONCILE_STALLED_AFTER_RETRIES: '5',
      RECONCILE_PAGE_SIZE: '250',
    };
    expect(loadReconcileLimits(env)).toEqual({ concurrency: 4, maxStarts: 0, stalledAfterRetries: 5, pageSize: 250 });
  });

  it.each([
    ['RECONCILE_CONCURRENCY', '0'],
    ['RECONCILE_CONCURRENCY', '1.5'],
    ['RECONCILE_MAX_STARTS', 'many'],
    ['RECONCILE_STALLED_AFTER_RETRIES', '-1'],
    ['RECONCILE_PAGE_SIZE', '100000'],
  ])('names a bad %s (%s)', (name, value) => {
    expect(() => loadReconcileLimits({ [name]: value })).toThrow(InvalidReconcileSettings);
    expect(() => loadReconcileLimits({ [name]: value })).toThrow(new RegExp(`${name}: `));
  });

  it('refuses limits it does not know, so a typo is not silently ignored', () => {
    expect(() => parseReconcileLimits({ maxStart: 3 } as never)).toThrow(/maxStart/);
  });
});

describe('what a scheduled run needs before it starts', () => {
  const P = 'arn:aws:states:us-east-1:000000000000:stateMachine:p';
  const D = 'arn:aws:states:us-east-1:000000000000:stateMachine:d';

  it.each<[Record<string, string | undefined>, string | null]>([
    [{ PROVISION_STATE_MACHINE_ARN: P, DEPROVISION_STATE_MACHINE_ARN: D }, null],
    [{ PROVISION_STATE_MACHINE_ARN: P }, 'set DEPROVISION_STATE_MACHINE_ARN:'],
    [{ DEPROVISION_STATE_MACHINE_ARN: D, PROVISION_STATE_MACHINE_ARN: '' }, 'set PROVISION_STATE_MACHINE_ARN:'],
    [{}, 'set PROVISION_STATE_MACHINE_ARN and DEPROVISION_STATE_MACHINE_ARN:'],
  ])('state machines from %j', (settings, refusal) => {
    if (refusal === null) {
      expect(reconcileStateMachines(settings)).toEqual({ provisionArn: P, deprovisionArn: D });
    } else {
      expect(() => reconcileStateMachines(settings)).toThrow(MissingStateMachine);
      expect(() => reconcileStateMachines(settings)).toThrow(refusal);
    }
  });

  it.each<[number | undefined, number | undefined]>([
    [undefined, undefined],
    [0, undefined],
    [-5, undefined],
    // A quarter of a short invocation is kept back...
    [20_000, 1_000_000 + 15_000],
    // ...and 15 s of a long one.
    [900_000, 1_000_000 + 885_000],
  ])('with %p ms left the run stops examining instances at %p', (remainingMs, expected) => {
    expect(runDeadlineMs(remainingMs, 1_000_000)).toBe(expected);
  });

  it('limits a run by the environment, the shared launch-intent TTL and the invocation', () => {
    expect(
      scheduledRunLimits({
        env: { RECONCILE_MAX_STARTS: '7' },
        launchIntentTtlSeconds: 120,
        remainingMs: 900_000,
        nowMs: 1_000_000,
      }),
    ).toEqual({
      concurrency: 8,
      maxStarts: 7,
      stalledAfterRetries: 3,
      pageSize: 500,
      launchIntentTtlMs: 120_000,
      deadlineMs: 1_885_000,
    });
    expect(
      scheduledRunLimits({ env: {}, launchIntentTtlSeconds: 300, remainingMs: undefined, nowMs: 0 }),
    ).not.toHaveProperty('deadlineMs');
  });
});

describe('report metrics', () => {
  it('publishes one Count per figure of the report, zeros included', () => {
    const report = {
      ...emptyReport(),
      started: { provision: 3, deprovision: 1 },
      restarted: 2,
      capped: 7,
      failedClusters: ['down'],
    };
    const added: Array<[string, string, number]> = [];
    publishReport({ addMetric: (name, unit, value) => added.push([name, unit, value]) }, report);
    expect(added).toEqual(reportMetrics(report).map(({ name, value }) => [name, MetricUnit.Count, value]));
    expect(Object.fromEntries(reportMetrics(report).map(({ name, value }) => [name, value]))).toEqual({
      ReconcileStartedProvision: 3,
      ReconcileStartedDeprovision: 1,
      ReconcileRestarted: 2,
      ReconcileAlreadyRunning: 0,
      ReconcileIgnored: 0,
      ReconcileErrors: 0,
      ReconcileInvalidObjects: 0,
      ReconcileStalledWork: 0,
      ReconcileAapCalls: 0,
      ReconcileInstances: 0,
      ReconcileClusters: 0,
      ReconcileClustersFailed: 1,
      ReconcileCapped: 7,
    });
  });
});

/** A task the test finishes by hand, so concurrency is observed without any timing. */
function deferred() {
  let resolve: () => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachLimited', () => {
  it.each([1, 3, 8])('keeps at most %i calls in flight and takes items in order', async (concurrency) => {
    const gates = Array.from({ length: 10 }, deferred);
    const startedOrder: number[] = [];
    let inFlight = 0;
    let peak = 0;
    const done = forEachLimited([...gates.keys()], concurrency, async (index) => {
      startedOrder.push(index);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await gates[index]?.promise;
      inFlight--;
    });
    for (const gate of gates) {
      await flush();
      gate.resolve();
    }
    await done;
    expect(peak).toBe(concurrency);
    expect(startedOrder).toEqual([...gates.keys()]);
  });

  it('stops taking items after a failure, and rejects only once the calls in flight have ended', async () => {
    const gates = Array.from({ length: 6 }, deferred);
    const started: number[] = [];
    let settled = false;
    const done = forEachLimited([...gates.keys()], 2, async (index) => {
      started.push(index);
      await gates[index]?.promise;
    }).finally(() => {
      settled = true;
    });
    await flush();
    gates[0]?.reject(new Error('boom'));
    await flush();
    expect(settled).toBe(false);
    gates[1]?.resolve();
    await expect(done).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });

  it('refuses a concurrency below one', async () => {
    await expect(forEachLimited([1], 0, async () => undefined)).rejects.toThrow(/concurrency/);
  });
});

describe('the reconcile handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    resetWorkflowContext();
  });

  it('refuses to run without both state machine ARNs, saying which settings to set', async () => {
    process.env.AAP_URL = 'https://aap.example.test/api/controller';
    process.env.AAP_TOKEN = 'not-used';
    process.env.CLUSTERS_FILE = '/nonexistent/clusters.json';
    process.env.PROVISION_STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:p';
    delete process.env.DEPROVISION_STATE_MACHINE_ARN;
    resetWorkflowContext();
    const context = { getRemainingTimeInMillis: () => 60_000 } as unknown as Context;
    await expect(handler({}, context)).rejects.toMatchObject({
      name: 'MissingStateMachine',
      message: expect.stringMatching(/DEPROVISION_STATE_MACHINE_ARN/),
    });
  });
});
