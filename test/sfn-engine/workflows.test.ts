import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { gate } from './fixtures/functions/gate';
import { callsInFlight } from './fixtures/functions/slow';
import { type FixtureEngine, startFixtureEngine } from './support/engine';

// 1 s of definition time takes 1 ms: a 600 s Wait lasts 0.6 s.
const TIME_SCALE = 0.001;

let fixture: FixtureEngine;
const previousEndpoint = process.env.SFN_ENDPOINT;

beforeAll(async () => {
  fixture = await startFixtureEngine({ timeScale: TIME_SCALE });
  // The continuation handler reaches the engine the way project code does: through SFN_ENDPOINT.
  process.env.SFN_ENDPOINT = fixture.engine.endpoint;
});

afterAll(async () => {
  await callsInFlight();
  await fixture.close();
  if (previousEndpoint === undefined) delete process.env.SFN_ENDPOINT;
  else process.env.SFN_ENDPOINT = previousEndpoint;
});

interface ProvisionInput {
  instanceId: string;
  pollSeconds: number;
  readyAfterPolls: number;
  transientFailures: number;
  gone: boolean;
}

function provisionInput(overrides: Partial<ProvisionInput> = {}): string {
  return JSON.stringify({
    instanceId: 'vm-1',
    pollSeconds: 1,
    readyAfterPolls: 0,
    transientFailures: 0,
    gone: false,
    ...overrides,
    status: { polls: 0, ready: false },
  });
}

async function run(stateMachineArn: string, input: string, name?: string) {
  const { executionArn } = await fixture.client.send(new StartExecutionCommand({ stateMachineArn, input, name }));
  if (executionArn === undefined) throw new Error('StartExecution returned no executionArn');
  await fixture.engine.settled(executionArn);
  const description = await fixture.client.send(new DescribeExecutionCommand({ executionArn }));
  const { events = [] } = await fixture.client.send(new GetExecutionHistoryCommand({ executionArn }));
  return { executionArn, description, events };
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);
const seconds = (from: HistoryEvent | undefined, to: HistoryEvent | undefined) =>
  ((to?.timestamp?.getTime() ?? Number.NaN) - (from?.timestamp?.getTime() ?? Number.NaN)) / 1000;

describe('a Lambda task, a Choice and a scaled Wait', () => {
  it('polls until ready and succeeds, with AWS-shaped history', async () => {
    const { description, events } = await run(fixture.provisionArn, provisionInput({ readyAfterPolls: 1 }));

    expect(description.status).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? 'null')).toMatchObject({ status: { polls: 2, ready: true } });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'WaitStateEntered',
      'WaitStateExited',
      'TaskStateEntered',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
      'TaskStateExited',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'SucceedStateEntered',
      'SucceedStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.map((event) => [event.id, event.previousEventId])).toEqual(events.map((_, i) => [i + 1, i]));
    const scheduled = events.find((event) => event.type === 'LambdaFunctionScheduled');
    expect(scheduled?.lambdaFunctionScheduledEventDetails?.resource).toBe(
      'arn:aws:lambda:us-east-1:000000000000:function:sfn-engine-fixture-local-fetchInstance',
    );
    // Parameters were applied, $$.Execution.Id included, before the handler saw its event.
    expect(JSON.parse(scheduled?.lambdaFunctionScheduledEventDetails?.input ?? '{}')).toMatchObject({
      executionId: description.executionArn,
      instanceId: 'vm-1',
      polls: 0,
    });
    expect(events.at(-1)?.executionSucceededEventDetails?.output).toBe(description.output);
    expect(fixture.engine.executions().find((e) => e.executionArn === description.executionArn)?.stateTransitions).toBe(
      6,
    );
  });

  it('waits a fraction of the SecondsPath wall time while the history shows the full wait', async () => {
    const waitSeconds = 600;
    const startedAt = Date.now();
    const { description, events } = await run(
      fixture.provisionArn,
      provisionInput({ readyAfterPolls: 1, pollSeconds: waitSeconds }),
    );
    const wallSeconds = (Date.now() - startedAt) / 1000;

    expect(description.status).toBe('SUCCEEDED');
    expect(wallSeconds).toBeLessThan(waitSeconds / 10);
    const entered = events.find((event) => event.type === 'WaitStateEntered');
    const exited = events.find((event) => event.type === 'WaitStateExited');
    expect(entered?.stateEnteredEventDetails?.name).toBe('WaitBeforePoll');
    expect(JSON.parse(entered?.stateEnteredEventDetails?.input ?? '{}').pollSeconds).toBe(waitSeconds);
    expect(seconds(entered, exited)).toBeGreaterThanOrEqual(waitSeconds);
    expect(seconds(entered, exited)).toBeLessThan(waitSeconds + 5);
    expect(seconds(events[0], events.at(-1))).toBeGreaterThanOrEqual(waitSeconds);
    expect(description.stopDate?.getTime()).toBe(events.at(-1)?.timestamp?.getTime());
  });
});

describe('the execution TimeoutSeconds', () => {
  it('times the execution out on its own clock, scaled pauses included, stamped at the deadline', async () => {
    // Each poll waits 600 s; the machine allows 1 500 s, so the third wait runs past the deadline.
    const { description, events } = await run(
      fixture.provisionArn,
      provisionInput({ pollSeconds: 600, readyAfterPolls: 10 }),
    );

    expect(description.status).toBe('TIMED_OUT');
    expect(description.error).toBe('States.Timeout');
    expect(description.cause).toBeUndefined();
    expect(events.at(-1)).toMatchObject({
      type: 'ExecutionTimedOut',
      executionTimedOutEventDetails: { error: 'States.Timeout' },
    });
    expect(seconds(events[0], events.at(-1))).toBe(1500);
    expect(events.filter((event) => event.type === 'WaitStateEntered')).toHaveLength(3);
  });
});

describe('Retry and Catch on errors thrown by handlers', () => {
  it('retries Transient with scaled back-off, booked at full length in the history, then succeeds', async () => {
    const { description, events } = await run(fixture.provisionArn, provisionInput({ transientFailures: 2 }));

    expect(description.status).toBe('SUCCEEDED');
    const lambdaEvents = events.filter((event) => event.type?.startsWith('LambdaFunction'));
    expect(types(lambdaEvents)).toEqual([
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionFailed',
      'LambdaFunctionScheduled',
      'LambdaFunctionStarted',
      'LambdaFunctionSucceeded',
    ]);
    const failure = lambdaEvents[2]?.lambdaFunctionFailedEventDetails;
    expect(failure?.error).toBe('Transient');
    expect(JSON.parse(failure?.cause ?? '{}')).toMatchObject({
      errorType: 'Transient',
      errorMessage: 'AAP is unavailable (attempt 1)',
    });
    // IntervalSeconds 100, BackoffRate 2: the pauses read 100 s and 200 s.
    expect(seconds(lambdaEvents[2], lambdaEvents[3])).toBeGreaterThanOrEqual(100);
    expect(seconds(lambdaEvents[2], lambdaEvents[3])).toBeLessThan(105);
    expect(seconds(lambdaEvents[5], lambdaEvents[6])).toBeGreaterThanOrEqual(200);
    expect(seconds(lambdaEvents[5], lambdaEvents[6])).toBeLessThan(205);
  });

  it('routes InstanceGone to its Catch with the Lambda error payload as Cause', async () => {
    const { description, events } = await run(fixture.provisionArn, provisionInput({ gone: true }));

    expect(description.status).toBe('SUCCEEDED');
    const output = JSON.parse(description.output ?? '{}');
    expect(output.failure.Error).toBe('InstanceGone');
    const cause = JSON.parse(output.failure.Cause);
    expect(cause).toMatchObject({ errorType: 'InstanceGone', errorMessage: 'instance vm-1 no longer exists' });
    expect(Array.isArray(cause.trace)).toBe(true);
    expect(types(events).slice(-4)).toEqual([
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    expect(events.filter((event) => event.type === 'LambdaFunctionScheduled')).toHaveLength(1);
  });
});

describe('the lambda:invoke integration', () => {
  it('wraps the handler result as {Payload, StatusCode} and writes Task* events', async () => {
    const { description, events } = await run(fixture.tasksArn, JSON.stringify({ mode: 'invoke', instanceId: 'vm-7' }));

    expect(description.status).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? '{}')).toEqual({
      statusCode: 200,
      instance: { instanceId: 'vm-7', state: 'Running' },
    });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSucceeded',
      'TaskStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = events.find((event) => event.type === 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({ resourceType: 'lambda', resource: 'invoke', region: 'us-east-1' });
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toEqual({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:sfn-engine-fixture-local-describeInstance',
      Payload: { instanceId: 'vm-7' },
    });
  });

  it('fails the execution with the handler error name when nothing catches it', async () => {
    const { description, events } = await run(
      fixture.tasksArn,
      JSON.stringify({ mode: 'invoke', instanceId: 'missing' }),
    );

    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('InstanceGone');
    expect(JSON.parse(description.cause ?? '{}').errorMessage).toBe('instance missing does not exist');
    expect(events.find((event) => event.type === 'TaskFailed')?.taskFailedEventDetails?.error).toBe('InstanceGone');
    expect(events.at(-1)?.executionFailedEventDetails).toEqual({ error: description.error, cause: description.cause });
  });
});

describe('timeouts', () => {
  // Both take a real second (timeouts are not scaled), so they run side by side.
  let lambdaTimeout: Awaited<ReturnType<typeof run>>;
  let taskTimeout: Awaited<ReturnType<typeof run>>;

  beforeAll(async () => {
    [lambdaTimeout, taskTimeout] = await Promise.all([
      run(fixture.tasksArn, JSON.stringify({ mode: 'lambda-timeout', sleepMs: 1300 })),
      run(fixture.tasksArn, JSON.stringify({ mode: 'task-timeout', sleepMs: 1300 })),
    ]);
    // Let both handlers finish, so a late result would have had every chance to reach the history.
    await callsInFlight();
    await nextTurn();
  });

  it('fails with Sandbox.Timedout when the handler outlives the function timeout (1 s, unscaled)', () => {
    const { description, events } = lambdaTimeout;
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('Sandbox.Timedout');
    expect(JSON.parse(description.cause ?? '{}').errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    expect(events.find((event) => event.type === 'LambdaFunctionFailed')?.lambdaFunctionFailedEventDetails?.error).toBe(
      'Sandbox.Timedout',
    );
    expect(types(fixture.engine.history(lambdaTimeout.executionArn))).not.toContain('LambdaFunctionSucceeded');
  });

  it('fails with States.Timeout when the Task TimeoutSeconds elapses first, dropping the late result', () => {
    const { description, events } = taskTimeout;
    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('States.Timeout');
    expect(
      events.find((event) => event.type === 'LambdaFunctionTimedOut')?.lambdaFunctionTimedOutEventDetails?.error,
    ).toBe('States.Timeout');
    expect(types(fixture.engine.history(taskTimeout.executionArn))).not.toContain('LambdaFunctionSucceeded');
  });
});

describe('the 256 KiB payload limit', () => {
  it.each([
    ['a task result', JSON.stringify({ mode: 'oversized-result' }), 'Oversized'],
    ['a state output', JSON.stringify({ mode: 'oversized-output', blob: 'y'.repeat(150 * 1024) }), 'Duplicate'],
  ])('fails the execution with States.DataLimitExceeded for %s, past any Catch', async (_what, input, stateName) => {
    const { description, events } = await run(fixture.tasksArn, input);

    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('States.DataLimitExceeded');
    expect(description.cause).toContain(`'${stateName}'`);
    expect(types(events)).not.toContain('PassStateExited');
    expect(events.some((event) => event.stateEnteredEventDetails?.name === 'Caught')).toBe(false);
  });
});

describe('Parallel, Map and Fail states', () => {
  it('runs a Wait branch beside a Map of Lambda calls and writes their events', async () => {
    const { description, events } = await run(
      fixture.tasksArn,
      JSON.stringify({ mode: 'fan-out', instanceIds: ['a', 'b'] }),
    );

    expect(description.status).toBe('SUCCEEDED');
    expect(JSON.parse(description.output ?? '[]')[1]).toEqual([
      { instanceId: 'a', state: 'Running' },
      { instanceId: 'b', state: 'Running' },
    ]);
    const count = (type: string) => events.filter((event) => event.type === type).length;
    expect([
      count('ParallelStateEntered'),
      count('ParallelStateStarted'),
      count('MapStateStarted'),
      count('MapIterationStarted'),
      count('MapIterationSucceeded'),
      count('LambdaFunctionSucceeded'),
      count('MapStateSucceeded'),
      count('WaitStateExited'),
      count('ParallelStateSucceeded'),
      count('ParallelStateExited'),
    ]).toEqual([1, 1, 1, 2, 2, 2, 1, 1, 1, 1]);
    expect(
      events
        .filter((event) => event.type === 'MapIterationStarted')
        .map((event) => event.mapIterationStartedEventDetails),
    ).toEqual([
      { name: 'EachInstance', index: 0 },
      { name: 'EachInstance', index: 1 },
    ]);
    const pause = events.filter(
      (event) =>
        event.stateEnteredEventDetails?.name === 'BranchPause' || event.stateExitedEventDetails?.name === 'BranchPause',
    );
    expect(seconds(pause[0], pause[1])).toBeGreaterThanOrEqual(50);
  });

  it('fails the execution with the Error and Cause of a Fail state', async () => {
    const { description, events } = await run(fixture.tasksArn, JSON.stringify({ mode: 'fail' }));

    expect(description).toMatchObject({
      status: 'FAILED',
      error: 'Provision.Refused',
      cause: 'the request was refused',
    });
    expect(types(events).slice(-2)).toEqual(['FailStateEntered', 'ExecutionFailed']);
  });

  it('fails a runaway loop at 25 000 history events with States.Runtime, as Step Functions does', async () => {
    const { description } = await run(fixture.tasksArn, JSON.stringify({ mode: 'runaway' }));
    const history = fixture.engine.history(description.executionArn ?? '');

    expect(description.status).toBe('FAILED');
    expect(description.error).toBe('States.Runtime');
    expect(description.cause).toMatch(/maximum number of history events \(25000\)/);
    expect(history).toHaveLength(25_000);
    expect(history.at(-1)).toMatchObject({ id: 25_000, type: 'ExecutionFailed' });
  });
});

describe('continue as a new execution', () => {
  it('lets a handler start the next execution of its own machine through the SDK', async () => {
    const first = await run(fixture.tasksArn, JSON.stringify({ mode: 'continue', round: 0, rounds: 2 }), 'chain');
    expect(first.description.status).toBe('SUCCEEDED');
    const secondArn = JSON.parse(first.description.output ?? '{}').next;
    expect(secondArn).toBe(first.executionArn.replace(/chain$/, 'chain-round-1'));

    const second = await fixture.engine.settled(secondArn);
    const thirdArn = JSON.parse(second.output ?? '{}').next;
    expect(thirdArn).toBe(first.executionArn.replace(/chain$/, 'chain-round-2'));
    const third = await fixture.engine.settled(thirdArn);
    expect(third.status).toBe('SUCCEEDED');
    expect(JSON.parse(third.output ?? '{}')).toEqual({ round: 2, next: null });
    expect(JSON.parse(third.input)).toEqual({ mode: 'continue', round: 2, rounds: 2 });
  });
});

describe('StopExecution while a Lambda runs', () => {
  it('aborts at once and discards the result the handler returns afterwards', async () => {
    const name = 'stopped-mid-lambda';
    const held = gate(name);
    const { executionArn } = await fixture.client.send(
      new StartExecutionCommand({ stateMachineArn: fixture.tasksArn, name, input: JSON.stringify({ mode: 'gated' }) }),
    );
    await held.arrived;
    await fixture.client.send(
      new StopExecutionCommand({ executionArn, error: 'Test.Stop', cause: 'stopped mid-call' }),
    );
    held.release({ late: true });
    await held.finished;
    await nextTurn();

    const record = await fixture.engine.settled(executionArn ?? '');
    expect(record).toMatchObject({ status: 'ABORTED', error: 'Test.Stop', cause: 'stopped mid-call' });
    const history = types(fixture.engine.history(executionArn ?? ''));
    expect(history.at(-1)).toBe('ExecutionAborted');
    expect(history).not.toContain('LambdaFunctionSucceeded');
    expect(history).not.toContain('PassStateEntered');
  });
});
