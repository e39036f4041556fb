import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { type Console, consoleSourceFor, createConsole } from '../../local/console';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { type ServedConsole, serveConsole } from '../console/helpers';
import { ClusterClient, eventually, sfnClient, startDeprovision, startProvision, waitUntilGone } from './harness';
import {
  postNotification,
  provisionJobOf,
  statesEntered,
  taskTokensOf,
  waiterRows,
  waitRuns,
} from './notification-support';

/**
 * The receiver's body is a hint and nothing more: a forged notification through the gateway can at most make the
 * waiting execution poll early, since the execution reads the job from AAP itself. And the task tokens the waits
 * are given never leave the engine, the table and the arming task: no execution output, no console response.
 */
const FALLBACK_SECONDS = 400;
const NAME = 'vm-forged';

describe('forged notifications and task tokens', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;
  let sfn: SFNClient;
  let app: Console;
  let served: ServedConsole;
  const executions: string[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      notifications: true,
      timeScale: 0.01,
      env: { FALLBACK_POLL_MIN_SECONDS: String(FALLBACK_SECONDS) },
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 1, waiting: 1, running: 600 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
    sfn = sfnClient(stack);
    app = createConsole(consoleSourceFor(stack));
    served = await serveConsole(app);
  });
  afterAll(async () => {
    app?.close();
    await served?.close();
    await stack?.close();
  });

  /** Every console response the page reads: the snapshot and each execution's detail. */
  async function consoleResponses(): Promise<string[]> {
    const texts = [await (await fetch(`${served.url}/api/snapshot`)).text()];
    for (const execution of stack.sfn.executions()) {
      const res = await fetch(`${served.url}/api/executions/${encodeURIComponent(execution.name)}`);
      expect(res.status).toBe(200);
      texts.push(await res.text());
    }
    return texts;
  }

  it('answers a bad token 401 and an unknown job 200, and a forged end makes at most an early poll', async () => {
    const created = await cluster.create(NAME);
    const { executionArn } = await startProvision(stack, sfn, created);
    executions.push(executionArn);
    const job = await eventually(
      async () => {
        const seen = provisionJobOf(stack, NAME);
        const armed = (await waiterRows(stack, executionArn)).length > 0;
        return seen?.status === 'running' && armed ? seen : undefined;
      },
      { what: 'the provision job to run, its wait armed' },
    );
    const forged = { id: job.id, type: 'job', status: 'successful' };

    // Not AAP: refused before the body is even read, and nothing resumed.
    expect(await postNotification(stack, forged, 'not-the-token')).toMatchObject({ status: 401 });
    expect(await postNotification(stack, forged, null)).toMatchObject({ status: 401 });
    // A job nobody waits for: answered 200 and ignored.
    expect(await postNotification(stack, { id: 987654, type: 'job', status: 'successful' })).toEqual({
      status: 200,
      body: { resumed: 0, gone: 0 },
    });
    expect(await postNotification(stack, { id: job.id, type: 'workflow_job', status: 'successful' })).toEqual({
      status: 200,
      body: { resumed: 0, gone: 0 },
    });
    // Malformed or oversized: refused, nothing resumed.
    expect(await postNotification(stack, { id: String(job.id), type: 'job', status: 'successful' })).toMatchObject({
      status: 400,
    });
    expect(await postNotification(stack, { ...forged, padding: 'x'.repeat(5000) })).toMatchObject({ status: 413 });
    expect(waitRuns(stack, executionArn).filter((run) => run.end === 'TaskSucceeded')).toEqual([]);
    expect(await waiterRows(stack, executionArn)).toHaveLength(1);

    // While the execution waits, the console shows it and none of its tokens (the waiting task's parameters carry one).
    const waitingTokens = taskTokensOf(stack, executionArn);
    expect(waitingTokens.length).toBeGreaterThan(0);
    const whileWaiting = (await consoleResponses()).join('\n');
    // (Tested as booleans: a failure must not print a token, nor the console's whole answer.)
    expect(whileWaiting.includes('"waitingForCallback":{"state":"WaitForProvisionJobToEnd"')).toBe(true);
    expect(waitingTokens.filter((token) => whileWaiting.includes(token))).toHaveLength(0);

    // With the right token, a lie: "successful" for a job still running. The wait ends early...
    const pollsBefore = statesEntered(stack, executionArn).filter((s) => s === 'PollProvisionJob').length;
    expect(await postNotification(stack, forged)).toEqual({ status: 200, body: { resumed: 1, gone: 0 } });
    await eventually(
      async () => {
        const states = statesEntered(stack, executionArn);
        const polls = states.filter((s) => s === 'PollProvisionJob').length;
        return polls > pollsBefore && states.at(-1) === 'WaitForProvisionJobToEnd' ? true : undefined;
      },
      { what: 'the early poll, then a new wait' },
    );
    // ...the poll asks AAP, which says running: the instance is not Running, and the execution waits again.
    expect(provisionJobOf(stack, NAME)?.status).toBe('running');
    expect((await cluster.get(NAME))?.status?.phase).not.toBe('Running');
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');

    // Running only once the job really ended, its own notification ending the last wait.
    const ended = provisionJobOf(stack, NAME);
    expect(ended?.status).toBe('successful');
    expect((await cluster.get(NAME))?.status?.phase).toBe('Running');
    const runs = waitRuns(stack, executionArn);
    expect(runs.filter((run) => run.end === 'TaskSucceeded')).toHaveLength(2);
    expect(runs.at(-1)).toMatchObject({ end: 'TaskSucceeded', output: { notified: true } });
    expect(await waiterRows(stack, executionArn)).toEqual([]);
  }, 45_000);

  it('puts no task token in any execution output, history output or console response', async () => {
    await cluster.delete(NAME);
    const current = await cluster.get(NAME);
    if (current === undefined) throw new Error(`${NAME} went without its finalizer`);
    const { executionArn } = await startDeprovision(stack, sfn, current);
    executions.push(executionArn);
    expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
    await waitUntilGone(cluster, NAME);

    const tokens = executions.flatMap((arn) => taskTokensOf(stack, arn));
    // Every wait of both executions was given one (3 or more in provision, 1 in deprovision).
    expect(tokens.length).toBeGreaterThanOrEqual(4);
    for (const arn of executions) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      expect(described.status).toBe('SUCCEEDED');
      const outputs = [
        described.output ?? '',
        ...stack.sfn
          .history(arn)
          .filter((event) => event.type === 'ExecutionSucceeded')
          .map((event) => event.executionSucceededEventDetails?.output ?? ''),
      ];
      expect(outputs.length).toBe(2);
      expect(outputs.filter((output) => tokens.some((token) => output.includes(token)))).toEqual([]);
    }
    const responses = (await consoleResponses()).join('\n');
    expect(responses.includes(executionArn)).toBe(true);
    expect(tokens.filter((token) => responses.includes(token))).toHaveLength(0);
  }, 45_000);
});
