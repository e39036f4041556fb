import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, eventually, sfnClient, startProvision } from './harness';

const ROUNDS_PER_EXECUTION = 10;

/**
 * The other waiting loops hand over too: AAP refuses a launch (the create template is missing) for hours of
 * simulated time; the provision waits and retries (WaitAfterLaunchRefused, then the backoff) in a chain of executions
 * each far below the history limit, and once the template exists the instance is provisioned without a person.
 */
describe('a provision whose launch AAP refuses for a long time', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.0005,
      env: { POLLS_PER_EXECUTION: String(ROUNDS_PER_EXECUTION), AAP_PROVISION_TEMPLATE: 'osac-create-added-later' },
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps retrying across continued executions and provisions once the template exists', async () => {
    const created = await cluster.create('vm-refused');
    const first = await startProvision(stack, sfnClient(stack), created);
    const firstName = first.executionArn.split(':').pop() as string;
    const chain = () => stack.sfn.executions().filter((e) => e.name.startsWith(firstName));
    await eventually(async () => (chain().length >= 3 ? true : undefined), {
      what: 'the refused-launch wait to continue as new twice',
      timeoutMs: 60_000,
    });

    stack.aap.addTemplate({ name: 'osac-create-added-later', effect: 'create-vm', durations: { running: 30 } });
    await eventually(async () => ((await cluster.get('vm-refused'))?.status?.phase === 'Running' ? true : undefined), {
      what: 'the instance to be provisioned',
      timeoutMs: 60_000,
    });
    const executions = chain();
    for (const execution of executions) {
      const settled = await stack.sfn.settled(execution.executionArn);
      expect(settled.status).toBe('SUCCEEDED');
      expect(settled.historyEventCount).toBeLessThan(ROUNDS_PER_EXECUTION * 20 + 100);
    }
    const handedOver = executions.filter((e) => JSON.parse(e.output ?? '{}').continuedAs !== undefined);
    expect(handedOver.length).toBeGreaterThanOrEqual(2);
  }, 150_000);
});
