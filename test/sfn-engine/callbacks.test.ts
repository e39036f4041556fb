import { setTimeout as sleep } from 'node:timers/promises';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type SfnEngine, startSfnEngine } from '../../local/sfn-engine';
import { tokenNumber, tokensHandedOver } from './fixtures/functions/callback';
import { FIXTURES_DIR, sdkError, sfnClient } from './support/engine';

// 1 s of definition time takes 10 ms: a 300 s TimeoutSecondsPath lasts 3 s, and the history shows 300 s.
const TIME_SCALE = 0.01;

let engine: SfnEngine;
let client: SFNClient;
let machineArn: string;
const previousEndpoint = process.env.SFN_ENDPOINT;

beforeAll(async () => {
  engine = await startSfnEngine({
    projectRoot: FIXTURES_DIR,
    serverlessFile: 'serverless.callbacks.yml',
    timeScale: TIME_SCALE,
  });
  client = sfnClient(engine.endpoint);
  // The fixture function that answers its own token reaches the engine the way project code does.
  process.env.SFN_ENDPOINT = engine.endpoint;
  machineArn = engine.stateMachines().find((machine) => machine.name === 'callbacks')?.arn ?? '';
});

afterAll(async () => {
  client.destroy();
  await engine.close();
  if (previousEndpoint === undefined) delete process.env.SFN_ENDPOINT;
  else process.env.SFN_ENDPOINT = previousEndpoint;
});

interface Start {
  mode?: 'await' | 'heartbeat' | 'retried' | 'token-outside-callback';
  behaviour?: 'keep' | 'answer-own' | 'throw' | 'beat-then-throw';
  waitSeconds?: unknown;
}

/** Starts an execution and, for a function that keeps its token, waits until the token is handed over. */
async function start({ mode = 'await', behaviour = 'keep', waitSeconds = 300 }: Start = {}) {
  const next = tokensHandedOver();
  const input = JSON.stringify({ mode, behaviour, waitSeconds, job: { id: 42, kind: 'job' } });
  const { executionArn = '' } = await client.send(new StartExecutionCommand({ stateMachineArn: machineArn, input }));
  const token = behaviour === 'keep' ? (await tokenNumber(next)).token : '';
  return { executionArn, token };
}

async function finished(executionArn: string) {
  await engine.settled(executionArn);
  const description = await client.send(new DescribeExecutionCommand({ executionArn }));
  const { events = [] } = await client.send(new GetExecutionHistoryCommand({ executionArn }));
  return { description, events, output: JSON.parse(description.output ?? 'null') as Record<string, unknown> };
}

const types = (events: HistoryEvent[]) => events.map((event) => event.type);
const find = (events: HistoryEvent[], type: string) => events.find((event) => event.type === type);
const seconds = (from: HistoryEvent | undefined, to: HistoryEvent | undefined) =>
  ((to?.timestamp?.getTime() ?? Number.NaN) - (from?.timestamp?.getTime() ?? Number.NaN)) / 1000;
const succeed = (taskToken: string, output = '{"notified":true}') =>
  client.send(new SendTaskSuccessCommand({ taskToken, output }));

describe('a lambda:invoke.waitForTaskToken task', () => {
  it('hands the function an unguessable token and resumes at once on SendTaskSuccess, with AWS-shaped history', async () => {
    const { executionArn, token } = await start();
    await engine.historyEvent(executionArn, (event) => event.type === 'TaskSubmitted');
    await succeed(token);
    const { description, events, output } = await finished(executionArn);

    expect(token).toMatch(/^[A-Za-z0-9_-]{640}$/);
    expect(description.status).toBe('SUCCEEDED');
    expect(output.notification).toEqual({ notified: true });
    expect(types(events)).toEqual([
      'ExecutionStarted',
      'ChoiceStateEntered',
      'ChoiceStateExited',
      'TaskStateEntered',
      'TaskScheduled',
      'TaskStarted',
      'TaskSubmitted',
      'TaskSucceeded',
      'TaskStateExited',
      'PassStateEntered',
      'PassStateExited',
      'ExecutionSucceeded',
    ]);
    const scheduled = find(events, 'TaskScheduled')?.taskScheduledEventDetails;
    expect(scheduled).toMatchObject({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      timeoutInSeconds: 300,
    });
    expect(JSON.parse(scheduled?.parameters ?? '{}')).toEqual({
      FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:sfn-engine-callbacks-local-takeToken',
      Payload: { job: { id: 42, kind: 'job' }, token, execution: executionArn, behaviour: 'keep', waitSeconds: 300 },
    });
    expect(find(events, 'TaskStarted')?.taskStartedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
    });
    expect(JSON.parse(find(events, 'TaskSubmitted')?.taskSubmittedEventDetails?.output ?? '{}')).toEqual({
      ExecutedVersion: '$LATEST',
      Payload: { armed: true },
      StatusCode: 200,
    });
    expect(find(events, 'TaskSucceeded')?.taskSucceededEventDetails).toMatchObject({
      resource: 'invoke.waitForTaskToken',
      output: '{"notified":true}',
    });
    // Resumed by the token, not by the 300 s timeout.
    expect(seconds(find(events, 'TaskStarted'), find(events, 'TaskSucceeded'))).toBeLessThan(300);
  });

  it('uses a token once: a second SendTaskSuccess or a heartbeat gets TaskDoesNotExist', async () => {
    const { executionArn, token } = await start();
    await succeed(token);
    await finished(executionArn);

    const again = await sdkError(succeed(token));
    expect(again.name).toBe('TaskDoesNotExist');
    expect(again.message).not.toContain(token);
    expect((await sdkError(client.send(new SendTaskHeartbeatCommand({ taskToken: token })))).name).toBe(
      'TaskDoesNotExist',
    );
  });

  it('fails the task with the error and cause of SendTaskFailure, which Catch routes', async () => {
    const { executionArn, token } = await start();
    await client.send(new SendTaskFailureCommand({ taskToken: token, error: 'Job.Failed', cause: 'job 42 failed' }));
    const { description, events, output } = await finished(executionArn);

    expect(description.status).toBe('SUCCEEDED');
    expect(output.failure).toEqual({ Error: 'Job.Failed', Cause: 'job 42 failed' });
    expect(find(events, 'TaskFailed')?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Job.Failed',
      cause: 'job 42 failed',
    });
    expect(find(events, 'PassStateEntered')?.stateEnteredEventDetails?.name).toBe('ArmingFailed');
  });

  it('times out by TimeoutSecondsPath on the scaled clock: the history shows the full 300 s, a late token is TaskTimedOut', async () => {
    const { executionArn, token } = await start({ waitSeconds: 300 });
    const { description, events, output } = await finished(executionArn);

    expect(description.status).toBe('SUCCEEDED');
    expect(output.timedOut).toMatchObject({ Error: 'States.Timeout' });
    expect(types(events)).toContain('TaskTimedOut');
    expect(find(events, 'TaskTimedOut')?.taskTimedOutEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'States.Timeout',
    });
    expect(seconds(find(events, 'TaskStarted'), find(events, 'TaskTimedOut'))).toBeCloseTo(300, 0);
    expect(find(events, 'PassStateEntered')?.stateEnteredEventDetails?.name).toBe('PollAgain');
    expect((await sdkError(succeed(token))).name).toBe('TaskTimedOut');
  });

  it('restarts the heartbeat clock on SendTaskHeartbeat and times out when the heartbeats stop', async () => {
    const { executionArn, token } = await start({ mode: 'heartbeat' });
    // About 30 s of the 120 s heartbeat go by; the heartbeat then moves the deadline to about 150 s.
    await sleep(30_000 * TIME_SCALE);
    await client.send(new SendTaskHeartbeatCommand({ taskToken: token }));
    const { description, events } = await finished(executionArn);

    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    expect(find(events, 'TaskScheduled')?.taskScheduledEventDetails).toMatchObject({
      timeoutInSeconds: 3600,
      heartbeatInSeconds: 120,
    });
    const waited = seconds(find(events, 'TaskStarted'), find(events, 'TaskTimedOut'));
    expect(waited).toBeGreaterThan(125);
    expect(waited).toBeLessThan(3600);
  });

  it('ends the wait when the execution is stopped; its token no longer exists', async () => {
    const { executionArn, token } = await start({ waitSeconds: 3000 });
    await client.send(new StopExecutionCommand({ executionArn, error: 'Operator.Stopped' }));
    const { description, events } = await finished(executionArn);

    expect(description.status).toBe('ABORTED');
    expect(types(events).slice(-1)).toEqual(['ExecutionAborted']);
    expect((await sdkError(succeed(token))).name).toBe('TaskDoesNotExist');
  });

  it('ends the wait when the execution times out (600 s, on the scaled clock); its token no longer exists', async () => {
    const { executionArn, token } = await start({ waitSeconds: 100_000 });
    const { description, events } = await finished(executionArn);

    expect(description.status).toBe('TIMED_OUT');
    expect(types(events).slice(-1)).toEqual(['ExecutionTimedOut']);
    expect(seconds(events[0], events.at(-1))).toBeCloseTo(600, 0);
    expect((await sdkError(succeed(token))).name).toBe('TaskDoesNotExist');
  });

  it('fails the task with the Lambda error when the invocation itself fails', async () => {
    const { executionArn } = await start({ behaviour: 'throw' });
    const { events, output } = await finished(executionArn);

    expect(types(events)).not.toContain('TaskSubmitted');
    expect(find(events, 'TaskFailed')?.taskFailedEventDetails).toMatchObject({
      resource: 'invoke.waitForTaskToken',
      error: 'ArmingFailed',
    });
    expect(output.failure).toMatchObject({ Error: 'ArmingFailed' });
    expect(JSON.parse(String((output.failure as { Cause: string }).Cause))).toMatchObject({
      errorType: 'ArmingFailed',
      errorMessage: 'the waiter table is unavailable',
    });
  });

  it('still fails with the Lambda error when the function sent a heartbeat before failing', async () => {
    const { executionArn } = await start({ behaviour: 'beat-then-throw' });
    const { events, output } = await finished(executionArn);

    expect(find(events, 'TaskFailed')?.taskFailedEventDetails).toMatchObject({ error: 'ArmingFailed' });
    expect(output.failure).toMatchObject({ Error: 'ArmingFailed' });
    expect(types(events)).not.toContain('TaskTimedOut');
  });

  it('lets the function answer its own token before it returns (the job had already ended)', async () => {
    const { executionArn } = await start({ behaviour: 'answer-own' });
    const { description, events, output } = await finished(executionArn);

    expect(description.status).toBe('SUCCEEDED');
    expect(output.notification).toEqual({ notified: true });
    expect(types(events)).toEqual(expect.arrayContaining(['TaskScheduled', 'TaskStarted', 'TaskSucceeded']));
    expect(types(events)).not.toContain('TaskTimedOut');
  });

  it('issues a fresh token for each Retry attempt; the failed attempt’s token is spent', async () => {
    const next = tokensHandedOver();
    const { executionArn, token: first } = await start({ mode: 'retried' });
    await client.send(new SendTaskFailureCommand({ taskToken: first, error: 'Job.Failed' }));
    const { token: second } = await tokenNumber(next + 1);
    await succeed(second, '{"attempt":2}');
    const { description, events } = await finished(executionArn);

    expect(second).not.toBe(first);
    expect(description.status).toBe('SUCCEEDED');
    expect(types(events).filter((type) => type === 'TaskScheduled')).toHaveLength(2);
    // SendTaskFailure without a cause: AWS leaves it out of the event.
    expect(find(events, 'TaskFailed')?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      error: 'Job.Failed',
    });
    expect((await sdkError(succeed(first))).name).toBe('TaskDoesNotExist');
  });

  it('has no $$.Task.Token in a plain lambda:invoke task: the state fails with States.Runtime', async () => {
    const before = tokensHandedOver();
    const { executionArn } = await start({ mode: 'token-outside-callback', behaviour: 'throw' });
    const { description, events } = await finished(executionArn);

    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(description.cause).toContain('$$.Task.Token');
    expect(types(events)).not.toContain('TaskScheduled');
    expect(tokensHandedOver()).toBe(before);
  });

  it('fails with States.Runtime when TimeoutSecondsPath does not name a positive integer', async () => {
    const { executionArn } = await start({ behaviour: 'throw', waitSeconds: 'soon' });
    const { description, events } = await finished(executionArn);

    expect(description).toMatchObject({ status: 'FAILED', error: 'States.Runtime' });
    expect(description.cause).toContain('TimeoutSecondsPath');
    expect(types(events)).not.toContain('TaskScheduled');
  });
});

describe('SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat requests', () => {
  let token: string;
  let executionArn: string;

  beforeAll(async () => {
    ({ executionArn, token } = await start({ waitSeconds: 100_000 }));
  });

  afterAll(async () => {
    await client.send(new StopExecutionCommand({ executionArn }));
  });

  it.each([
    ['a malformed token', () => succeed('not-a-task-token'), 'InvalidToken'],
    ['a token longer than 2048 characters', () => succeed('A'.repeat(2049)), 'ValidationException'],
    ['an empty token', () => succeed(''), 'ValidationException'],
    ['a well-formed token no task was given', () => succeed('B'.repeat(640)), 'TaskDoesNotExist'],
    ['output that is not JSON', () => succeed(token, '{nope'), 'InvalidOutput'],
    ['output over 256 KiB', () => succeed(token, JSON.stringify('x'.repeat(256 * 1024))), 'ValidationException'],
    [
      'an error over 256 characters',
      () => client.send(new SendTaskFailureCommand({ taskToken: token, error: 'E'.repeat(257) })),
      'ValidationException',
    ],
    [
      'a cause over 32768 characters',
      () => client.send(new SendTaskFailureCommand({ taskToken: token, cause: 'c'.repeat(32769) })),
      'ValidationException',
    ],
    [
      'a malformed heartbeat token',
      () => client.send(new SendTaskHeartbeatCommand({ taskToken: '%%' })),
      'InvalidToken',
    ],
  ])('refuses %s', async (_case, call, expected) => {
    const error = await sdkError(call());
    expect(error.name).toBe(expected);
    expect(error.$metadata?.httpStatusCode).toBe(400);
  });

  it('leaves the token usable after a refused request: the task still waits, then takes a heartbeat', async () => {
    await expect(client.send(new SendTaskHeartbeatCommand({ taskToken: token }))).resolves.toBeDefined();
    expect(engine.executions().find((execution) => execution.executionArn === executionArn)?.status).toBe('RUNNING');
  });
});
