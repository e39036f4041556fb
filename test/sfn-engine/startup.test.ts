import path from 'node:path';
import { startSfnEngine } from '../../local/sfn-engine';
import { loadServerlessProject } from '../../local/sfn-engine/serverless-project';
import { FIXTURES_DIR } from './support/engine';

async function startError(options: Parameters<typeof startSfnEngine>[0]): Promise<Error> {
  try {
    const engine = await startSfnEngine(options);
    await engine.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the engine to refuse to start');
}

describe('a project with invalid state machines', () => {
  let error: Error;

  beforeAll(async () => {
    error = await startError({ projectRoot: FIXTURES_DIR, serverlessFile: 'invalid/serverless.yml' });
  });

  it('refuses to start with one DefinitionError', () => {
    expect(error.name).toBe('DefinitionError');
    expect(error.message).toMatch(/^cannot start the local Step Functions engine:/);
  });

  it.each([
    [
      'danglingNext',
      /state machine 'danglingNext' \(danglingNext\) has an invalid definition:\n.*MISSING_TRANSITION_TARGET.*Nowhere/,
    ],
    [
      'unknownFunction',
      /state machine 'unknownFunction'.*names function 'nope', which serverless\.yml does not declare \(declared: ping\)/,
    ],
    [
      'unsupportedResource',
      /state machine 'unsupportedResource'.*state 'Send' uses Resource 'arn:aws:states:::sqs:sendMessage'/,
    ],
    ['jsonata', /state machine 'jsonata'.*JSONata is not supported locally/],
    ['badName', /state machine 'badName'.*Invalid Name: 'has spaces in it'/],
  ])('names %s and its problem', (_machine, expected) => {
    expect(error.message).toMatch(expected);
  });

  it('does not blame the valid machine', () => {
    expect(error.message).not.toContain("'fine'");
  });
});

describe('serverless.yml problems', () => {
  it.each([
    [
      'a variable that cannot be resolved locally',
      'invalid/serverless.unresolvable.yml',
      /stepFunctions\.stateMachines\.main\.name: cannot resolve \$\{ssm:\/cloudkit\/machine-name\} \(ssm: variables are not available locally/,
    ],
    [
      'a definition file that is missing',
      'invalid/serverless.missing-file.yml',
      /cannot read .*statemachines\/not-there\.asl\.yaml/,
    ],
    ['a missing serverless file', 'invalid/absent.yml', /cannot read .*invalid\/absent\.yml/],
  ])('reports %s', async (_case, serverlessFile, expected) => {
    const error = await startError({ projectRoot: FIXTURES_DIR, serverlessFile });
    expect(error.name).toBe('ServerlessConfigError');
    expect(error.message).toMatch(expected);
  });

  it.each([
    ['timeScale', { timeScale: 0 }, /timeScale/],
    ['accountId', { accountId: '42' }, /accountId is 12 digits/],
    ['port', { port: 70000 }, /port/],
  ])('rejects a bad %s option', async (_option, bad, expected) => {
    const error = await startError({ projectRoot: FIXTURES_DIR, ...bad });
    expect(error.message).toMatch(expected);
  });
});

describe('names, stage and function settings', () => {
  const project = loadServerlessProject({
    projectRoot: FIXTURES_DIR,
    serverlessFile: 'serverless.yml',
    stage: 'ci',
    region: 'eu-west-1',
    accountId: '123456789012',
  });

  it('names state machines from the stage and the service, or after their key', () => {
    expect(project.stateMachines.map(({ key, name, arn }) => ({ key, name, arn }))).toEqual([
      {
        key: 'provision',
        name: 'sfn-engine-fixture-ci-provision',
        arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sfn-engine-fixture-ci-provision',
      },
      { key: 'tasks', name: 'tasks', arn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:tasks' },
    ]);
  });

  it.each([
    ['fetchInstance', 'functions/instance', 'fetch', 5],
    ['slowCall', 'functions/slow', 'handler', 1],
    ['lingeringCall', 'functions/slow', 'handler', 5],
  ])(
    'declares %s with its handler and timeout (own, else the provider one)',
    (key, modulePath, exportName, timeout) => {
      expect(project.functions.find((fn) => fn.key === key)).toEqual({
        key,
        functionName: `sfn-engine-fixture-ci-${key}`,
        arn: `arn:aws:lambda:eu-west-1:123456789012:function:sfn-engine-fixture-ci-${key}`,
        handler: `${modulePath}.${exportName}`,
        modulePath: path.join(FIXTURES_DIR, modulePath),
        exportName,
        timeoutSeconds: timeout,
        memorySizeMb: 1024,
      });
    },
  );
});
