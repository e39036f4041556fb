// biome-ignore-all lint/suspicious/noTemplateCurlyInString: serverless variables are `${…}` inside plain strings.
import { parseCfnYaml } from '../../local/sfn-engine/cfn-yaml';
import { resolveVariables, type VariableSources } from '../../local/sfn-engine/serverless-variables';

const files: Record<string, unknown> = {
  'machine.yml': { StartAt: 'A', Comment: '${self:service} on ${sls:stage}' },
  'names.yml': { prefix: 'from-file' },
};

const sources: VariableSources = {
  stage: 'local',
  region: 'eu-west-1',
  accountId: '123456789012',
  env: { AAP_URL: 'https://aap.example' },
  self: {
    service: 'svc',
    params: { default: { tracing: false, table: '${self:service}-table' }, local: { tracing: true } },
    provider: { stage: "${opt:stage, 'dev'}", memorySize: 512 },
    custom: { alias: '${self:service}-alias', loopA: '${self:custom.loopB}', loopB: '${self:custom.loopA}' },
  },
  readFile: (relativePath) => {
    if (!(relativePath in files)) throw new Error(`no fixture file ${relativePath}`);
    return files[relativePath];
  },
};

const resolve = (value: unknown) => resolveVariables(value, sources, 'test');

describe('resolveVariables', () => {
  it.each([
    ['${sls:stage}', 'local'],
    ["${opt:stage, 'dev'}", 'local'],
    ['${opt:profile, "fallback"}', 'fallback'],
    ['${opt:profile, 42}', 42],
    ['${opt:profile, true}', true],
    ['${self:service}-${sls:stage}-provision', 'svc-local-provision'],
    ['${self:provider.stage}', 'local'],
    ['${self:provider.memorySize}', 512],
    ['${self:custom.alias}', 'svc-alias'],
    ['${env:AAP_URL}', 'https://aap.example'],
    ['${env:MISSING, ${self:service}}', 'svc'],
    ['${env:MISSING, self:service}', 'svc'],
    ['${aws:region}/${aws:accountId}', 'eu-west-1/123456789012'],
    ['${ssm:/a/b, "local-default"}', 'local-default'],
    ['${file(names.yml):prefix}-x', 'from-file-x'],
    ['${param:tracing}', true],
    ['${param:table}', 'svc-table'],
    ['${param:missing, "fallback"}', 'fallback'],
    ['no variables here', 'no variables here'],
  ])('resolves %s', (expression, expected) => {
    expect(resolve(expression)).toEqual(expected);
  });

  it('replaces a whole-value ${file()} by the file content, resolved in turn', () => {
    expect(resolve({ definition: '${file(machine.yml)}' })).toEqual({
      definition: { StartAt: 'A', Comment: 'svc on local' },
    });
  });

  it.each([
    [
      'an unknown source without fallback',
      '${ssm:/cloudkit/token}',
      /test: cannot resolve \$\{ssm:\/cloudkit\/token\} \(ssm: variables are not available locally\)/,
    ],
    ['a missing env variable', '${env:NOPE}', /cannot resolve \$\{env:NOPE\}/],
    ['a self-reference cycle', '${self:custom.loopA}', /nest too deeply/],
    ['an unterminated variable', 'x-${sls:stage', /unterminated variable/],
    ['an object inside a string', 'x-${self:provider}', /is an object inside a string/],
  ])('refuses %s with a message naming it', (_case, expression, expected) => {
    expect(() => resolve(expression)).toThrow(expected);
  });
});

describe('parseCfnYaml', () => {
  it.each([
    ['Resource: !GetAtt fetchInstance.Arn', { Resource: { 'Fn::GetAtt': ['fetchInstance', 'Arn'] } }],
    ['Resource: !GetAtt [fetchInstance, Arn]', { Resource: { 'Fn::GetAtt': ['fetchInstance', 'Arn'] } }],
    ['Name: !Ref Queue', { Name: { Ref: 'Queue' } }],
    ['Url: !Sub "https://${Host}/x"', { Url: { 'Fn::Sub': 'https://${Host}/x' } }],
    ['{"json": [1, 2]}', { json: [1, 2] }],
  ])('reads %s', (text, expected) => {
    expect(parseCfnYaml(text, 'inline.yml')).toEqual(expected);
  });

  it('names the file it cannot parse', () => {
    expect(() => parseCfnYaml('a: [unclosed', 'broken.yml')).toThrow(/^broken\.yml is not valid YAML: /);
  });
});
