import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { emptyReport, reportMetrics } from '../../lib/reconcile/report';
import { parseCfnYaml } from '../../local/sfn-engine/cfn-yaml';
import {
  entries,
  grants,
  isCreated,
  PACKAGE_DIR,
  PROJECT_ROOT,
  packagedTemplate,
  referencedId,
  references,
  render,
  resource,
  resourcesOfType,
  serverless,
  type Template,
  trustAndManagedPolicies,
} from './cloudformation';

// Packaging bundles ten functions with esbuild; on a busy 2-core machine that takes a minute or more.
const PACKAGE_TIMEOUT_MS = 150_000;
const PRINT_TIMEOUT_MS = 60_000;

const SERVICE = 'cloudkit-provisioner';
const PREFIX = `${SERVICE}-ci`;

const arn = (service: string, rest: string) =>
  `arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${rest}`;
const CLUSTERS_SECRET = arn('secretsmanager', `secret:${SERVICE}/ci/clusters-??????`);
const WEBHOOKS_SECRET = arn('secretsmanager', `secret:${SERVICE}/ci/webhooks-??????`);
const AAP_TOKEN_SECRET = arn('secretsmanager', `secret:${SERVICE}/ci/aap-token-??????`);
const AAP_NOTIFICATION_SECRET = arn('secretsmanager', `secret:${SERVICE}/ci/aap-notification-token-??????`);
/** How `render` spells `Fn::GetAtt: [JobWaitersTable, Arn]`. */
const JOB_WAITERS_TABLE_ARN = `\${JobWaitersTable.Arn}`;
const PROVISION_MACHINE = arn('states', `stateMachine:${PREFIX}-provision`);
const DEPROVISION_MACHINE = arn('states', `stateMachine:${PREFIX}-deprovision`);
const PROVISION_EXECUTIONS = arn('states', `execution:${PREFIX}-provision:*`);
const DEPROVISION_EXECUTIONS = arn('states', `execution:${PREFIX}-deprovision:*`);

const grant = (actions: string[], resources: string[]) =>
  actions.flatMap((action) => resources.map((resourceArn) => `${action} ${resourceArn}`));
const ownLogs = (key: string) =>
  grant(
    ['logs:CreateLogStream', 'logs:CreateLogGroup', 'logs:PutLogEvents'],
    [arn('logs', `log-group:/aws/lambda/${PREFIX}-${key}:*:*`)],
  );
const readWebhooks = grant(['secretsmanager:GetSecretValue'], [WEBHOOKS_SECRET]);
const readClusters = grant(['secretsmanager:GetSecretValue'], [CLUSTERS_SECRET]);
const readClustersAndAapToken = grant(['secretsmanager:GetSecretValue'], [CLUSTERS_SECRET, AAP_TOKEN_SECRET]);
const readAapToken = grant(['secretsmanager:GetSecretValue'], [AAP_TOKEN_SECRET]);
/** The task-token table (resource JobWaitersTable), as `render` spells `Fn::GetAtt: [JobWaitersTable, Arn]`. */
const JOB_WAITERS_TABLE = `\${JobWaitersTable.Arn}`;

interface ExpectedFunction {
  key: string;
  handler: string;
  memorySize: number;
  timeout: number;
  /** Whether it gets the AAP settings (names only): every function whose settings schema requires them. */
  aap: boolean;
  errorsThreshold: number;
  grants: string[];
}

const FUNCTIONS: ExpectedFunction[] = [
  {
    key: 'webhook',
    handler: 'functions/webhook.handler',
    memorySize: 128,
    timeout: 10,
    aap: false,
    errorsThreshold: 1,
    // The webhook secret only (never the API credentials), starting executions, and asking whether the execution
    // under a taken name still runs (a failed one gets the next retry): nothing it does not use.
    grants: [
      ...readWebhooks,
      ...grant(['states:StartExecution'], [PROVISION_MACHINE, DEPROVISION_MACHINE]),
      ...grant(['states:DescribeExecution'], [PROVISION_EXECUTIONS, DEPROVISION_EXECUTIONS]),
    ],
  },
  {
    key: 'aapNotifications',
    handler: 'functions/notifications.receive',
    memorySize: 128,
    timeout: 10,
    aap: false,
    errorsThreshold: 1,
    // The notification token, the job's waiters (read, delete) and resuming them: nothing it does not use.
    grants: [
      ...grant(['secretsmanager:GetSecretValue'], [AAP_NOTIFICATION_SECRET]),
      ...grant(['dynamodb:Query', 'dynamodb:DeleteItem'], [JOB_WAITERS_TABLE_ARN]),
      ...grant(['states:SendTaskSuccess'], ['*']),
    ],
  },
  {
    key: 'reconcile',
    handler: 'functions/reconcile.handler',
    memorySize: 512,
    timeout: 300,
    aap: true,
    errorsThreshold: 1,
    grants: [
      ...readClustersAndAapToken,
      ...grant(['states:StartExecution'], [PROVISION_MACHINE, DEPROVISION_MACHINE]),
      ...grant(['states:DescribeExecution'], [PROVISION_EXECUTIONS, DEPROVISION_EXECUTIONS]),
    ],
  },
  ...(
    [
      ['inspectInstance', 'functions/instance.inspect', 30, readClustersAndAapToken],
      ['ensureFinalizer', 'functions/instance.ensureFinalizer', 30, readClusters],
      ['removeFinalizer', 'functions/instance.removeFinalizer', 30, readClusters],
      ['launchJob', 'functions/jobs.launch', 30, readClustersAndAapToken],
      ['pollJob', 'functions/jobs.poll', 60, readClustersAndAapToken],
      ['cancelProvisionJob', 'functions/jobs.cancelProvision', 30, readClustersAndAapToken],
      [
        'stopProvisioning',
        'functions/executions.stopProvisioning',
        30,
        [
          ...readClusters,
          ...grant(['states:ListExecutions'], [PROVISION_MACHINE]),
          ...grant(['states:StopExecution'], [PROVISION_EXECUTIONS]),
        ],
      ],
      [
        'continueAsNew',
        'functions/executions.continueAsNew',
        30,
        grant(['states:StartExecution'], [PROVISION_MACHINE, DEPROVISION_MACHINE]),
      ],
      [
        'awaitJobEnd',
        'functions/jobs.awaitJobEnd',
        30,
        // Its own waiters only (no read: the receiver reads them), the job from AAP, and its own task resumed.
        [
          ...readAapToken,
          ...grant(['dynamodb:PutItem', 'dynamodb:DeleteItem'], [JOB_WAITERS_TABLE]),
          ...grant(['states:SendTaskSuccess'], ['*']),
        ],
      ],
    ] as const
  ).map(([key, handler, timeout, taskGrants]) => ({
    key,
    handler,
    memorySize: 256,
    timeout,
    aap: true,
    errorsThreshold: 5,
    grants: [...taskGrants],
  })),
];

/** How `render` spells `Ref: id` (and, with `.Arn`, `Fn::GetAtt: [id, Arn]`). */
const placeholder = (id: string) => `\${${id}}`;
const capitalized = (key: string) => `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
/** The Parameters and Secrets extension's own settings (named by AWS): how it caches, never a secret. */
const SECRETS_EXTENSION_SETTING = /^PARAMETERS_SECRETS_EXTENSION_(CACHE_ENABLED|CACHE_SIZE|HTTP_PORT|LOG_LEVEL)$/;
const functionId = (key: string) => `${capitalized(key)}LambdaFunction`;
const roleId = (key: string) => `${capitalized(key)}IamRoleLambdaExecution`;

const MACHINES = [
  {
    key: 'provision',
    id: 'ProvisionStateMachine',
    calls: ['inspectInstance', 'ensureFinalizer', 'launchJob', 'awaitJobEnd', 'pollJob', 'continueAsNew'],
  },
  {
    key: 'deprovision',
    id: 'DeprovisionStateMachine',
    calls: [
      'inspectInstance',
      'stopProvisioning',
      'cancelProvisionJob',
      'launchJob',
      'awaitJobEnd',
      'pollJob',
      'continueAsNew',
      'removeFinalizer',
    ],
  },
];

const ROUTES = [
  'POST /v1/clusters/{cluster}/events',
  'POST /v1/clusters/{cluster}/create-compute-instance',
  'POST /v1/clusters/{cluster}/delete-compute-instance',
];
const NOTIFICATION_ROUTE = 'POST /v1/aap/notifications';

/** Actions with no resource-level permissions: AWS only accepts '*' for them. */
const WILDCARD_ONLY_ACTIONS = new Set([
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  // Step Functions log delivery (CloudWatch Logs vended logs).
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // Ending a `.waitForTaskToken` task (awaitJobEnd): IAM offers no resource type for it.
  'states:SendTaskSuccess',
]);

const Environment = z.object({ Variables: z.record(z.string(), z.unknown()) });
const environmentOf = (template: Template, key: string) =>
  Environment.parse(resource(template, functionId(key), 'AWS::Lambda::Function').Properties.Environment).Variables;

/** Secrets Manager secret names: letters, digits and /_+=.@- only. */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

let template: Template;

beforeAll(async () => {
  template = await packagedTemplate(PACKAGE_TIMEOUT_MS);
}, PACKAGE_TIMEOUT_MS + 30_000);

describe('functions', () => {
  it('packages exactly the webhook, the notification receiver, the reconciler and the nine task functions', () => {
    const packaged = resourcesOfType(template, 'AWS::Lambda::Function').map(([id]) => id);
    expect(packaged.sort()).toEqual(FUNCTIONS.map((f) => functionId(f.key)).sort());
  });

  it.each(FUNCTIONS)('$key runs $handler on Node 22 / arm64 with $memorySize MB and $timeout s', (f) => {
    const fn = resource(template, functionId(f.key), 'AWS::Lambda::Function').Properties;
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: f.handler,
      FunctionName: `${PREFIX}-${f.key}`,
      MemorySize: f.memorySize,
      Timeout: f.timeout,
    });
    // Tracing is off by default (param tracing).
    expect(fn.TracingConfig).toBeUndefined();
  });

  it.each(FUNCTIONS)('$key logs to its own log group, kept 30 days', (f) => {
    const logGroupId = `${capitalized(f.key)}LogGroup`;
    const logGroup = resource(template, logGroupId, 'AWS::Logs::LogGroup').Properties;
    expect(logGroup).toEqual({ LogGroupName: `/aws/lambda/${PREFIX}-${f.key}`, RetentionInDays: 30 });
    expect(resource(template, functionId(f.key), 'AWS::Lambda::Function').DependsOn).toContain(logGroupId);
  });

  it('creates no function versions nobody uses (the state machines call $LATEST)', () => {
    expect(resourcesOfType(template, 'AWS::Lambda::Version')).toEqual([]);
  });
});

describe('IAM', () => {
  it.each(FUNCTIONS)('$key runs as its own role, trusted by Lambda only, with exactly the grants it uses', (f) => {
    const fn = resource(template, functionId(f.key), 'AWS::Lambda::Function');
    expect(referencedId(fn.Properties.Role)).toBe(roleId(f.key));
    const role = resource(template, roleId(f.key), 'AWS::IAM::Role');
    expect(isCreated(template, roleId(f.key))).toBe(true);
    expect(trustAndManagedPolicies(role)).toEqual({ trusted: ['lambda.amazonaws.com'], managed: [] });
    expect(grants(role)).toEqual([...ownLogs(f.key), ...f.grants].sort());
  });

  it('keeps the API credentials from the public webhook, and the webhook secrets from everyone else', () => {
    const rolesThatMay = (secret: string) =>
      FUNCTIONS.filter((f) =>
        grants(resource(template, roleId(f.key), 'AWS::IAM::Role')).some((g) => g.endsWith(secret)),
      )
        .map((f) => f.key)
        .sort();
    expect(rolesThatMay(WEBHOOKS_SECRET)).toEqual(['webhook']);
    expect(rolesThatMay(CLUSTERS_SECRET)).not.toContain('webhook');
    expect(rolesThatMay(AAP_TOKEN_SECRET)).not.toContain('webhook');
    expect(rolesThatMay(AAP_NOTIFICATION_SECRET)).toEqual(['aapNotifications']);
    expect(rolesThatMay(CLUSTERS_SECRET)).not.toContain('aapNotifications');
    expect(rolesThatMay(AAP_TOKEN_SECRET)).not.toContain('aapNotifications');
  });

  it('gives no two functions the same role', () => {
    const roles = resourcesOfType(template, 'AWS::Lambda::Function').map(([, fn]) => referencedId(fn.Properties.Role));
    expect(new Set(roles).size).toBe(FUNCTIONS.length);
  });

  it('creates no role besides one per function and one per state machine', () => {
    const created = resourcesOfType(template, 'AWS::IAM::Role')
      .map(([id]) => id)
      .filter((id) => isCreated(template, id));
    expect(created.sort()).toEqual(
      [...FUNCTIONS.map((f) => roleId(f.key)), ...MACHINES.map((m) => `${m.id}Role`)].sort(),
    );
  });

  it('leaves the shared role osls generates uncreated and unreferenced', () => {
    // serverless-iam-roles-per-function copies it per function; the copy must not carry its never-true condition.
    if (!template.Resources.IamRoleLambdaExecution) return;
    expect(isCreated(template, 'IamRoleLambdaExecution')).toBe(false);
    expect(references(template, 'IamRoleLambdaExecution').has('IamRoleLambdaExecution')).toBe(false);
  });

  it('grants a wildcard resource only for actions AWS offers no resource-level permission for', () => {
    const wildcards = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([id]) => isCreated(template, id))
      .flatMap(([id, role]) => grants(role).map((line) => `${id}: ${line}`))
      .filter((line) => line.endsWith(' *'))
      .filter((line) => !WILDCARD_ONLY_ACTIONS.has(line.split(' ')[1] ?? ''));
    expect(wildcards).toEqual([]);
  });

  it('grants no X-Ray permission while tracing is off', () => {
    const xray = resourcesOfType(template, 'AWS::IAM::Role')
      .filter(([id]) => isCreated(template, id))
      .flatMap(([id, role]) => grants(role).map((line) => `${id}: ${line}`))
      .filter((line) => line.includes(' xray:'));
    expect(xray).toEqual([]);
  });
});

describe('environment', () => {
  it('gives the webhook its settings and the webhooks secret name but none of the AAP or cluster credentials', () => {
    expect(Object.keys(environmentOf(template, 'webhook')).sort()).toEqual(
      [
        'WEBHOOKS_SECRET_NAME',
        'PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED',
        'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
        'DEPROVISION_STATE_MACHINE_ARN',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_TRACE_ENABLED',
        'PROVISION_STATE_MACHINE_ARN',
      ].sort(),
    );
  });

  it('gives the notification receiver the token secret name and the table, nothing of AAP or the clusters', () => {
    const env = environmentOf(template, 'aapNotifications');
    expect(Object.keys(env).sort()).toEqual(
      [
        'AAP_NOTIFICATION_SECRET_NAME',
        'JOB_WAITERS_TABLE',
        'PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED',
        'PARAMETERS_SECRETS_EXTENSION_HTTP_PORT',
        'DEPROVISION_STATE_MACHINE_ARN',
        'POWERTOOLS_LOG_LEVEL',
        'POWERTOOLS_METRICS_NAMESPACE',
        'POWERTOOLS_SERVICE_NAME',
        'POWERTOOLS_TRACE_ENABLED',
        'PROVISION_STATE_MACHINE_ARN',
      ].sort(),
    );
    expect(env.AAP_NOTIFICATION_SECRET_NAME).toBe(`${SERVICE}/ci/aap-notification-token`);
    expect(referencedId(env.JOB_WAITERS_TABLE)).toBe('JobWaitersTable');
  });

  // The receiver's token and the webhook's registry, the AAP token and the clusters document of the others: one
  // way (lib/runtime/secrets.ts picks the extension where its port is set), no Secrets Manager SDK loaded for it.
  it.each(FUNCTIONS)(
    '$key reads its secrets through the Parameters and Secrets extension layer, uncached there',
    (f) => {
      const fn = resource(template, functionId(f.key), 'AWS::Lambda::Function');
      expect(fn.Properties.Layers).toEqual([
        expect.stringMatching(
          /^arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension-Arm64:\d+$/,
        ),
      ]);
      expect(environmentOf(template, f.key)).toMatchObject({
        PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: '2773',
        PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED: 'false',
      });
    },
  );

  it('names the webhooks secret for the webhook', () => {
    expect(environmentOf(template, 'webhook').WEBHOOKS_SECRET_NAME).toBe(`${SERVICE}/ci/webhooks`);
  });

  it.each(FUNCTIONS.filter((f) => f.aap))('$key gets the AAP settings, the token by secret name', (f) => {
    expect(environmentOf(template, f.key)).toMatchObject({
      AAP_URL: 'https://aap.example.com/api/controller',
      AAP_TOKEN_SECRET_NAME: `${SERVICE}/ci/aap-token`,
      AAP_TEMPLATE_PREFIX: 'osac',
      AAP_PROVISION_TEMPLATE: '',
      AAP_DEPROVISION_TEMPLATE: '',
      AAP_JOB_VARS: 'both',
      CLUSTERS_SECRET_NAME: `${SERVICE}/ci/clusters`,
      // Off until a stage turns it on (param jobNotifications): the workflows poll as before.
      JOB_NOTIFICATIONS: 'off',
    });
  });

  it('names the task-token table for awaitJobEnd and the receiver alone', () => {
    const users = ['awaitJobEnd', 'aapNotifications'];
    for (const key of users) {
      expect(render(environmentOf(template, key).JOB_WAITERS_TABLE)).toBe(placeholder('JobWaitersTable'));
    }
    const others = FUNCTIONS.filter(
      (f) => !users.includes(f.key) && 'JOB_WAITERS_TABLE' in environmentOf(template, f.key),
    );
    expect(others.map((f) => f.key)).toEqual([]);
  });

  it.each(FUNCTIONS)('$key names the state machines by ARN built from their names', (f) => {
    const env = environmentOf(template, f.key);
    expect(render(env.PROVISION_STATE_MACHINE_ARN)).toBe(PROVISION_MACHINE);
    expect(render(env.DEPROVISION_STATE_MACHINE_ARN)).toBe(DEPROVISION_MACHINE);
  });

  it.each(FUNCTIONS)('$key holds secret names only, never a secret or a local credentials file', (f) => {
    const env = environmentOf(template, f.key);
    const secretish = Object.keys(env).filter(
      (name) => /TOKEN|SECRET|PASSWORD|CREDENTIAL|KEY/i.test(name) && !SECRETS_EXTENSION_SETTING.test(name),
    );
    for (const name of secretish) {
      expect(name).toMatch(/_SECRET_NAME$/);
      expect(env[name]).toMatch(SECRET_NAME);
    }
    expect(env).not.toHaveProperty('AAP_TOKEN');
    expect(env).not.toHaveProperty('CLUSTERS_FILE');
  });
});

describe('HTTP API', () => {
  const routes = () => resourcesOfType(template, 'AWS::ApiGatewayV2::Route').map(([, route]) => route.Properties);

  it('has exactly the three webhook routes and the AAP notification route', () => {
    expect(routes().map((route) => route.RouteKey)).toEqual(expect.arrayContaining([...ROUTES, NOTIFICATION_ROUTE]));
    expect(routes()).toHaveLength(ROUTES.length + 1);
  });

  it.each([...ROUTES.map((routeKey) => [routeKey, 'webhook']), [NOTIFICATION_ROUTE, 'aapNotifications']])(
    '%s reaches the %s function with payload format 2.0',
    (routeKey, key) => {
      const route = routes().find((r) => r.RouteKey === routeKey);
      const target = /^integrations\/\$\{(\w+)\}$/.exec(render(route?.Target));
      const integration = resource(template, target?.[1] ?? '(no integration)', 'AWS::ApiGatewayV2::Integration');
      expect(integration.Properties).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
      expect(referencedId(integration.Properties.IntegrationUri)).toBe(functionId(key as string));
    },
  );

  it('lets API Gateway invoke the webhook, throttled, with access logs', () => {
    const permissions = resourcesOfType(template, 'AWS::Lambda::Permission').map(([, p]) => p.Properties);
    expect(permissions).toContainEqual(
      expect.objectContaining({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' }),
    );
    const stage = resourcesOfType(template, 'AWS::ApiGatewayV2::Stage').map(([, s]) => s.Properties);
    expect(stage).toHaveLength(1);
    expect(stage[0]?.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 });
    expect(stage[0]?.AccessLogSettings).toHaveProperty('DestinationArn');
  });
});

describe('reconcile schedule', () => {
  it('runs reconcile every 5 minutes from an enabled EventBridge rule', () => {
    const rules = resourcesOfType(template, 'AWS::Events::Rule');
    expect(rules).toHaveLength(1);
    const [ruleId, rule] = rules[0] ?? ['(no rule)', resource(template, '(no rule)', 'AWS::Events::Rule')];
    expect(rule.Properties).toMatchObject({ ScheduleExpression: 'rate(5 minutes)', State: 'ENABLED' });
    const targets = z.array(z.object({ Arn: z.unknown() })).parse(rule.Properties.Targets);
    expect(targets.map((t) => referencedId(t.Arn))).toEqual([functionId('reconcile')]);

    const permission = resourcesOfType(template, 'AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .find((p) => p.Principal === 'events.amazonaws.com');
    expect(referencedId(permission?.FunctionName)).toBe(functionId('reconcile'));
    expect(referencedId(permission?.SourceArn)).toBe(ruleId);
  });

  it('does not retry a failed run: the next scheduled one is the retry', () => {
    const configs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').map(([, c]) => c.Properties);
    expect(configs).toEqual([expect.objectContaining({ MaximumRetryAttempts: 0 })]);
    expect(referencedId(configs[0]?.FunctionName)).toBe(functionId('reconcile'));
  });
});

describe('state machines', () => {
  /** The source ASL with each task's `Fn::GetAtt: [key, Arn]` written as the template renders it. */
  function sourceDefinition(key: string): unknown {
    const file = path.join(PROJECT_ROOT, 'statemachines', `${key}.asl.yaml`);
    const definition = parseCfnYaml(readFileSync(file, 'utf8'), file);
    return JSON.parse(
      JSON.stringify(definition, (name, value: unknown) => {
        const getAtt = z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }).safeParse(value);
        return (name === 'Resource' || name === 'FunctionName') && getAtt.success
          ? `\${${functionId(getAtt.data['Fn::GetAtt'][0])}.Arn}`
          : value;
      }),
    );
  }

  const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
  const TaskStates = z.object({
    States: z.record(
      z.string(),
      z.object({
        Type: z.string(),
        Resource: z.string().optional(),
        Parameters: z.object({ FunctionName: z.unknown() }).partial().optional(),
      }),
    ),
  });
  /** The function a Task calls: its Resource, or for a `.waitForTaskToken` task the FunctionName it invokes. */
  const calledFunction = (task: z.infer<typeof TaskStates>['States'][string]) =>
    referencedId(task.Resource === WAIT_FOR_TASK_TOKEN ? task.Parameters?.FunctionName : task.Resource);
  /** The packaged definition, less the `QueryLanguage: JSONPath` the plugin writes on every state (the default). */
  const packagedDefinition = (id: string): unknown =>
    JSON.parse(
      render(resource(template, id, 'AWS::StepFunctions::StateMachine').Properties.DefinitionString),
      (name, value: unknown) => (name === 'QueryLanguage' && value === 'JSONPath' ? undefined : value),
    );

  it.each(MACHINES)('$key: the packaged definition is the source ASL, every task a packaged function', (m) => {
    const definition = packagedDefinition(m.id);
    expect(definition).toEqual(sourceDefinition(m.key));
    const tasks = Object.values(TaskStates.parse(definition).States).filter((s) => s.Type === 'Task');
    const called = tasks.map(calledFunction);
    for (const id of called) expect(template.Resources[id ?? '(unresolved)']?.Type).toBe('AWS::Lambda::Function');
    expect([...new Set(called)].sort()).toEqual(m.calls.map(functionId).sort());
  });

  // Where the workflows wait for a job: a notification (or the fallback timeout) ends the task; arming failing falls
  // back to the plain Wait it replaces, so a broken notification path is never worse than polling.
  const NOTIFICATION_WAITS = [
    [
      'provision',
      'ProvisionStateMachine',
      'WaitForProvisionJobToEnd',
      '$.poll',
      'CountPollRound',
      'WaitBeforeNextPoll',
      ['WillAapNotifyUs', 'IsTheJobFinished'],
    ],
    [
      'deprovision',
      'DeprovisionStateMachine',
      'WaitForDeprovisionJobToEnd',
      '$.poll',
      'CountPollRound',
      'WaitBeforeNextPoll',
      ['WillAapNotifyUs', 'IsTheJobFinished'],
    ],
    [
      'deprovision',
      'DeprovisionStateMachine',
      'WaitForCanceledJobToStop',
      '$.cancel',
      'CountCancelRound',
      'WaitForProvisionJobToStop',
      ['HasTheProvisionJobStopped'],
    ],
  ] as const;

  it.each(NOTIFICATION_WAITS)(
    "%s: %s waits for awaitJobEnd's token, at most as long as %s.waitSeconds",
    (_key, id, state, at, next, fallback, from) => {
      const States = z.record(z.string(), z.record(z.string(), z.unknown()));
      const states = States.parse(z.object({ States: z.unknown() }).parse(packagedDefinition(id)).States);
      expect(states[state]).toEqual({
        Type: 'Task',
        Comment: expect.stringContaining('notification'),
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        Parameters: {
          FunctionName: `\${${functionId('awaitJobEnd')}.Arn}`,
          Payload: {
            'job.$': `${at}.job`,
            'token.$': '$$.Task.Token',
            'execution.$': '$$.Execution.Id',
            'waitSeconds.$': `${at}.waitSeconds`,
          },
        },
        TimeoutSecondsPath: `${at}.waitSeconds`,
        ResultPath: null,
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: null, Next: next },
          { ErrorEquals: ['States.ALL'], ResultPath: null, Next: fallback },
        ],
        Next: next,
      });
      expect(states[fallback]).toMatchObject({ Type: 'Wait', SecondsPath: `${at}.waitSeconds` });
      // Only Choices on the task results' `notifications` lead into it; with it off, the plain Wait as before. A poll
      // that finds the job running goes straight back to it (IsTheJobFinished), a state less per round.
      const into = Object.entries(states).filter(([, s]) => JSON.stringify(s).includes(`"Next":"${state}"`));
      expect(into.map(([name]) => name).sort()).toEqual([...from].sort());
      for (const [, choice] of into) {
        expect(choice).toMatchObject({ Type: 'Choice' });
        expect(JSON.stringify(choice)).toContain(`"Variable":"${at}.notifications"`);
      }
    },
  );

  it.each(MACHINES)('$key: named from the stage, its role invokes exactly the functions it calls', (m) => {
    const machine = resource(template, m.id, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.StateMachineName).toBe(`${PREFIX}-${m.key}`);
    expect(referencedId(machine.Properties.RoleArn)).toBe(`${m.id}Role`);
    const invoke = grants(resource(template, `${m.id}Role`, 'AWS::IAM::Role')).filter((line) =>
      line.startsWith('lambda:'),
    );
    expect(invoke).toEqual(
      m.calls
        .flatMap((key) => [
          `lambda:InvokeFunction \${${functionId(key)}.Arn}`,
          `lambda:InvokeFunction \${${functionId(key)}.Arn}:*`,
        ])
        .sort(),
    );
  });

  it.each(MACHINES)('$key: logs errors, without execution data, to a log group kept 30 days', (m) => {
    const logging = z
      .object({
        Level: z.string(),
        IncludeExecutionData: z.boolean(),
        Destinations: z.array(z.object({ CloudWatchLogsLogGroup: z.object({ LogGroupArn: z.unknown() }) })),
      })
      .parse(resource(template, m.id, 'AWS::StepFunctions::StateMachine').Properties.LoggingConfiguration);
    expect(logging).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
    const groups = logging.Destinations.map((d) => referencedId(d.CloudWatchLogsLogGroup.LogGroupArn));
    expect(groups).toHaveLength(1);
    expect(resource(template, groups[0] ?? '', 'AWS::Logs::LogGroup').Properties).toEqual({
      LogGroupName: `/aws/vendedlogs/states/${PREFIX}-${m.key}`,
      RetentionInDays: 30,
    });
  });

  it.each(MACHINES)('$key: tracing is off by default', (m) => {
    const machine = resource(template, m.id, 'AWS::StepFunctions::StateMachine');
    expect(machine.Properties.TracingConfiguration).toEqual({ Enabled: false });
  });
});

describe('alarms', () => {
  const alarms = () => resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const dimension = (alarm: Record<string, unknown>, name: string) =>
    z
      .array(z.object({ Name: z.string(), Value: z.unknown() }))
      .parse(alarm.Dimensions)
      .filter((d) => d.Name === name)
      .map((d) => referencedId(d.Value));

  it('creates the alarm topic, as no existing one is configured for this stage', () => {
    expect(resource(template, 'AlarmTopic', 'AWS::SNS::Topic').Properties).toMatchObject({
      TopicName: `${PREFIX}-alarms`,
    });
    expect(isCreated(template, 'AlarmTopic')).toBe(true);
    expect(render(template.Outputs.AlarmTopicArn?.Value)).toBe(placeholder('AlarmTopic'));
  });

  it.each(MACHINES.flatMap((m) => ['ExecutionsFailed', 'ExecutionsTimedOut'].map((metric) => ({ ...m, metric }))))(
    '$key: alarms on $metric to the topic',
    (m) => {
      const alarm = alarms().find(
        (a) => a.Namespace === 'AWS/States' && a.MetricName === m.metric && dimension(a, 'StateMachineArn')[0] === m.id,
      );
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
    },
  );

  // The webhook and the reconciler catch their errors (to answer 503, to report and go on): these metrics, not
  // Lambda's Errors, are where those errors show.
  it.each([
    ['ReconcileErrors', 'instances the reconciler could not reconcile'],
    ['ReconcileClustersFailed', 'clusters the reconciler could not list'],
    ['WebhookUnavailable', 'webhooks answered 503/500'],
    ['LaunchIntentsAbandoned', 'launches given up with their outcome unknown'],
    ['AapNotificationUnavailable', 'AAP job notifications that could not be handled'],
  ])('alarms on our metric %s (%s) to the topic', (metric) => {
    const alarm = alarms().find((a) => a.Namespace === 'CloudkitProvisioner' && a.MetricName === metric);
    expect(alarm).toMatchObject({
      Dimensions: [{ Name: 'service', Value: SERVICE }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
  });

  it('alarms on provision launches held back for a Tenant (TenantNotResolved) for 15 minutes, not on one blip', () => {
    const alarm = alarms().find((a) => a.Namespace === 'CloudkitProvisioner' && a.MetricName === 'TenantNotResolved');
    expect(alarm).toMatchObject({
      Dimensions: [{ Name: 'service', Value: SERVICE }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 3,
      Threshold: 1,
      TreatMissingData: 'notBreaching',
    });
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
  });

  it('alarms on any 5xx of the HTTP API, its own (integration timeouts) included', () => {
    const alarm = alarms().find((a) => a.Namespace === 'AWS/ApiGateway' && a.MetricName === '5xx');
    expect(alarm).toMatchObject({
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(dimension(alarm ?? {}, 'ApiId')).toEqual(['HttpApi']);
    expect(alarm?.Dimensions).toContainEqual({ Name: 'Stage', Value: '$default' });
    expect(isCreated(template, 'HttpApi')).toBe(true);
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
  });

  it('alarms on any ComputeInstance the reconciler cannot read (ReconcileInvalidObjects, as Powertools publishes it)', () => {
    const alarm = alarms().find((a) => a.MetricName === 'ReconcileInvalidObjects');
    expect(alarm).toMatchObject({
      Namespace: 'CloudkitProvisioner',
      Dimensions: [{ Name: 'service', Value: 'cloudkit-provisioner' }],
      Statistic: 'Maximum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
    expect(reportMetrics(emptyReport()).map((m) => m.name)).toContain(alarm?.MetricName);
  });

  it.each(FUNCTIONS)('$key: alarms on $errorsThreshold or more errors in 5 minutes', (f) => {
    const alarm = alarms().find(
      (a) =>
        a.Namespace === 'AWS/Lambda' &&
        a.MetricName === 'Errors' &&
        dimension(a, 'FunctionName')[0] === functionId(f.key),
    );
    expect(alarm).toMatchObject({
      Statistic: 'Sum',
      Period: 300,
      Threshold: f.errorsThreshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
  });

  it('alarms when the reconciler reports stalled work (retried, never given up, but needing a look)', () => {
    const alarm = alarms().find(
      (a) => a.Namespace === 'CloudkitProvisioner' && a.MetricName === 'ReconcileStalledWork',
    );
    expect(alarm).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'cloudkit-provisioner' }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(z.array(z.unknown()).parse(alarm?.AlarmActions).map(render)).toEqual([placeholder('AlarmTopic')]);
  });
});

describe('job waiters table', () => {
  it('keys task tokens by job and execution, billed per request, expired by TTL on expiresAt', () => {
    expect(resource(template, 'JobWaitersTable', 'AWS::DynamoDB::Table').Properties).toEqual({
      TableName: `${PREFIX}-job-waiters`,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'job', AttributeType: 'S' },
        { AttributeName: 'execution', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'job', KeyType: 'HASH' },
        { AttributeName: 'execution', KeyType: 'RANGE' },
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });
});

describe('secrets', () => {
  /** What the local stack and the simulators use as credentials, and what any real one looks like. */
  const KNOWN_SECRETS = [
    'local-webhook-secret',
    'aap-sim-',
    'kube-sim-',
    '-----BEGIN',
    'Bearer ',
    ...['AAP_TOKEN', 'AAP_SIM_TOKEN', 'KUBE_SIM_TOKEN', 'WEBHOOK_SECRET']
      .map((name) => process.env[name])
      .filter((value): value is string => value !== undefined && value.length >= 8),
  ];

  it.each(KNOWN_SECRETS)('the template does not contain %s', (secret) => {
    expect(JSON.stringify(template)).not.toContain(secret);
  });

  it('has no field named like a secret other than a secret name', () => {
    const fields = [...entries(template)].filter(({ key }) => /token|secret|password|credential/i.test(key));
    const named = fields.filter(({ key }) => !/_SECRET_NAME$/.test(key) && !SECRETS_EXTENSION_SETTING.test(key));
    expect(named.map(({ path: at }) => at)).toEqual([]);
  });

  /**
   * A token or key pasted in by mistake: 24+ letters and digits (base64 included) mixing both, outside a
   * `${…}` placeholder. Names and ARNs break into shorter words at `-`, `/`, `:` and `.`.
   */
  const looksRandom = (text: string) =>
    (text.replace(/\$\{[^}]*\}/g, '').match(/[A-Za-z0-9+=]{24,}/g) ?? []).some(
      (word) => /[0-9]/.test(word) && /[A-Za-z]/.test(word),
    );

  it.each([
    ['a 40-hex token', `prefix ${'a1b2c3d4e5'.repeat(4)}`, true],
    ['a base64 key', 'key=dGhpcyBpcyBhIHNlY3JldCB0b2tlbg+/AB12', true],
    ['a placeholder hash', `"Resource": "${placeholder('e538be9cfde052d0c1369152d6cd8023')}"`, false],
    ['a resource name', 'CancelProvisionJobIamRoleLambdaExecution', false],
    ['an S3 key', 'serverless/cloudkit-provisioner/ci/1795669332192-2026-11-26T05:02:12.192Z/webhook.zip', false],
  ])('recognises %s as random-looking: %s → %s', (_what, text, random) => {
    expect(looksRandom(text)).toBe(random);
  });

  it('holds no random-looking value (a token or key pasted in by mistake)', () => {
    const suspicious = [...entries(template)]
      .filter(({ value }) => typeof value === 'string' && looksRandom(value))
      .map(({ path: at }) => at);
    expect(suspicious).toEqual([]);
  });

  it('creates no secret and takes no parameter that could hold one', () => {
    expect(resourcesOfType(template, 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(template.Parameters).toBeUndefined();
  });
});

describe('bundles', () => {
  const webhookZip = path.join(PACKAGE_DIR, 'webhook.zip');

  it('keeps the webhook bundle under 1 MB', () => {
    if (!existsSync(webhookZip)) return;
    expect(statSync(webhookZip).size).toBeLessThan(1024 * 1024);
  });

  it('keeps the AAP notification receiver bundle under 1 MB (AAP waits on its cold start)', () => {
    const receiverZip = path.join(PACKAGE_DIR, 'aapNotifications.zip');
    expect(existsSync(receiverZip)).toBe(true);
    expect(statSync(receiverZip).size).toBeLessThan(1024 * 1024);
  });
});

describe('per-stage settings (serverless print --stage prod, with an existing alarm topic)', () => {
  const Printed = z.object({
    provider: z.object({
      tracing: z.object({ lambda: z.unknown() }),
      logRetentionInDays: z.number(),
      iam: z.object({ role: z.object({ statements: z.array(z.unknown()) }) }),
      environment: z.record(z.string(), z.unknown()),
    }),
    custom: z.object({
      'serverless-iam-roles-per-function': z.object({ defaultInherit: z.boolean() }),
      environment: z.object({ aap: z.record(z.string(), z.unknown()) }),
      arns: z.record(z.string(), z.unknown()),
    }),
    functions: z.record(z.string(), z.object({ iamRoleStatementsInherit: z.boolean().optional() })),
    stepFunctions: z.object({
      stateMachines: z.record(
        z.string(),
        z.object({
          iamRoleStatements: z.array(z.unknown()),
          alarms: z.object({ topics: z.record(z.string(), z.unknown()) }),
        }),
      ),
    }),
    resources: z.object({
      Conditions: z.record(z.string(), z.unknown()),
      Resources: z.record(z.string(), z.object({ Properties: z.record(z.string(), z.unknown()).optional() })),
      Outputs: z.record(z.string(), z.object({ Value: z.unknown() })),
      extensions: z.record(z.string(), z.object({ Properties: z.record(z.string(), z.unknown()).optional() })),
    }),
  });
  const EXISTING_TOPIC = 'arn:aws:sns:us-east-1:123456789012:on-call';
  let prod: z.infer<typeof Printed>;

  beforeAll(async () => {
    const printed = await serverless(
      ['print', '--stage', 'prod', `--param=alarmTopicArn=${EXISTING_TOPIC}`, '--format', 'json'],
      PRINT_TIMEOUT_MS,
    );
    prod = Printed.parse(JSON.parse(printed));
  }, PRINT_TIMEOUT_MS + 10_000);

  it('reads the secrets named for prod', () => {
    expect(prod.custom.environment.aap.CLUSTERS_SECRET_NAME).toBe(`${SERVICE}/prod/clusters`);
    expect(render(prod.custom.arns.webhooksSecret)).toBe(
      arn('secretsmanager', `secret:${SERVICE}/prod/webhooks-??????`),
    );
    expect(prod.custom.environment.aap.AAP_TOKEN_SECRET_NAME).toBe(`${SERVICE}/prod/aap-token`);
    expect(render(prod.custom.arns.clustersSecret)).toBe(
      arn('secretsmanager', `secret:${SERVICE}/prod/clusters-??????`),
    );
    expect(render(prod.custom.arns.aapTokenSecret)).toBe(
      arn('secretsmanager', `secret:${SERVICE}/prod/aap-token-??????`),
    );
    expect(render(prod.custom.arns.aapNotificationSecret)).toBe(
      arn('secretsmanager', `secret:${SERVICE}/prod/aap-notification-token-??????`),
    );
    expect(prod.provider.logRetentionInDays).toBe(90);
  });

  it('traces Lambda and both state machines, and grants X-Ray to every role that then needs it', () => {
    const lambdaXray = [
      { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' },
    ];
    expect(prod.provider.tracing.lambda).toBe(true);
    expect(prod.provider.environment.POWERTOOLS_TRACE_ENABLED).toBe('true');
    // Every function role inherits the provider statements (only X-Ray) unless a function opts out; none does.
    expect(prod.provider.iam.role.statements).toEqual(lambdaXray);
    expect(prod.custom['serverless-iam-roles-per-function'].defaultInherit).toBe(true);
    expect(Object.values(prod.functions).filter((f) => f.iamRoleStatementsInherit === false)).toEqual([]);
    for (const [key, machine] of Object.entries(prod.stepFunctions.stateMachines)) {
      expect([key, machine.iamRoleStatements]).toEqual([
        key,
        [
          {
            Effect: 'Allow',
            Action: [
              'xray:PutTraceSegments',
              'xray:PutTelemetryRecords',
              'xray:GetSamplingRules',
              'xray:GetSamplingTargets',
            ],
            Resource: '*',
          },
        ],
      ]);
    }
    for (const id of MACHINES.map((m) => m.id)) {
      expect(prod.resources.extensions[id]?.Properties?.TracingConfiguration).toEqual({ Enabled: true });
    }
  });

  it('sends every alarm to the existing topic and creates none', () => {
    expect(prod.resources.Conditions.CreateAlarmTopic).toEqual({ 'Fn::Equals': [EXISTING_TOPIC, ''] });
    for (const machine of Object.values(prod.stepFunctions.stateMachines)) {
      expect(machine.alarms.topics).toEqual({ alarm: EXISTING_TOPIC, ok: EXISTING_TOPIC });
    }
    const functionAlarms = FUNCTIONS.map((f) => prod.resources.Resources[`${capitalized(f.key)}ErrorsAlarm`]);
    for (const alarm of functionAlarms) {
      expect(alarm?.Properties).toMatchObject({ AlarmActions: [EXISTING_TOPIC], OKActions: [EXISTING_TOPIC] });
    }
    expect(prod.resources.Outputs.AlarmTopicArn?.Value).toBe(EXISTING_TOPIC);
  });
});
