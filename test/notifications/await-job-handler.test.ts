import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';

// The deployed arming handler (functions/jobs.awaitJobEnd) on the real DynamoDB SDK against dynalite, with every
// log line the process writes captured, even with POWERTOOLS_LOGGER_LOG_EVENT=true and DEBUG: the task token must
// be in none of them and in no error, whatever fails (the table, AAP, the input).

const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAeyJ0b2tlbiI6InNlY3JldC10YXNrLXRva2VuLTlkMmYifQ==';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:cloudkit-provisioner-ci-provision:vm-1-g1';
const TABLE = 'job-waiters';

const lambdaContext = {
  functionName: 'awaitJobEnd',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:awaitJobEnd',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

type Handler = (event: unknown, context: Context) => Promise<unknown>;

let dynalite: {
  listen(port: number, cb: (err?: Error) => void): void;
  close(cb: () => void): void;
  address(): AddressInfo;
};
let endpoint: string;
const savedEnv = { ...process.env };
let written: string[];

beforeAll(async () => {
  const create = require('dynalite') as (options: { createTableMs: number }) => typeof dynalite;
  dynalite = create({ createTableMs: 0 });
  await new Promise<void>((resolve, reject) => dynalite.listen(0, (err) => (err ? reject(err) : resolve())));
  endpoint = `http://127.0.0.1:${dynalite.address().port}`;
  await client().send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'job', KeyType: 'HASH' },
        { AttributeName: 'execution', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'job', AttributeType: 'S' },
        { AttributeName: 'execution', AttributeType: 'S' },
      ],
    }),
  );
});

afterAll(async () => {
  await new Promise<void>((resolve) => dynalite.close(resolve));
});

beforeEach(() => {
  written = [];
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      written.push(args.map(String).join(' '));
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...savedEnv };
});

function client(): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
}

/** A fresh copy of the handler module, its settings and its logger read from this environment. */
function handlerWith(env: Record<string, string>): Handler {
  process.env = {
    ...savedEnv,
    // Nothing listens on port 9: AAP is down.
    AAP_URL: 'http://127.0.0.1:9/api/controller',
    AAP_TOKEN: 'aap-token-for-tests',
    AAP_TIMEOUT_MS: '500',
    CLUSTERS_FILE: '/nonexistent/clusters.json',
    JOB_NOTIFICATIONS: 'on',
    JOB_WAITERS_TABLE: TABLE,
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
    POWERTOOLS_LOGGER_LOG_EVENT: 'true',
    ...env,
  };
  let handler: Handler | undefined;
  jest.isolateModules(() => {
    handler = (require('../../functions/jobs') as { awaitJobEnd: Handler }).awaitJobEnd;
  });
  if (!handler) throw new Error('functions/jobs did not load');
  return handler;
}

const event = (overrides: Record<string, unknown> = {}) => ({
  job: { id: 42, kind: 'job', type: 'provision' },
  token: TOKEN,
  execution: EXECUTION,
  waitSeconds: 30,
  ...overrides,
});

function expectNoToken(error?: unknown): void {
  expect(written.length).toBeGreaterThan(0);
  expect(written.join('\n')).not.toContain(TOKEN);
  if (error !== undefined) {
    const e = error as Error;
    expect(`${e.name} ${e.message}\n${e.stack}\n${JSON.stringify(e)}`).not.toContain(TOKEN);
  }
}

it('AAP down after arming: the token is stored, the wait goes on, and no log line holds the token', async () => {
  const handler = handlerWith({});
  await expect(handler(event(), lambdaContext)).resolves.toEqual({ outcome: 'waiting' });
  const items = (await client().send(new ScanCommand({ TableName: TABLE }))).Items ?? [];
  expect(items.map((item) => [item.job?.S, item.execution?.S, item.token?.S])).toEqual([['job:42', EXECUTION, TOKEN]]);
  expect(written.join('\n')).toContain('could not read the job after arming');
  expectNoToken();
});

it('the table failing (missing): WaiterNotArmed, and neither it nor any log line holds the token', async () => {
  const handler = handlerWith({ JOB_WAITERS_TABLE: 'no-such-table' });
  const error = await handler(event(), lambdaContext).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'WaiterNotArmed', reason: 'JobWaitersTableMissing' });
  written.push(String(error));
  expectNoToken(error);
});

it('no table configured: WaiterNotArmed naming why (NotificationsNotConfigured), no token anywhere', async () => {
  const handler = handlerWith({ JOB_WAITERS_TABLE: '' });
  const error = await handler(event(), lambdaContext).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'WaiterNotArmed', reason: 'NotificationsNotConfigured' });
  written.push(String(error));
  expectNoToken(error);
});

it.each([
  ['a wait of 0 s', { waitSeconds: 0 }],
  ['no execution', { execution: '' }],
  ['an unknown job kind', { job: { id: 42, kind: 'project_update', type: 'provision' } }],
])('input refused (%s): InvalidTaskInput naming the field, never echoing the token', async (_case, overrides) => {
  const handler = handlerWith({});
  const error = await handler(event(overrides), lambdaContext).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'InvalidTaskInput' });
  written.push(String(error));
  expectNoToken(error);
});
