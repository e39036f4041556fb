import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, sfnClient, startProvision } from './harness';

/**
 * Failure #3 of issue 15: an AAP reply slower than the task function's timeout. The functions here time out after
 * 3 s (serverless.yml says 30 s; same ratio to the AAP client's 20-30 s attempt) and AAP answers after 3.5 s, the
 * analogue of a 31 s reply. Each call must give up inside the invocation's budget as a Transient the state machine
 * retries; a Lambda timeout must never fail the execution.
 */
describe('an AAP reply slower than the function timeout', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01, invocationTimeoutMs: 3_000 });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('is retried until AAP answers in time again, and the instance is provisioned', async () => {
    stack.aap.setFaults({ latencyMs: 3_500 });
    const created = await cluster.create('vm-slow-aap');
    const { executionArn } = await startProvision(stack, sfnClient(stack), created);
    // Long enough for several attempts to time out against the slow AAP.
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    stack.aap.setFaults({});

    const outcome = await stack.sfn.settled(executionArn);
    expect(outcome.status).toBe('SUCCEEDED');
    const failures = stack.sfn.history(executionArn).flatMap((event) => {
      const details = (event as { lambdaFunctionFailedEventDetails?: { error?: string } })
        .lambdaFunctionFailedEventDetails;
      return details?.error === undefined ? [] : [details.error];
    });
    // The slow replies were seen, as Transients the Retry handled, never as a function timeout. (LaunchNotNeeded
    // is the Catch that follows a launch whose reply was lost: the next step finds the intent and waits for it.)
    expect(failures).toContain('Transient');
    expect(failures.filter((error) => /Timedout|TimedOut|Timeout|Unknown/.test(error))).toEqual([]);
    expect((await cluster.get('vm-slow-aap'))?.status?.phase).toBe('Running');
  }, 90_000);
});
