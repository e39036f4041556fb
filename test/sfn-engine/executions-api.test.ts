import {
  DescribeExecutionCommand,
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { FIXTURE_SERVICE, type FixtureEngine, sdkError, startFixtureEngine } from './support/engine';

let fixture: FixtureEngine;

beforeAll(async () => {
  fixture = await startFixtureEngine({ timeScale: 0.001 });
});

afterAll(async () => {
  await fixture.close();
});

/** Sits in its Wait for 100 000 s of definition time (100 s of wall time): RUNNING until the test stops it. */
const WAITING_INPUT = JSON.stringify({
  instanceId: 'vm-wait',
  pollSeconds: 100_000,
  readyAfterPolls: 99,
  transientFailures: 0,
  gone: false,
  status: { polls: 0, ready: false },
});

async function start(name: string | undefined, input: string, stateMachineArn = fixture.provisionArn) {
  return fixture.client.send(new StartExecutionCommand({ stateMachineArn, name, input }));
}

async function startWaiting(name: string) {
  const started = await start(name, WAITING_INPUT);
  const executionArn = started.executionArn ?? '';
  await fixture.engine.historyEvent(executionArn, (event) => event.type === 'WaitStateEntered');
  return { ...started, executionArn };
}

describe('StartExecution names', () => {
  it('is idempotent for the same name and input while the execution runs', async () => {
    const first = await startWaiting('same-name-same-input');
    const again = await start('same-name-same-input', WAITING_INPUT);

    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate).toEqual(first.startDate);
    expect(fixture.engine.executions().filter((e) => e.name === 'same-name-same-input')).toHaveLength(1);
    await fixture.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  it.each([
    ['a different input while it runs', false, '{"other":true}'],
    ['the same input after it closed', true, WAITING_INPUT],
  ])('refuses the name again with %s', async (_case, stopFirst, secondInput) => {
    const name = stopFirst ? 'reused-after-close' : 'reused-with-other-input';
    const first = await startWaiting(name);
    if (stopFirst) await fixture.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));

    const error = await sdkError(start(name, secondInput));
    expect(error.name).toBe('ExecutionAlreadyExists');
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toContain(first.executionArn);
    await fixture.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
  });

  it('names an execution with a UUID when no name is given', async () => {
    const { executionArn } = await start(undefined, WAITING_INPUT);
    expect(executionArn).toMatch(/:execution:sfn-engine-fixture-local-provision:[0-9a-f-]{36}$/);
    await fixture.client.send(new StopExecutionCommand({ executionArn }));
  });
});

describe('StopExecution of an execution sitting in a Wait', () => {
  it.each([
    ['with an error and a cause', { error: 'Operator.Cancelled', cause: 'deprovision requested' }],
    ['without a reason', {}],
  ])('aborts it %s', async (_case, reason: { error?: string; cause?: string }) => {
    const { executionArn } = await startWaiting(`stopped-in-wait-${reason.error === undefined ? 'bare' : 'reason'}`);

    const { stopDate } = await fixture.client.send(new StopExecutionCommand({ executionArn, ...reason }));
    const description = await fixture.client.send(new DescribeExecutionCommand({ executionArn }));

    expect(description.status).toBe('ABORTED');
    expect(description.stopDate).toEqual(stopDate);
    expect(description.error).toBe(reason.error);
    expect(description.cause).toBe(reason.cause);
    expect('output' in description).toBe(false);
    const { events = [] } = await fixture.client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(events.map((event) => event.type).slice(-2)).toEqual(['WaitStateEntered', 'ExecutionAborted']);
    expect(events.at(-1)?.executionAbortedEventDetails).toEqual(reason);
    const record = await fixture.engine.settled(executionArn);
    expect(record.stopDate).toEqual(stopDate);
  });

  it('leaves a closed execution as it was', async () => {
    const { executionArn } = await startWaiting('stopped-twice');
    const first = await fixture.client.send(new StopExecutionCommand({ executionArn, error: 'First' }));
    const second = await fixture.client.send(new StopExecutionCommand({ executionArn, error: 'Second' }));

    expect(second.stopDate).toEqual(first.stopDate);
    const description = await fixture.client.send(new DescribeExecutionCommand({ executionArn }));
    expect(description.error).toBe('First');
  });
});

describe('request validation', () => {
  const unknownMachine = `arn:aws:states:us-east-1:000000000000:stateMachine:${FIXTURE_SERVICE}-local-nope`;

  it.each([
    ['an empty name', { name: '' }, 'ValidationException'],
    ['an 81-character name', { name: 'n'.repeat(81) }, 'ValidationException'],
    ['a name with a space', { name: 'has space' }, 'InvalidName'],
    ['a name with a slash', { name: 'a/b' }, 'InvalidName'],
    ['a name with a brace', { name: 'a{b' }, 'InvalidName'],
    ['a name with a control character', { name: 'tab\there' }, 'InvalidName'],
    ['input that is not JSON', { input: '{"unterminated": ' }, 'InvalidExecutionInput'],
    ['input over 256 KiB', { input: JSON.stringify({ blob: 'z'.repeat(256 * 1024) }) }, 'ValidationException'],
    ['an unknown state machine', { stateMachineArn: unknownMachine }, 'StateMachineDoesNotExist'],
    ['a malformed state machine ARN', { stateMachineArn: 'provision' }, 'InvalidArn'],
  ])('rejects StartExecution with %s', async (_case, request, expectedError) => {
    const error = await sdkError(
      fixture.client.send(
        new StartExecutionCommand({ stateMachineArn: fixture.provisionArn, input: '{}', ...request }),
      ),
    );
    expect(error.name).toBe(expectedError);
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message.length).toBeGreaterThan(10);
  });

  it('accepts a name of exactly 80 allowed characters', async () => {
    const name = `${'a'.repeat(40)}-_.${'9'.repeat(37)}`;
    const { executionArn } = await start(name, '{"mode":"oversized-output","blob":""}', fixture.tasksArn);
    expect(executionArn?.endsWith(`:${name}`)).toBe(true);
    await fixture.engine.settled(executionArn ?? '');
  });

  it.each([
    [
      'DescribeExecution',
      () =>
        new DescribeExecutionCommand({
          executionArn: `${fixture.provisionArn.replace(':stateMachine:', ':execution:')}:never-started`,
        }),
    ],
    [
      'StopExecution',
      () =>
        new StopExecutionCommand({
          executionArn: `${fixture.provisionArn.replace(':stateMachine:', ':execution:')}:never-started`,
        }),
    ],
    [
      'GetExecutionHistory',
      () =>
        new GetExecutionHistoryCommand({
          executionArn: `${fixture.provisionArn.replace(':stateMachine:', ':execution:')}:never-started`,
        }),
    ],
  ])('%s of an unknown execution is ExecutionDoesNotExist', async (_operation, command) => {
    const error = await sdkError(fixture.client.send(command() as DescribeExecutionCommand));
    expect(error.name).toBe('ExecutionDoesNotExist');
  });

  it.each([
    ['an unknown operation', 'AWSStepFunctions.Frobnicate', '{}', 'UnknownOperationException'],
    ['no target at all', undefined, '{}', 'UnknownOperationException'],
    ['a body that is not JSON', 'AWSStepFunctions.ListStateMachines', '{nope', 'SerializationException'],
    ['a missing required field', 'AWSStepFunctions.DescribeExecution', '{}', 'ValidationException'],
    ['a field of the wrong type', 'AWSStepFunctions.ListStateMachines', '{"maxResults":"ten"}', 'ValidationException'],
  ])('answers %s with a JSON 1.0 error body', async (_case, target, body, expectedType) => {
    const headers: Record<string, string> = { 'Content-Type': 'application/x-amz-json-1.0' };
    if (target !== undefined) headers['X-Amz-Target'] = target;
    const response = await fetch(fixture.engine.endpoint, { method: 'POST', headers, body });

    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/x-amz-json-1.0');
    const payload = (await response.json()) as { __type: string; message: string };
    expect(payload.__type).toBe(expectedType);
    expect(payload.message).toEqual(expect.any(String));
  });
});

describe('listing and describing', () => {
  it('lists both fixture machines and describes one with its deployed definition', async () => {
    const { stateMachines = [] } = await fixture.client.send(new ListStateMachinesCommand({}));
    expect(stateMachines.map((machine) => machine.name)).toEqual([`${FIXTURE_SERVICE}-local-provision`, 'tasks']);
    expect(stateMachines.map((machine) => machine.stateMachineArn)).toEqual(
      fixture.engine.stateMachines().map((machine) => machine.arn),
    );

    const description = await fixture.client.send(
      new DescribeStateMachineCommand({ stateMachineArn: fixture.provisionArn }),
    );
    expect(description).toMatchObject({
      status: 'ACTIVE',
      type: 'STANDARD',
      name: `${FIXTURE_SERVICE}-local-provision`,
    });
    const definition = JSON.parse(description.definition ?? '{}');
    expect(definition.States.FetchInstance.Resource).toBe(
      `arn:aws:lambda:us-east-1:000000000000:function:${FIXTURE_SERVICE}-local-fetchInstance`,
    );
    // The deployed definition, not the engine's scaled rewrite of it.
    expect(definition.States.WaitBeforePoll).toEqual({
      Type: 'Wait',
      SecondsPath: '$.pollSeconds',
      Next: 'FetchInstance',
    });
    expect(definition.States.FetchInstance.Retry[0].IntervalSeconds).toBe(100);
  });

  it('lists executions newest first, filtered by status, page by page', async () => {
    const names = ['list-a', 'list-b', 'list-c'];
    for (const name of names) {
      const { executionArn } = await start(
        name,
        JSON.stringify({ mode: 'invoke', instanceId: name }),
        fixture.tasksArn,
      );
      await fixture.engine.settled(executionArn ?? '');
    }
    const failed = await start(
      'list-failed',
      JSON.stringify({ mode: 'invoke', instanceId: 'missing' }),
      fixture.tasksArn,
    );
    await fixture.engine.settled(failed.executionArn ?? '');

    const list = (request: { statusFilter?: 'SUCCEEDED' | 'FAILED'; maxResults?: number; nextToken?: string }) =>
      fixture.client.send(new ListExecutionsCommand({ stateMachineArn: fixture.tasksArn, ...request }));
    const firstPage = await list({ statusFilter: 'SUCCEEDED', maxResults: 2 });
    const secondPage = await list({ statusFilter: 'SUCCEEDED', maxResults: 2, nextToken: firstPage.nextToken });
    const listed = [...(firstPage.executions ?? []), ...(secondPage.executions ?? [])]
      .map((execution) => execution.name)
      .filter((name) => name?.startsWith('list-'));

    expect(firstPage.executions).toHaveLength(2);
    expect(firstPage.nextToken).toEqual(expect.any(String));
    expect(listed).toEqual(['list-c', 'list-b', 'list-a']);
    const failedOnly = await list({ statusFilter: 'FAILED' });
    expect(failedOnly.executions?.map((execution) => [execution.name, execution.status])).toEqual([
      ['list-failed', 'FAILED'],
    ]);
    expect(failedOnly.executions?.[0]?.stopDate).toBeInstanceOf(Date);

    const foreignToken = await sdkError(list({ statusFilter: 'FAILED', nextToken: firstPage.nextToken }));
    expect(foreignToken.name).toBe('InvalidToken');
  });

  it('pages history forwards and backwards, and leaves out data when asked', async () => {
    const { executionArn } = await start(
      'history-pages',
      JSON.stringify({ mode: 'invoke', instanceId: 'h' }),
      fixture.tasksArn,
    );
    await fixture.engine.settled(executionArn ?? '');
    const all = fixture.engine.history(executionArn ?? '');

    const collect = async (reverseOrder: boolean) => {
      const ids: number[] = [];
      let nextToken: string | undefined;
      do {
        const page = await fixture.client.send(
          new GetExecutionHistoryCommand({ executionArn, maxResults: 2, reverseOrder, nextToken }),
        );
        expect(page.events?.length).toBeLessThanOrEqual(2);
        ids.push(...(page.events ?? []).map((event) => event.id ?? -1));
        nextToken = page.nextToken;
      } while (nextToken !== undefined);
      return ids;
    };
    expect(await collect(false)).toEqual(all.map((event) => event.id));
    expect(await collect(true)).toEqual(all.map((event) => event.id).reverse());

    const bare = await fixture.client.send(
      new GetExecutionHistoryCommand({ executionArn, includeExecutionData: false }),
    );
    expect(bare.events?.[0]?.executionStartedEventDetails).toEqual({
      inputDetails: { truncated: false },
      roleArn: expect.any(String),
    });
    expect(bare.events?.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(bare.events?.at(-1)?.executionSucceededEventDetails?.output).toBeUndefined();
  });
});
