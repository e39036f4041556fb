import type { Context } from 'aws-lambda';
import type { ComputeInstance } from '../../lib/computeinstance';
import { LOCAL_CLUSTER_ID, type LocalStack, startLocalStack } from '../../local/stack';
import { bodyOf, lambdaContext, type Route, signedEvent, watchEventBody } from '../intake/support/requests';
import { ClusterClient, deletionInvariants, waitUntilGone } from './harness';

type WebhookHandler = typeof import('../../functions/webhook')['handler'];
type ReconcileHandler = typeof import('../../functions/reconcile')['handler'];

const SECRET = 'date-times-secret';

/**
 * Issue 15, failures #1 and #5, through the webhook as the forwarder delivers events:
 * #1 `restartRequestedAt: "2026-12-07t10:00:00z"` is accepted by the API server; the webhook answered 400 and the
 *    instance was never provisioned, restarted or deprovisioned (finalizer and VM left behind).
 * #5 a restart requested for 2099 was recorded as lastRestartedAt 2099 and hid every later genuine request.
 */
describe('date-times as the API server accepts them, and restarts requested in the future', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let webhook: WebhookHandler;
  let reconcileHandler: ReconcileHandler;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01, webhookSecret: SECRET });
    cluster = new ClusterClient(stack);
    ({ handler: webhook } = await import('../../functions/webhook'));
    ({ handler: reconcileHandler } = await import('../../functions/reconcile'));
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function send(route: Route, body: string) {
    const response = await webhook(signedEvent(LOCAL_CLUSTER_ID, route, body, SECRET), lambdaContext);
    return { status: response.statusCode, body: bodyOf(response) };
  }

  /** The event the forwarder would send for the object as it is now; waits for the execution it starts. */
  async function deliver(type: 'ADDED' | 'MODIFIED' | 'DELETED', name: string): Promise<ComputeInstance | undefined> {
    const current = (await cluster.get(name)) as ComputeInstance;
    const response = await send('events', watchEventBody(type, current));
    expect(response).toMatchObject({ status: 202 });
    expect((await stack.sfn.settled(response.body.executionArn as string)).status).toBe('SUCCEEDED');
    return cluster.get(name);
  }

  const restartCondition = (i: ComputeInstance | undefined) =>
    i?.status?.conditions?.find((c) => c.type === 'RestartInProgress');
  /** `2026-12-07t16:30:05z`: the stack's now, spelled in lower case as the API server allows. */
  const lowerCaseNow = () =>
    stack
      .now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'z')
      .replace('T', 't');

  it('#1: an instance with a lower-case restartRequestedAt is provisioned, restarted and deleted cleanly', async () => {
    await cluster.create('vm-lower', { restartRequestedAt: '2026-12-07t10:00:00z' });
    const provisioned = await deliver('ADDED', 'vm-lower');
    expect(provisioned?.status?.phase).toBe('Running');
    expect(provisioned?.status?.lastRestartedAt).toBe('2026-12-07t10:00:00z');

    const requested = lowerCaseNow();
    await cluster.patchSpec('vm-lower', { restartRequestedAt: requested });
    const restarted = await deliver('MODIFIED', 'vm-lower');
    expect(restarted?.status?.lastRestartedAt).toBe(requested);
    expect(restartCondition(restarted)).toMatchObject({ status: 'False', reason: 'AsExpected' });

    // The reconciler reads it too: nothing refused, nothing in error.
    const report = await reconcileHandler({}, lambdaContext as Context);
    expect(report).toMatchObject({ invalid: 0, errors: 0 });

    await cluster.delete('vm-lower');
    await deliver('DELETED', 'vm-lower');
    await waitUntilGone(cluster, 'vm-lower');
    expect(deletionInvariants(stack, 'vm-lower')).toEqual({
      provisionJobs: 2,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });
  });

  it('#5: a restart requested for 2099 is refused with a condition and does not block a genuine one', async () => {
    await cluster.create('vm-future');
    const first = await deliver('ADDED', 'vm-future');
    expect(first?.status?.lastRestartedAt).toBeUndefined();

    await cluster.patchSpec('vm-future', { restartRequestedAt: '2099-01-01T00:00:00Z' });
    const refused = await deliver('MODIFIED', 'vm-future');
    expect(refused?.status?.lastRestartedAt).toBeUndefined();
    expect(restartCondition(refused)).toMatchObject({
      status: 'False',
      reason: 'RestartRequestedInFuture',
      message: expect.stringContaining('2099-01-01T00:00:00Z is later than now'),
    });

    const genuine = lowerCaseNow();
    await cluster.patchSpec('vm-future', { restartRequestedAt: genuine });
    const restarted = await deliver('MODIFIED', 'vm-future');
    expect(restarted?.status?.lastRestartedAt).toBe(genuine);
    expect(restartCondition(restarted)).toMatchObject({ status: 'False', reason: 'AsExpected' });
  });

  it('#5 repaired: a lastRestartedAt of 2099 left by the old bug does not block a genuine request', async () => {
    await cluster.create('vm-repaired');
    await deliver('ADDED', 'vm-repaired');
    await cluster.patchStatus('vm-repaired', { lastRestartedAt: '2099-01-01T00:00:00Z' });

    const genuine = lowerCaseNow();
    await cluster.patchSpec('vm-repaired', { restartRequestedAt: genuine });
    const restarted = await deliver('MODIFIED', 'vm-repaired');
    expect(restarted?.status?.lastRestartedAt).toBe(genuine);
  });
});
