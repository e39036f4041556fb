import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  eventually,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';

const ROUNDS_PER_EXECUTION = 20;

/**
 * Failure #2 of issue 15: a provision job hung in AAP and the instance deleted. The deprovision execution waits for
 * the cancel to land (5 s a round then; now growing from 5 s to 5 min like the job poll); before, it never handed
 * over and failed at 25,000 history events after 3.85 simulated hours. Now every waiting loop hands over to a fresh execution, however long AAP keeps it waiting, and
 * once AAP lets the job go the deletion completes with no VM left and no person involved.
 */
describe('a deletion behind a provision job hung in AAP', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({
      timeScale: 0.001,
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 2, waiting: 2, running: 600 },
        },
      ],
      // Hand over every 20 rounds, so several hand-overs happen within the test.
      env: { POLLS_PER_EXECUTION: String(ROUNDS_PER_EXECUTION) },
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('keeps waiting across continued executions, each far below the history limit, then deprovisions', async () => {
    const created = await cluster.create('vm-hung');
    await startProvision(stack, sfnClient(stack), created);
    await eventually(async () => (aapJobsFor(stack, 'vm-hung').provision[0]?.status === 'running' ? true : undefined), {
      what: 'the provision job to run',
    });
    // AAP accepts the cancel but never finishes the job (a stuck runner), until the fault is cleared.
    stack.aap.setFaults({ hangJobs: { templateName: 'osac-create-compute-instance' } });
    await cluster.delete('vm-hung');
    const first = await startDeprovision(stack, sfnClient(stack), created);
    const firstName = first.executionArn.split(':').pop() as string;
    const chain = () => stack.sfn.executions().filter((e) => e.name.startsWith(firstName));

    // Three hand-overs: at least 60 rounds of waiting, all within budget.
    await eventually(async () => (chain().length >= 4 ? true : undefined), {
      what: 'the cancel-wait to continue as new three times',
      timeoutMs: 60_000,
    });
    const waiting = await cluster.get('vm-hung');
    expect(waiting?.metadata.finalizers).toContain('osac.openshift.io/computeinstance');
    expect(aapJobsFor(stack, 'vm-hung').deprovision).toEqual([]);

    stack.aap.setFaults({});
    await waitUntilGone(cluster, 'vm-hung', 60_000);
    expect(deletionInvariants(stack, 'vm-hung')).toMatchObject({
      provisionJobs: 1,
      deprovisionJobs: 1,
      provisionEndedFirst: true,
      violations: [],
      vmsLeft: 0,
    });

    const executions = chain();
    for (const execution of executions) {
      const settled = await stack.sfn.settled(execution.executionArn);
      expect(settled.status).toBe('SUCCEEDED');
      // About 11 events a round (Pass, Wait, Task with its Lambda events, Choice) and the hand-over: a few hundred,
      // where one execution used to run into 25,000.
      expect(settled.historyEventCount).toBeLessThan(ROUNDS_PER_EXECUTION * 11 + 100);
    }
    const handedOver = executions.filter((e) => JSON.parse(e.output ?? '{}').continuedAs !== undefined);
    expect(handedOver).toHaveLength(executions.length - 1);
    // Each continuation carries the cancel request (job and time): AAP is not asked again, and the looks keep the
    // schedule counted from the first request instead of starting again at 5 s.
    const provisionJobID = aapJobsFor(stack, 'vm-hung').provision[0]?.id;
    const carried = executions.slice(1).map((e) => JSON.parse(e.input).cancel);
    expect(carried.map((cancel) => cancel?.requestedFor)).toEqual(carried.map(() => provisionJobID));
    expect(new Set(carried.map((cancel) => cancel?.requestedAt)).size).toBe(1);
  }, 150_000);
});
