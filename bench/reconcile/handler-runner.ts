/**
 * Runs in a child process as a bundle (built like the reconcile function's own): one Lambda container of the
 * scheduled reconciler. It loads the handler, says so, and then runs it once per `run` command, so the parent can
 * reset the world in between and measure a cold and a warm invocation of the same container.
 */
import type { Context } from 'aws-lambda';
import { type CpuProfile, profileWhile } from '../support/cpu-profile';
import type { RunnerCommand, RunnerMessage, RunResult } from './protocol';

type ReconcileModule = typeof import('../../functions/reconcile');

const TIMEOUT_MS = 300_000;
const MB = 1024 * 1024;
const maxRssMB = () => process.resourceUsage().maxRSS / 1024;

function send(message: RunnerMessage): void {
  process.send?.(message);
}

function lambdaContext(startedAt: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'cloudkit-provisioner-bench-reconcile',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:cloudkit-provisioner-bench-reconcile',
    memoryLimitInMB: '512',
    awsRequestId: `bench-${startedAt}`,
    logGroupName: '/aws/lambda/cloudkit-provisioner-bench-reconcile',
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => TIMEOUT_MS - (Date.now() - startedAt),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

async function invoke(module: ReconcileModule, profile: boolean): Promise<RunResult> {
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 5);
  const cpuBefore = process.cpuUsage();
  const startedAtMs = Date.now();
  const started = performance.now();
  try {
    const run = () =>
      module.handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, lambdaContext(startedAtMs));
    let report: Awaited<ReturnType<typeof run>>;
    let cpuProfile: CpuProfile | undefined;
    if (profile) ({ result: report, profile: cpuProfile } = await profileWhile(run));
    else report = await run();
    const wallMs = performance.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      startedAtMs,
      endedAtMs: Date.now(),
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      heapPeakMB: heapPeak / MB,
      maxRssMB: maxRssMB(),
      report,
      ...(cpuProfile ? { profile: cpuProfile } : {}),
    };
  } finally {
    clearInterval(sampler);
  }
}

if (process.send === undefined) {
  console.error('handler-runner: start it with fork(bundle); see bench/reconcile.bench.ts');
  process.exit(2);
}
const loadStarted = performance.now();
// Required here, not imported, so that loading the function is timed like the cold start it is.
const reconcileModule = require('../../functions/reconcile') as ReconcileModule;
send({ kind: 'ready', loadMs: performance.now() - loadStarted, maxRssMB: maxRssMB() });
process.on('message', (command: RunnerCommand) => {
  if (command.cmd === 'exit') process.exit(0);
  invoke(reconcileModule, command.profile).then(
    (result) => send({ kind: 'ran', result }),
    (error: unknown) => send({ kind: 'failed', error: error instanceof Error ? error.message : String(error) }),
  );
});
