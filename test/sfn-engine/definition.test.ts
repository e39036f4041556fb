import {
  callbackTaskInput,
  type DefinitionValidator,
  FunctionIndex,
  MAX_TIMER_SECONDS,
  prepareDefinition,
} from '../../local/sfn-engine/definition';
import type { StateMachineDeclaration } from '../../local/sfn-engine/serverless-project';
import { declaredFunction } from './support/functions';

const fetchFn = declaredFunction('fetch-instance');
const functions = new FunctionIndex([fetchFn, declaredFunction('other')]);

function machine(
  definition: Record<string, unknown>,
  type: 'STANDARD' | 'EXPRESS' = 'STANDARD',
): StateMachineDeclaration {
  return {
    key: 'm',
    name: 'svc-local-m',
    arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:svc-local-m',
    type,
    definition,
  };
}

// asl-validator takes most of a second per call; only the tests about validation itself pay for it.
const anyDefinitionIsValid: DefinitionValidator = () => [];
const prepare = (declaration: StateMachineDeclaration, timeScale = 1) =>
  prepareDefinition(declaration, functions, timeScale, anyDefinitionIsValid);

const task = (resource: unknown, extra: Record<string, unknown> = {}) => ({
  StartAt: 'Call',
  States: { Call: { Type: 'Task', Resource: resource, End: true, ...extra } },
});

describe('prepareDefinition', () => {
  it.each([
    ['Fn::GetAtt with a list', { 'Fn::GetAtt': ['fetch-instance', 'Arn'] }],
    ['Fn::GetAtt with a dotted string', { 'Fn::GetAtt': 'fetch-instance.Arn' }],
    ['Fn::GetAtt of the CloudFormation logical id', { 'Fn::GetAtt': ['FetchDashinstanceLambdaFunction', 'Arn'] }],
    ['the deployed function ARN', fetchFn.arn],
  ])('binds a Task to its function given %s', (_case, resource) => {
    const prepared = prepare(machine(task(resource)));
    expect(prepared.bindings.get('Call')).toMatchObject({ kind: 'lambda', fn: { key: 'fetch-instance' } });
    expect((prepared.definition.States as Record<string, { Resource: string }>).Call?.Resource).toBe(fetchFn.arn);
  });

  it('hands Waits to the engine and scales Retry pauses, leaving the deployed definition as written', () => {
    const definition = {
      StartAt: 'Call',
      States: {
        Call: {
          Type: 'Task',
          Resource: fetchFn.arn,
          Retry: [
            { ErrorEquals: ['Transient'], IntervalSeconds: 10, MaxDelaySeconds: 60 },
            { ErrorEquals: ['States.ALL'] },
          ],
          Next: 'Pause',
        },
        Pause: { Type: 'Wait', SecondsPath: '$.seconds', OutputPath: '$.keep', Next: 'Done' },
        Done: { Type: 'Succeed' },
      },
    };
    const prepared = prepare(machine(definition), 0.01);
    const runnable = prepared.runnable.States as unknown as Record<string, Record<string, unknown>>;

    expect(runnable.Pause).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::sfn-engine:wait',
      TimeoutSeconds: MAX_TIMER_SECONDS,
      OutputPath: '$.keep',
      Next: 'Done',
    });
    expect(prepared.bindings.get('Pause')).toEqual({
      kind: 'wait',
      stateName: 'Pause',
      timing: { SecondsPath: '$.seconds' },
    });
    expect(runnable.Call?.Retry).toEqual([
      { ErrorEquals: ['Transient'], IntervalSeconds: 0.1, MaxDelaySeconds: 0.6 },
      { ErrorEquals: ['States.ALL'], IntervalSeconds: 0.01 },
    ]);
    // Step Functions has no default task timeout; the library's 60 s default must not apply.
    expect(runnable.Call?.TimeoutSeconds).toBe(MAX_TIMER_SECONDS);
    expect(prepared.definition).toEqual(definition);
    expect([...prepared.stateTypes]).toEqual([
      ['Call', 'Task'],
      ['Pause', 'Wait'],
      ['Done', 'Succeed'],
    ]);
  });

  it('leaves the timing of a callback task to the engine and carries the state input along with its Parameters', () => {
    const parameters = { FunctionName: fetchFn.functionName, Payload: { 'token.$': '$$.Task.Token' } };
    const callback = task('arn:aws:states:::lambda:invoke.waitForTaskToken', {
      Parameters: parameters,
      InputPath: '$.wait',
      TimeoutSecondsPath: '$.seconds',
      HeartbeatSeconds: 60,
    });
    const prepared = prepare(machine(callback));
    const runnable = prepared.runnable.States as unknown as Record<string, Record<string, unknown>>;

    expect(runnable.Call).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      InputPath: '$.wait',
      Parameters: { 'sfnEngineStateInput.$': '$', sfnEngineParameters: parameters },
      TimeoutSeconds: MAX_TIMER_SECONDS,
      End: true,
    });
    expect(prepared.bindings.get('Call')).toEqual({
      kind: 'lambda-callback',
      stateName: 'Call',
      timing: { TimeoutSecondsPath: '$.seconds', HeartbeatSeconds: 60 },
    });
    expect(callbackTaskInput({ sfnEngineStateInput: { seconds: 5 }, sfnEngineParameters: { a: 1 } })).toEqual({
      stateInput: { seconds: 5 },
      parameters: { a: 1 },
    });
    // Without Parameters the function gets the state input itself.
    expect(callbackTaskInput({ sfnEngineStateInput: { seconds: 5 } })).toEqual({
      stateInput: { seconds: 5 },
      parameters: { seconds: 5 },
    });
  });

  it('takes the execution TimeoutSeconds out of the library definition, for the engine to enforce', () => {
    const prepared = prepare(machine({ ...task(fetchFn.arn), TimeoutSeconds: 3600 }));
    expect(prepared.timeoutSeconds).toBe(3600);
    expect(prepared.runnable.TimeoutSeconds).toBeUndefined();
    expect(prepared.definition.TimeoutSeconds).toBe(3600);
  });

  it('keeps an explicit TimeoutSeconds and leaves TimeoutSecondsPath to the library', () => {
    const explicit = prepare(machine(task(fetchFn.arn, { TimeoutSeconds: 30 })));
    const fromPath = prepare(machine(task(fetchFn.arn, { TimeoutSecondsPath: '$.t' })));
    expect((explicit.runnable.States.Call as { TimeoutSeconds?: number }).TimeoutSeconds).toBe(30);
    expect((fromPath.runnable.States.Call as { TimeoutSeconds?: number }).TimeoutSeconds).toBeUndefined();
  });

  it('binds states nested in Parallel branches and Map processors', () => {
    const definition = {
      StartAt: 'Fan',
      States: {
        Fan: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'BranchWait', States: { BranchWait: { Type: 'Wait', Seconds: 5, End: true } } },
            {
              StartAt: 'Each',
              States: {
                Each: {
                  Type: 'Map',
                  ItemProcessor: {
                    StartAt: 'PerItem',
                    States: { PerItem: { Type: 'Task', Resource: fetchFn.arn, End: true } },
                  },
                  End: true,
                },
              },
            },
          ],
          End: true,
        },
      },
    };
    const prepared = prepare(machine(definition));
    expect(prepared.bindings.get('BranchWait')?.kind).toBe('wait');
    expect(prepared.bindings.get('PerItem')?.kind).toBe('lambda');
    expect(prepared.stateTypes.get('Each')).toBe('Map');
  });

  it('accepts lambda:invoke with a declared FunctionName', () => {
    const definition = task('arn:aws:states:::lambda:invoke', {
      Parameters: { FunctionName: { 'Fn::GetAtt': ['other', 'Arn'] }, 'Payload.$': '$' },
    });
    expect(prepare(machine(definition)).bindings.get('Call')?.kind).toBe('lambda-invoke');
  });

  it.each([
    [
      'an undeclared GetAtt target',
      task({ 'Fn::GetAtt': ['ghost', 'Arn'] }),
      /names function 'ghost', which serverless\.yml does not declare \(declared: fetch-instance, other\)/,
    ],
    ['a GetAtt of something else than Arn', task({ 'Fn::GetAtt': ['other', 'Name'] }), /must be \[<function>, Arn\]/],
    [
      'another intrinsic',
      task({ 'Fn::Sub': 'arn:aws:lambda:us-east-1:000000000000:function:x' }),
      /Fn::Sub at definition\.States\.Call\.Resource is not supported locally/,
    ],
    [
      'a foreign Lambda ARN',
      task('arn:aws:lambda:us-east-1:000000000000:function:elsewhere'),
      /calls .*function:elsewhere, which is not a function of this project/,
    ],
    [
      'lambda:invoke of an undeclared function',
      task('arn:aws:states:::lambda:invoke', { Parameters: { FunctionName: 'ghost' } }),
      /invokes 'ghost', which is not a function of this project/,
    ],
    [
      'a callback task of an undeclared function',
      task('arn:aws:states:::lambda:invoke.waitForTaskToken', { Parameters: { FunctionName: 'other' } }),
      /invokes 'other', which is not a function of this project/,
    ],
    [
      'a callback task of another integration',
      task('arn:aws:states:::sqs:sendMessage.waitForTaskToken', { Parameters: { QueueUrl: 'q' } }),
      /uses Resource 'arn:aws:states:::sqs:sendMessage\.waitForTaskToken'/,
    ],
  ])('refuses %s with a message naming the machine', (_case, definition, expected) => {
    expect(() => prepare(machine(definition))).toThrow(expected);
    expect(() => prepare(machine(definition))).toThrow(/^state machine 'm' \(svc-local-m\)/);
  });

  it('names the state when a definition it was given unvalidated is malformed', () => {
    const definition = { StartAt: 'Odd', States: { Odd: { Type: 'Teleport', End: true } } };
    expect(() => prepare(machine(definition))).toThrow(
      /^state machine 'm' \(svc-local-m\): state 'Odd' is malformed: Type: /,
    );
  });

  it('refuses EXPRESS workflows', () => {
    expect(() => prepare(machine(task(fetchFn.arn), 'EXPRESS'))).toThrow(
      /only STANDARD workflows are supported locally, not EXPRESS/,
    );
  });
});

describe('prepareDefinition with asl-validator', () => {
  it('accepts a definition once its Fn::GetAtt references are resolved to ARNs', () => {
    const prepared = prepareDefinition(machine(task({ 'Fn::GetAtt': ['other', 'Arn'] })), functions, 1);
    expect(prepared.bindings.get('Call')?.kind).toBe('lambda');
  });

  it('refuses an invalid definition, naming the machine and each problem', () => {
    const dangling = { StartAt: 'Missing', States: { Only: { Type: 'Succeed' } } };
    expect(() => prepareDefinition(machine(dangling), functions, 1)).toThrow(
      /^state machine 'm' \(svc-local-m\) has an invalid definition:\n {2}MISSING_TRANSITION_TARGET: State Only is not reachable\n {2}MISSING_TRANSITION_TARGET: .* target: Missing$/,
    );
  });
});
