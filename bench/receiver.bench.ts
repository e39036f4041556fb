/**
 * The AAP notification receiver's cold start: its bundle, loaded in a fresh Node 22 as serverless.yml deploys it,
 * then its first request (settings, the bearer token read, the waiters looked up in the table) and a second, warm
 * one. Twice: the token read through the Parameters and Secrets extension (deployed: the layer and its port are on
 * every function) and through the Secrets Manager SDK (what the receiver did before: the SDK required at the first
 * request; Powertools' SecretsProvider, which it loaded on top, is gone, so this "before" is a lower bound).
 * The extension is its local stand-in, Secrets Manager a local stub, the table dynalite: the figures are what
 * our process pays, not AWS's round trips.
 *
 *   npx tsx bench/run.ts --only receiver [--quick]
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as z from 'zod';
import { startLocalDynamoDb } from '../local/dynamodb';
import { startSecretsExtension } from '../local/gateway';
import {
  type BenchResult,
  bundleLikeServerless,
  EXTERNALS_PATH,
  environment,
  evaluateTarget,
  fixed,
  kilobytes,
  lambdaEnvironment,
  lambdaHeapFlags,
  loadAverageNow,
  median,
  NODE22,
  PROJECT_ROOT,
  percentile,
  readServerlessBuild,
  type Table,
  targetsTable,
} from './support';
import { measureLoadTimes } from './webhook';

const run = promisify(execFile);
const SECRET_NAME = 'cloudkit-provisioner/bench/aap-notification-token';
const TOKEN = `bench-notification-token-${process.pid}`;

/**
 * Runs in the fresh process: require the bundle, then two requests for a job nobody waits for (authenticated, so
 * the token is read and the table queried). Writes its figures to the file named by argv[2] (stdout carries the
 * function's log lines and metrics).
 */
const PROBE = `
const { writeFileSync } = require('node:fs');
const [bundle, out, eventJson] = process.argv.slice(1);
const context = {
  functionName: 'aapNotifications', functionVersion: '$LATEST', memoryLimitInMB: '128',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench-aapNotifications',
  awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10000, done() {}, fail() {}, succeed() {},
};
(async () => {
  let mark = performance.now();
  const lap = () => { const now = performance.now(); const ms = now - mark; mark = now; return ms; };
  const { receive } = require(bundle);
  const loadMs = lap();
  const first = await receive(JSON.parse(eventJson), context);
  const firstMs = lap();
  const second = await receive(JSON.parse(eventJson), context);
  const secondMs = lap();
  const sdkLoaded = Object.keys(require.cache).some((file) => file.includes('client-secrets-manager'));
  writeFileSync(out, JSON.stringify({ loadMs, firstMs, secondMs, statuses: [first.statusCode, second.statusCode], sdkLoaded }));
})().catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });
`;

const Sample = z.object({
  loadMs: z.number().nonnegative(),
  firstMs: z.number().nonnegative(),
  secondMs: z.number().nonnegative(),
  statuses: z.tuple([z.number(), z.number()]),
  sdkLoaded: z.boolean(),
});
type Sample = z.infer<typeof Sample>;

type Transport = 'extension' | 'sdk';

/** Answers GetSecretValue (JSON 1.1, as the SDK sends it) for the token secret; counts the calls. */
async function startSecretsManagerStub(): Promise<{ endpoint: string; calls: () => number; server: Server }> {
  let calls = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      calls += 1;
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          ARN: `arn:aws:secretsmanager:us-east-1:000000000000:secret:${SECRET_NAME}-AbCdEf`,
          Name: SECRET_NAME,
          SecretString: TOKEN,
          VersionId: 'v1',
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls: () => calls, server };
}

function notificationEvent(): string {
  const body = JSON.stringify({ id: 987_654, type: 'job', status: 'successful' });
  return JSON.stringify({
    version: '2.0',
    routeKey: 'POST /v1/aap/notifications',
    rawPath: '/v1/aap/notifications',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench',
      domainPrefix: 'bench',
      http: {
        method: 'POST',
        path: '/v1/aap/notifications',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'AWX',
      },
      requestId: 'bench',
      routeKey: 'POST /v1/aap/notifications',
      stage: '$default',
      time: '01/Jan/2026:00:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  });
}

interface Figures {
  transport: Transport;
  samples: Sample[];
  loadMs: { p50: number; p95: number };
  firstMs: { p50: number; p95: number };
  coldMs: { p50: number; p95: number };
  secondMsP50: number;
  sdkLoaded: boolean;
}

const p50p95 = (values: number[]) => ({ p50: median(values), p95: percentile(values, 95) });

export async function runReceiverBench(options: { quick: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const started = Date.now();
  const loadAtStart = loadAverageNow();
  const spawns = options.quick ? 4 : 20;
  const build = readServerlessBuild();
  const declared = build.functions.find((f) => f.name === 'aapNotifications');
  if (!declared) throw new Error('serverless.yml declares no aapNotifications function');
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'bench-receiver-'));
  const sessionToken = `bench-session-${process.pid}`;
  const dynamodb = await startLocalDynamoDb({ projectRoot: PROJECT_ROOT, stage: 'bench' });
  const extension = await startSecretsExtension({
    port: 0,
    sessionToken,
    secretString: (name) => (name === SECRET_NAME ? TOKEN : undefined),
  });
  const secretsManager = await startSecretsManagerStub();
  try {
    options.log(`  bundling ${declared.file} as serverless.yml does`);
    const bundle = await bundleLikeServerless(declared.file, path.join(workdir, 'notifications.js'), build.esbuild);
    const table = dynamodb.tables.get('JobWaitersTable');
    if (!table) throw new Error('serverless.yml declares no JobWaitersTable');
    // serverless.yml's provider settings carry the deployed port (2773): each transport sets its own below.
    const { PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: _deployedPort, ...deployed } = lambdaEnvironment(build);
    const base: Record<string, string> = {
      ...deployed,
      PATH: process.env.PATH ?? '',
      NODE_PATH: EXTERNALS_PATH,
      AAP_NOTIFICATION_SECRET_NAME: SECRET_NAME,
      JOB_WAITERS_TABLE: table,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
      AWS_SESSION_TOKEN: sessionToken,
      POWERTOOLS_METRICS_DISABLED: 'true',
    };
    const envOf: Record<Transport, Record<string, string>> = {
      extension: { ...base, PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port) },
      // Without the port the reader takes the SDK: pointed at the local stub.
      sdk: { ...base, AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint },
    };
    const event = notificationEvent();
    const samples: Record<Transport, Sample[]> = { extension: [], sdk: [] };
    options.log(`  ${spawns} cold starts per transport, taken in turn`);
    for (let round = 0; round < spawns; round++) {
      // Alternating which goes first, so neither always follows the other's disk and CPU caches.
      const order = round % 2 === 0 ? (['extension', 'sdk'] as const) : (['sdk', 'extension'] as const);
      for (const transport of order) {
        const out = path.join(workdir, `sample-${transport}-${round}.json`);
        await run(NODE22, [...lambdaHeapFlags(declared.memorySize), '-e', PROBE, bundle.outfile, out, event], {
          env: envOf[transport],
          timeout: 60_000,
          maxBuffer: 16 * 1024 * 1024,
        });
        const sample = Sample.parse(JSON.parse(readFileSync(out, 'utf8')));
        if (sample.statuses.some((status) => status !== 200)) {
          throw new Error(`the receiver (${transport}) answered ${sample.statuses.join(', ')}, not 200`);
        }
        samples[transport].push(sample);
      }
    }
    const figures = (['extension', 'sdk'] as const).map((transport): Figures => {
      const taken = samples[transport];
      return {
        transport,
        samples: taken,
        loadMs: p50p95(taken.map((s) => s.loadMs)),
        firstMs: p50p95(taken.map((s) => s.firstMs)),
        coldMs: p50p95(taken.map((s) => s.loadMs + s.firstMs)),
        secondMsP50: median(taken.map((s) => s.secondMs)),
        sdkLoaded: taken.some((s) => s.sdkLoaded),
      };
    });
    const [viaExtension, viaSdk] = figures as [Figures, Figures];
    // What the extension saves: the Secrets Manager client on top of the SDK client a function loads anyway
    // (DynamoDB for the receiver, Step Functions for the task functions, which build theirs with their context).
    const requiring = (name: string, modules: string[]) => {
      const file = path.join(workdir, `${name}.js`);
      writeFileSync(file, modules.map((m) => `require('${m}');\n`).join(''));
      return { label: modules.join(' + '), module: file, execArgv: lambdaHeapFlags(declared.memorySize) };
    };
    options.log('  requiring the SDK clients alone');
    const sdkRequires = await measureLoadTimes(
      [
        requiring('dynamodb', ['@aws-sdk/client-dynamodb']),
        requiring('dynamodb-sm', ['@aws-sdk/client-dynamodb', '@aws-sdk/client-secrets-manager']),
        requiring('sfn', ['@aws-sdk/client-sfn']),
        requiring('sfn-sm', ['@aws-sdk/client-sfn', '@aws-sdk/client-secrets-manager']),
      ],
      spawns,
      {},
    );
    const requireMs = (i: number) => sdkRequires[i]?.wallMsMedian ?? Number.NaN;
    const tables: Table[] = [
      {
        title: `The receiver's cold start (bundle ${kilobytes(bundle.bytes)}, ${kilobytes(bundle.gzipBytes)} gzipped; ${declared.memorySize} MB heap limits)`,
        columns: [
          { header: 'token read through' },
          { header: 'load p50 ms', align: 'right' },
          { header: 'first request p50 ms', align: 'right' },
          { header: 'load + first p50 ms', align: 'right' },
          { header: 'load + first p95 ms', align: 'right' },
          { header: 'warm request p50 ms', align: 'right' },
          { header: 'Secrets Manager SDK loaded', align: 'right' },
        ],
        rows: [
          ['the extension (now)', viaExtension],
          ['the SDK (before)', viaSdk],
        ].map(([label, f]) => {
          const fig = f as Figures;
          return [
            label as string,
            fixed(fig.loadMs.p50, 0),
            fixed(fig.firstMs.p50, 0),
            fixed(fig.coldMs.p50, 0),
            fixed(fig.coldMs.p95, 0),
            fixed(fig.secondMsP50, 1),
            fig.sdkLoaded ? 'yes' : 'no',
          ];
        }),
        notes: [
          `what the Secrets Manager client adds (p50 of requiring them in a fresh process): ${fixed(requireMs(1) - requireMs(0), 1)} ms after @aws-sdk/client-dynamodb (the receiver: ${fixed(requireMs(0), 0)} → ${fixed(requireMs(1), 0)} ms), ${fixed(requireMs(3) - requireMs(2), 1)} ms after @aws-sdk/client-sfn (the task functions: ${fixed(requireMs(2), 0)} → ${fixed(requireMs(3), 0)} ms)`,
          'load = require() of the bundle in a fresh Node 22 (start-up excluded); first request = settings, the token read, a Query of the waiters table (dynalite), the answer; the AWS SDK stays external as deployed',
          `the first request loads the DynamoDB SDK either way, which shares the SDK core with Secrets Manager's: the extension saves that client's own code, not the core. Secrets Manager stub calls: ${secretsManager.calls()} (one per SDK cold start: the token is cached)`,
        ],
      },
    ];
    const targets = [
      evaluateTarget({
        name: 'receiver cold start loads no Secrets Manager SDK',
        measuredAs: 'processes that required @aws-sdk/client-secrets-manager, token read through the extension',
        direction: 'at-most',
        limit: 0,
        measured: viaExtension.samples.filter((s) => s.sdkLoaded).length,
        unit: 'processes',
        digits: 0,
      }),
      evaluateTarget({
        name: 'receiver cold start no slower than before',
        measuredAs: 'load + first request p50, extension minus SDK',
        direction: 'at-most',
        limit: 0,
        measured: viaExtension.coldMs.p50 - viaSdk.coldMs.p50,
        unit: 'ms',
        note: `before (the SDK): ${fixed(viaSdk.coldMs.p50, 0)} ms; now: ${fixed(viaExtension.coldMs.p50, 0)} ms`,
      }),
    ];
    tables.push(targetsTable('Targets', targets));
    return {
      name: 'receiver',
      command: `npx tsx bench/run.ts --only receiver${options.quick ? ' --quick' : ''}`,
      startedAt: new Date(started).toISOString(),
      elapsedSeconds: (Date.now() - started) / 1000,
      quick: options.quick,
      environment: environment(loadAtStart),
      tables,
      targets,
      data: { bundleBytes: bundle.bytes, figures, sdkRequires },
    };
  } finally {
    await new Promise((resolve) => secretsManager.server.close(resolve));
    await extension.close();
    await dynamodb.close();
    rmSync(workdir, { recursive: true, force: true });
  }
}
