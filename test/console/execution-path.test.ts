import type { ExecutionStatus, HistoryEvent } from '@aws-sdk/client-sfn';
import { EventView, ExecutionPath, eventViews, executionPath } from '../../local/console';

/** A history in AWS shape from a compact script: `>Task:A` enters, `<Task:A` exits, anything else is a bare event. */
function history(...script: string[]): HistoryEvent[] {
  return script.map((line, index) => {
    const base = { id: index + 1, previousEventId: index, timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, index)) };
    const entered = /^>(\w+):(\w+)$/.exec(line);
    if (entered) {
      const [, type, name] = entered;
      return {
        ...base,
        type: `${type}StateEntered`,
        stateEnteredEventDetails: { name, input: '{"secretPayload":"in-input"}' },
      } as HistoryEvent;
    }
    const exited = /^<(\w+):(\w+)$/.exec(line);
    if (exited) {
      const [, type, name] = exited;
      return {
        ...base,
        type: `${type}StateExited`,
        stateExitedEventDetails: { name, output: '{"secretPayload":"in-output"}' },
      } as HistoryEvent;
    }
    return { ...base, type: line } as HistoryEvent;
  });
}

const run = (path: ExecutionPath) =>
  Object.fromEntries(path.states.map((s) => [s.name, `${s.run}/${s.visits}/${s.errors}`]));

describe('executionPath', () => {
  it.each<[string, HistoryEvent[], ExecutionStatus, Record<string, string>, Partial<ExecutionPath>]>([
    [
      'a straight run that succeeded',
      history('ExecutionStarted', '>Task:A', '<Task:A', '>Succeed:Done', '<Succeed:Done', 'ExecutionSucceeded'),
      'SUCCEEDED',
      { A: 'visited/1/0', Done: 'visited/1/0' },
      { entry: 'A', reachedEnd: true, transitions: [{ from: 'A', to: 'Done' }] },
    ],
    [
      'a run waiting in a Wait state',
      history('ExecutionStarted', '>Task:A', '<Task:A', '>Wait:Pause'),
      'RUNNING',
      { A: 'visited/1/0', Pause: 'current/1/0' },
      { current: 'Pause', reachedEnd: false },
    ],
    [
      'a run between states (the last one exited, the next not yet entered)',
      history('ExecutionStarted', '>Task:A', '<Task:A'),
      'RUNNING',
      { A: 'visited/1/0' },
      { current: undefined },
    ],
    [
      'a task that failed the execution',
      history('ExecutionStarted', '>Task:A', 'LambdaFunctionScheduled', 'LambdaFunctionFailed', 'ExecutionFailed'),
      'FAILED',
      { A: 'failed/1/1' },
      { stoppedIn: 'A', current: undefined, reachedEnd: false },
    ],
    [
      'a task error retried, then caught into another state (no exit event, as AWS writes it)',
      history(
        'ExecutionStarted',
        '>Task:A',
        'LambdaFunctionFailed',
        'LambdaFunctionFailed',
        '>Succeed:Handled',
        '<Succeed:Handled',
        'ExecutionSucceeded',
      ),
      'SUCCEEDED',
      { A: 'visited/1/2', Handled: 'visited/1/0' },
      { transitions: [{ from: 'A', to: 'Handled' }], reachedEnd: true },
    ],
    [
      'a Fail state',
      history('ExecutionStarted', '>Task:A', '<Task:A', '>Fail:Broken', 'ExecutionFailed'),
      'FAILED',
      { A: 'visited/1/0', Broken: 'failed/1/0' },
      { stoppedIn: 'Broken' },
    ],
    [
      'a run stopped by StopExecution',
      history('ExecutionStarted', '>Wait:Pause', 'ExecutionAborted'),
      'ABORTED',
      { Pause: 'aborted/1/0' },
      { stoppedIn: 'Pause', current: undefined },
    ],
    [
      'a run that timed out in a task',
      history('ExecutionStarted', '>Task:A', 'ExecutionTimedOut'),
      'TIMED_OUT',
      { A: 'failed/1/0' },
      { stoppedIn: 'A' },
    ],
    [
      'a poll loop: visits counted, each move listed once in first-taken order',
      history('>Wait:W', '<Wait:W', '>Task:P', '<Task:P', '>Wait:W', '<Wait:W', '>Task:P', '<Task:P', '>Succeed:S'),
      'RUNNING',
      { W: 'visited/2/0', P: 'visited/2/0', S: 'current/1/0' },
      {
        entry: 'W',
        transitions: [
          { from: 'W', to: 'P' },
          { from: 'P', to: 'W' },
          { from: 'P', to: 'S' },
        ],
      },
    ],
    ['no state entered yet', history('ExecutionStarted'), 'RUNNING', {}, { entry: undefined, transitions: [] }],
  ])('%s', (_case, events, status, states, expected) => {
    const path = ExecutionPath.parse(executionPath(events, status));
    expect(run(path)).toEqual(states);
    // `undefined` in the expectation means: the field is left out.
    const present = Object.entries(expected).filter(([, value]) => value !== undefined);
    expect(path).toMatchObject(Object.fromEntries(present));
    for (const [key, value] of Object.entries(expected)) if (value === undefined) expect(path).not.toHaveProperty(key);
  });
});

describe('executionPath of a callback task', () => {
  const at = (second: number) => new Date(Date.UTC(2026, 0, 1, 0, 1, second));
  const scheduled = (resource: string, second: number, extra: Record<string, unknown> = {}): HistoryEvent => ({
    id: 100 + second,
    timestamp: at(second),
    type: 'TaskScheduled',
    taskScheduledEventDetails: { resourceType: 'lambda', resource, region: 'us-east-1', parameters: '{}', ...extra },
  });
  const bare = (type: string, second: number) => ({ id: 100 + second, timestamp: at(second), type }) as HistoryEvent;
  const entering = history('ExecutionStarted', '>Choice:Route', '<Choice:Route', '>Task:AwaitJobEnd');

  it.each<[string, HistoryEvent[], ExecutionStatus, ExecutionPath['waitingForCallback']]>([
    [
      'its function has the token: waiting, with its timeout',
      [
        ...entering,
        scheduled('invoke.waitForTaskToken', 1, { timeoutInSeconds: 300 }),
        bare('TaskStarted', 2),
        bare('TaskSubmitted', 3),
      ],
      'RUNNING',
      { state: 'AwaitJobEnd', since: at(1).toISOString(), timeoutSeconds: 300 },
    ],
    [
      'with a heartbeat and no timeout',
      [...entering, scheduled('invoke.waitForTaskToken', 1, { heartbeatInSeconds: 60 })],
      'RUNNING',
      { state: 'AwaitJobEnd', since: at(1).toISOString(), heartbeatSeconds: 60 },
    ],
    [
      'resumed by its token (the state not exited yet)',
      [...entering, scheduled('invoke.waitForTaskToken', 1), bare('TaskSubmitted', 2), bare('TaskSucceeded', 3)],
      'RUNNING',
      undefined,
    ],
    [
      'timed out',
      [...entering, scheduled('invoke.waitForTaskToken', 1), bare('TaskTimedOut', 2)],
      'RUNNING',
      undefined,
    ],
    ['a plain lambda:invoke', [...entering, scheduled('invoke', 1), bare('TaskStarted', 2)], 'RUNNING', undefined],
    [
      'stopped while waiting',
      [...entering, scheduled('invoke.waitForTaskToken', 1), bare('ExecutionAborted', 2)],
      'ABORTED',
      undefined,
    ],
  ])('%s', (_case, events, status, expected) => {
    const path = ExecutionPath.parse(executionPath(events, status));
    if (expected === undefined) expect(path).not.toHaveProperty('waitingForCallback');
    else expect(path.waitingForCallback).toEqual(expected);
  });
});

describe('eventViews', () => {
  it('ties each event to its state and never carries inputs or outputs', () => {
    const views = eventViews(
      history('ExecutionStarted', '>Task:A', 'LambdaFunctionStarted', '<Task:A', 'ExecutionSucceeded'),
    );
    expect(views.map((v) => [v.type, v.state])).toEqual([
      ['ExecutionStarted', undefined],
      ['TaskStateEntered', 'A'],
      ['LambdaFunctionStarted', 'A'],
      ['TaskStateExited', 'A'],
      ['ExecutionSucceeded', undefined],
    ]);
    for (const view of views) EventView.parse(view);
    expect(JSON.stringify(views)).not.toContain('secretPayload');
  });

  it.each<[string, Partial<HistoryEvent>, string | undefined]>([
    [
      'a Lambda failure reads as its error and message, not the raw runtime JSON',
      {
        type: 'LambdaFunctionFailed',
        lambdaFunctionFailedEventDetails: {
          error: 'Transient',
          cause: JSON.stringify({ errorType: 'Transient', errorMessage: 'AAP answered 503', trace: ['at x'] }),
        },
      },
      'Transient: AAP answered 503',
    ],
    [
      'a plain-text cause is kept',
      { type: 'ExecutionFailed', executionFailedEventDetails: { error: 'States.Runtime', cause: 'engine closed' } },
      'States.Runtime: engine closed',
    ],
    [
      'a scheduled Lambda names its function',
      {
        type: 'LambdaFunctionScheduled',
        lambdaFunctionScheduledEventDetails: {
          resource: 'arn:aws:lambda:us-east-1:000000000000:function:cloudkit-provisioner-local-pollJob',
          input: '{"secretPayload":1}',
        },
      },
      'cloudkit-provisioner-local-pollJob',
    ],
    [
      'a long cause is clipped',
      {
        type: 'TaskFailed',
        taskFailedEventDetails: { resourceType: 'lambda', resource: 'invoke', error: 'E', cause: 'x'.repeat(5000) },
      },
      `E: ${'x'.repeat(396)}…`,
    ],
    [
      'a succeeded task shows nothing of its output',
      { type: 'LambdaFunctionSucceeded', lambdaFunctionSucceededEventDetails: { output: '{"secretPayload":2}' } },
      undefined,
    ],
  ])('%s', (_case, event, detail) => {
    const [view] = eventViews([{ id: 1, timestamp: new Date(0), ...event } as HistoryEvent]);
    expect(view?.detail).toBe(detail);
  });
});
