import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, sfnClient, startProvision } from './harness';

const HOURS_48 = 48 * 3600;

describe('a provision job that runs for 48 hours', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.0001,
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 5, waiting: 5, running: HOURS_48 },
        },
      ],
      // Hand over to a fresh execution every 20 polls, so the chain is exercised within one job however fast the
      // machine is (at this scale every real millisecond of task work is ten virtual seconds, so the poll count varies).
      env: { POLLS_PER_EXECUTION: '20' },
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('completes across continued executions, each far below the 25,000-event history limit', async () => {
    const created = await cluster.create('vm-48h');
    const first = await startProvision(stack, sfnClient(stack), created);
    const instance = await eventuallySucceeded(cluster);
    expect(instance.status?.phase).toBe('Running');

    const chain = stack.sfn
      .executions()
      .filter((e) => e.name.startsWith(first.executionArn.split(':').pop() as string));
    expect(chain.length).toBeGreaterThanOrEqual(2);
    const polls = chain.reduce((n, e) => n + stack.sfn.history(e.executionArn).filter(isPoll).length, 0);
    expect(polls).toBeGreaterThan(20);
    for (const execution of chain) {
      const settled = await stack.sfn.settled(execution.executionArn);
      expect(settled.status).toBe('SUCCEEDED');
      // 20 polls of about nine events each, plus the start and the hand-over: nowhere near 25,000.
      expect(settled.historyEventCount).toBeLessThan(400);
    }
    const handedOver = chain.filter((e) => JSON.parse(e.output ?? '{}').continuedAs !== undefined);
    expect(handedOver).toHaveLength(chain.length - 1);
  }, 120_000);
});

const isPoll = (event: { type?: string; stateEnteredEventDetails?: { name?: string } }) =>
  event.type === 'TaskStateEntered' && event.stateEnteredEventDetails?.name === 'PollProvisionJob';

async function eventuallySucceeded(cluster: ClusterClient) {
  const deadline = Date.now() + 100_000;
  for (;;) {
    const instance = await cluster.get('vm-48h');
    if (instance?.status?.provisioningJobs?.some((j) => j.state === 'Succeeded')) return instance;
    if (Date.now() > deadline) throw new Error('the 48-hour job did not complete');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
