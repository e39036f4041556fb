/**
 * Runs in a child process as a bundle (built like the webhook's own, started with the function's NODE_OPTIONS and
 * Powertools settings, stdout discarded the way the runtime ships it off): one warm Lambda container taking signed
 * events one after another. Reports to its parent over IPC; see bench/webhook.bench.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler } from '../../functions/webhook';
import {
  createIntakeContext,
  loadWebhookSettings,
  processWebhook,
  signWebhook,
  webhookRequestFromApiGateway,
} from '../../lib/intake';
import { type CpuProfile, profileWhile } from '../support/cpu-profile';
import { summarize } from '../support/stats';
import { type LoopResult, type RunnerMessage, RunnerPlan, type RunnerReport } from './runner-protocol';

let invocation = 0;
function lambdaContext(): Context {
  invocation += 1;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'cloudkit-provisioner-bench-webhook',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cloudkit-provisioner-bench-webhook',
    memoryLimitInMB: '128',
    awsRequestId: `bench-${invocation}`,
    logGroupName: '/aws/lambda/cloudkit-provisioner-bench-webhook',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A signed API Gateway HTTP API event (payload 2.0) carrying `body` to the events route of `plan.cluster`. */
function signedEvent(plan: RunnerPlan, body: string): APIGatewayProxyEventV2 {
  const path = `/v1/clusters/${plan.cluster}/events`;
  const signature = signWebhook(plan.secret, body, Math.floor(Date.now() / 1000));
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'x-signature-256': signature, 'user-agent': 'cloudkit-forwarder' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'bench',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '10.0.0.1', userAgent: 'cloudkit-forwarder' },
      requestId: 'bench',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** The fresh instance under a new name and uid: each one is new work, so each starts an execution. */
function freshVariant(plan: RunnerPlan, index: number): string {
  const metadata = plan.fresh.metadata as Record<string, unknown>;
  const object = { ...plan.fresh, metadata: { ...metadata, name: `vm-fresh-${index}`, uid: randomUUID() } };
  return JSON.stringify({ type: 'ADDED', object });
}

async function timeLoop(
  plan: RunnerPlan,
  profiles: CpuProfile[],
  events: readonly APIGatewayProxyEventV2[],
  invoke: (event: APIGatewayProxyEventV2) => Promise<{ statusCode: number; body: string }>,
  expectedStatus: number,
): Promise<LoopResult> {
  const latencies = new Array<number>(events.length);
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const all = async () => {
    for (let i = 0; i < events.length; i++) {
      const t0 = performance.now();
      const response = await invoke(events[i] as APIGatewayProxyEventV2);
      latencies[i] = performance.now() - t0;
      // A benchmark of 401s or 503s would be fast and worthless.
      if (response.statusCode !== expectedStatus) {
        throw new Error(`event ${i} was answered ${response.statusCode}, not ${expectedStatus}: ${response.body}`);
      }
    }
  };
  if (plan.profile) profiles.push((await profileWhile(all)).profile);
  else await all();
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { events: events.length, latencyMs: summarize(latencies), wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function run(plan: RunnerPlan): Promise<RunnerReport> {
  const invokeHandler = async (event: APIGatewayProxyEventV2) => {
    const response = await handler(event, lambdaContext());
    return { statusCode: response.statusCode, body: response.body };
  };
  const ignoredBody = JSON.stringify({ type: 'MODIFIED', object: plan.applied });
  // Signed now, sent within the signature tolerance (300 s): the whole run takes well under a minute.
  const ignoredEvents = (n: number) => Array.from({ length: n }, () => signedEvent(plan, ignoredBody));

  const coldStart = performance.now();
  const cold = await invokeHandler(signedEvent(plan, ignoredBody));
  const coldInvocationMs = performance.now() - coldStart;
  if (cold.statusCode !== 200) throw new Error(`the first event was answered ${cold.statusCode}: ${cold.body}`);

  const runs: RunnerReport['runs'] = {};
  const profiles: CpuProfile[] = [];
  // Warm-up loops are neither profiled nor kept.
  const warmUp = (events: readonly APIGatewayProxyEventV2[], invoke: Parameters<typeof timeLoop>[3]) =>
    timeLoop({ ...plan, profile: false }, [], events, invoke, 200);
  for (const name of plan.runs) {
    switch (name) {
      case 'handlerIgnored':
        await warmUp(ignoredEvents(plan.warmup), invokeHandler);
        runs[name] = await timeLoop(plan, profiles, ignoredEvents(plan.ignored), invokeHandler, 200);
        break;
      case 'processWebhookIgnored': {
        const context = createIntakeContext(loadWebhookSettings());
        const direct = async (event: APIGatewayProxyEventV2) =>
          (await processWebhook(webhookRequestFromApiGateway(event), context)).response;
        await warmUp(ignoredEvents(plan.warmup), direct);
        runs[name] = await timeLoop(plan, profiles, ignoredEvents(plan.ignored), direct, 200);
        break;
      }
      case 'handlerAccepted': {
        const events = Array.from({ length: plan.accepted }, (_, i) => signedEvent(plan, freshVariant(plan, i)));
        runs[name] = await timeLoop(plan, profiles, events, invokeHandler, 202);
        break;
      }
    }
  }
  return {
    coldInvocationMs,
    eventBytes: { ignored: Buffer.byteLength(ignoredBody), accepted: Buffer.byteLength(freshVariant(plan, 0)) },
    runs,
    ...(profiles.length === 1 ? { profile: profiles[0] } : {}),
  };
}

function reply(message: RunnerMessage): void {
  process.send?.(message, () => process.exit(message.ok ? 0 : 1));
}

const planFile = process.argv[2];
if (planFile === undefined || process.send === undefined) {
  console.error('intake-runner: start it with fork(bundle, [planFile]); see bench/webhook.bench.ts');
  process.exit(2);
}
run(RunnerPlan.parse(JSON.parse(readFileSync(planFile, 'utf8'))))
  .then((report) => reply({ ok: true, report }))
  .catch((error: unknown) => reply({ ok: false, error: error instanceof Error ? error.message : String(error) }));
