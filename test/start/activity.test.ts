import type { Context } from 'aws-lambda';
import { emptyReport, type ReconcileReport } from '../../lib/reconcile';
import type { GatewayAccessEntry } from '../../local/gateway';
import { describeWebhook } from '../../local/system/banner';
import { describeReconcileReport, scheduleReconciler } from '../../local/system/reconciler';

/** What `npm start` does besides starting things: the reconciler's schedule, and the activity lines it prints. */

function report(overrides: Partial<ReconcileReport> = {}): ReconcileReport {
  return { ...emptyReport(), ignored: 3, aapCalls: 1, instances: 3, clusters: 1, ...overrides };
}

describe('the reconciler schedule', () => {
  it('runs the function with a scheduled event, one run at a time, and stops cleanly', async () => {
    const calls: Array<{ event: Record<string, unknown>; context: Context }> = [];
    let inFlight = 0;
    let overlapped = false;
    let releaseThird: (() => void) | undefined;
    let thirdStarted!: () => void;
    const third = new Promise<void>((resolve) => {
      thirdStarted = resolve;
    });
    const reports: ReconcileReport[] = [];
    const reconciler = scheduleReconciler({
      functionName: 'cloudkit-provisioner-local-reconcile',
      intervalMs: 5,
      handler: async (event, context) => {
        calls.push({ event: event as Record<string, unknown>, context });
        inFlight += 1;
        overlapped ||= inFlight > 1;
        if (calls.length === 3) {
          thirdStarted();
          await new Promise<void>((resolve) => {
            releaseThird = resolve;
          });
        }
        inFlight -= 1;
        return report({ instances: calls.length });
      },
      onReport: (r) => reports.push(r),
      onError: (error) => {
        throw error;
      },
    });
    await third;
    const stopping = reconciler.stop();
    // stop() waits for the run in progress…
    let stopped = false;
    void stopping.then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    releaseThird?.();
    await stopping;
    // …and no run starts after it.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toHaveLength(3);
    expect(overlapped).toBe(false);
    expect(reports.map((r) => r.instances)).toEqual([1, 2, 3]);
    expect(calls[0]?.event).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} });
    expect(calls[0]?.context.functionName).toBe('cloudkit-provisioner-local-reconcile');
    expect(calls[0]?.context.awsRequestId).toBe(calls[0]?.event.id);
  });

  it('reports a failed run and keeps to its schedule', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    let secondRun!: () => void;
    const second = new Promise<void>((resolve) => {
      secondRun = resolve;
    });
    const reconciler = scheduleReconciler({
      functionName: 'cloudkit-provisioner-local-reconcile',
      intervalMs: 5,
      handler: async () => {
        calls += 1;
        if (calls === 2) secondRun();
        if (calls === 1) throw new Error('cluster local unreachable');
        return report();
      },
      onReport: () => undefined,
      onError: (error) => errors.push(error),
    });
    await second;
    await reconciler.stop();
    expect(errors).toEqual([new Error('cluster local unreachable')]);
  });
});

describe('activity lines', () => {
  it.each([
    ['found all in order', report(), undefined],
    ['found work already running', report({ alreadyRunning: 2 }), undefined],
    [
      'started a provision',
      report({ started: { provision: 1, deprovision: 0 } }),
      'reconciler: 3 instances; started 1 provision, 0 deprovision, 0 retries; 0 errors',
    ],
    [
      'restarted work and could not reach a cluster',
      report({ restarted: 2, errors: 1, failedClusters: ['east'] }),
      'reconciler: 3 instances; started 0 provision, 0 deprovision, 2 retries; 1 errors (unreachable: east)',
    ],
  ])('a reconcile run that %s', (_label, given, line) => {
    expect(describeReconcileReport(given)).toBe(line);
  });

  const entry = (statusCode: number, response: unknown): GatewayAccessEntry => ({
    method: 'POST',
    path: '/v1/clusters/local/events',
    routeKey: 'POST /v1/clusters/{cluster}/events',
    statusCode,
    response,
  });
  it.each([
    [
      'started a provision',
      entry(202, { action: 'provision', executionName: 'provision-ns-a-1234-g1', duplicate: false }),
      'webhook: POST /v1/clusters/local/events → 202 provision provision-ns-a-1234-g1',
    ],
    [
      'found it already started',
      entry(202, { action: 'deprovision', executionName: 'deprovision-ns-a-1234', duplicate: true }),
      'webhook: POST /v1/clusters/local/events → 202 deprovision deprovision-ns-a-1234 (already started)',
    ],
    ['ignored the event', entry(200, { action: 'ignored', reason: 'configuration applied' }), undefined],
    [
      'refused the signature',
      entry(401, { message: 'invalid or missing signature' }),
      'webhook: POST /v1/clusters/local/events → 401 invalid or missing signature',
    ],
    ['was unavailable', entry(503, undefined), 'webhook: POST /v1/clusters/local/events → 503'],
    ['matched no route (the console)', { ...entry(404, { message: 'Not Found' }), routeKey: undefined }, undefined],
  ])('a webhook answer that %s', (_label, given, line) => {
    expect(describeWebhook(given)).toBe(line);
  });
});
