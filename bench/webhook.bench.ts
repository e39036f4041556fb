/**
 * The webhook intake: what one warm container does per signed event (signature check, body parsing against the
 * ComputeInstance schema, the shared decision, and for new work a StartExecution), and what every function's cold
 * start costs before its handler runs (bundle size, time to load it in a fresh Node 22). The handler runs as the
 * bundle serverless-esbuild would deploy, in a child process with the function's NODE_OPTIONS and Powertools
 * settings (its log lines and metrics written, to /dev/null); the Step Functions endpoint is a local stub.
 *
 *   npx tsx bench/run.ts --only webhook [--quick]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebhookClustersDocument } from '../lib/k8s/clusters';
import { startSecretsExtension } from '../local/gateway';
import { startSfnStub } from '../test/reconcile/support/sfn-stub';
import {
  type BenchResult,
  type BuiltBundle,
  BundleProcess,
  bundleLikeServerless,
  environment,
  evaluateTarget,
  fixed,
  includesPackage,
  kilobytes,
  type LambdaFunction,
  lambdaEnvironment,
  lambdaHeapFlags,
  loadAverageNow,
  readServerlessBuild,
  type SelfTime,
  type ServerlessBuild,
  selfTimes,
  type Table,
  type Target,
  targetsTable,
} from './support';
import {
  type LoadTarget,
  type LoadTiming,
  type LoopResult,
  makeBenchObjects,
  measureLoadTimes,
  RUNNER_RUNS,
  type RunnerMessage,
  type RunnerPlan,
  type RunnerReport,
  type RunnerRun,
} from './webhook';

const CLUSTER_ID = 'bench';
const ACCOUNT_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine';

interface FunctionBundle {
  /** The functions serverless.yml builds from this module (one bundle each, identical). */
  functions: string[];
  /** Of the first of them: the heap a container of theirs gets. */
  memorySize: number;
  bundle: BuiltBundle;
}

export interface WebhookData {
  intake: RunnerReport;
  profile: SelfTime[];
  bundles: Array<{ functions: string[]; bytes: number; gzipBytes: number; kubernetesClient: boolean }>;
  loads: LoadTiming[];
}

async function bundleFunctions(build: ServerlessBuild, workdir: string): Promise<FunctionBundle[]> {
  const byModule = new Map<string, LambdaFunction[]>();
  for (const fn of build.functions) byModule.set(fn.file, [...(byModule.get(fn.file) ?? []), fn]);
  const bundles: FunctionBundle[] = [];
  for (const [file, functions] of byModule) {
    const outfile = path.join(workdir, 'functions', `${path.basename(file, path.extname(file))}.js`);
    bundles.push({
      functions: functions.map((fn) => fn.name),
      memorySize: (functions[0] as LambdaFunction).memorySize,
      bundle: await bundleLikeServerless(file, outfile, build.esbuild),
    });
  }
  return bundles;
}

interface IntakeResults {
  report: RunnerReport;
  /** Self time per function over a profiled run of the ignored path. */
  profile: SelfTime[];
}

/** Starts the runner bundle as the webhook's container would run: its flags, heap size and settings. */
function startRunner(
  build: ServerlessBuild,
  bundle: string,
  planFile: string,
  env: Record<string, string>,
): BundleProcess {
  const webhook = build.functions.find((fn) => fn.name === 'webhook');
  if (!webhook) throw new Error('serverless.yml declares no function named webhook');
  return BundleProcess.start(bundle, [planFile], 'the webhook intake runner', {
    execArgv: [...build.nodeOptions, ...lambdaHeapFlags(webhook.memorySize)],
    env: { ...lambdaEnvironment(build), ...env },
  });
}

async function runnerReport(runner: BundleProcess): Promise<RunnerReport> {
  const message = await runner.next<RunnerMessage>();
  if (!message.ok) throw new Error(`webhook intake runner: ${message.error}`);
  return message.report;
}

async function runIntake(build: ServerlessBuild, workdir: string, quick: boolean): Promise<IntakeResults> {
  const secret = `bench-webhook-secret-${process.pid}`;
  // Read as deployed: the webhooks secret through the Parameters and Secrets extension (its local stand-in).
  const registry = { clusters: [{ id: CLUSTER_ID, webhookSecrets: [secret] }] };
  WebhookClustersDocument.parse(registry);
  const webhooksSecretName = 'cloudkit-provisioner/bench/webhooks';
  const sessionToken = `bench-session-${process.pid}`;

  const objects = await makeBenchObjects();
  const plan: RunnerPlan = {
    cluster: CLUSTER_ID,
    secret,
    ...objects,
    runs: [...RUNNER_RUNS],
    warmup: quick ? 500 : 2_000,
    ignored: quick ? 3_000 : 20_000,
    accepted: quick ? 300 : 2_000,
    profile: false,
  };
  const planFile = path.join(workdir, 'plan.json');
  writeFileSync(planFile, JSON.stringify(plan), { mode: 0o600 });
  // The profiled pass: the ignored path alone, in a bundle that keeps function names.
  const profilePlanFile = path.join(workdir, 'profile-plan.json');
  writeFileSync(
    profilePlanFile,
    JSON.stringify({
      ...plan,
      runs: ['handlerIgnored'],
      ignored: quick ? 2_000 : 10_000,
      profile: true,
    } satisfies RunnerPlan),
    { mode: 0o600 },
  );
  const entry = 'bench/webhook/intake-runner.ts';
  const runner = await bundleLikeServerless(entry, path.join(workdir, 'intake-runner.js'), build.esbuild);
  const profiling = await bundleLikeServerless(entry, path.join(workdir, 'intake-runner-named.js'), build.esbuild, {
    forProfiling: true,
  });

  const sfn = await startSfnStub();
  const extension = await startSecretsExtension({
    port: 0,
    sessionToken,
    secretString: (name) => (name === webhooksSecretName ? JSON.stringify(registry) : undefined),
  });
  const running: BundleProcess[] = [];
  try {
    const env = {
      WEBHOOKS_SECRET_NAME: webhooksSecretName,
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(extension.port),
      AWS_SESSION_TOKEN: sessionToken,
      SFN_ENDPOINT: sfn.endpoint,
      PROVISION_STATE_MACHINE_ARN: `${ACCOUNT_ARN}:cloudkit-provisioner-bench-provision`,
      DEPROVISION_STATE_MACHINE_ARN: `${ACCOUNT_ARN}:cloudkit-provisioner-bench-deprovision`,
    };
    const measured = startRunner(build, runner.outfile, planFile, env);
    running.push(measured);
    const report = await runnerReport(measured);
    const starts = sfn.calls().StartExecution ?? 0;
    if (starts !== plan.accepted) {
      throw new Error(
        `${plan.accepted} accepted events should have started as many executions; the stub saw ${starts}`,
      );
    }
    const profiled = startRunner(build, profiling.outfile, profilePlanFile, env);
    running.push(profiled);
    const { profile } = await runnerReport(profiled);
    if (!profile) throw new Error('the profiled intake runner sent no profile');
    return { report, profile: selfTimes(profile, 15) };
  } finally {
    for (const child of running) await child.stop();
    await sfn.close();
    await extension.close();
  }
}

const perSecond = (events: number, ms: number) => (events / ms) * 1000;

/** A run the measured pass always makes. */
function loop(report: RunnerReport, run: RunnerRun): LoopResult {
  const result = report.runs[run];
  if (!result) throw new Error(`the webhook intake runner reported no ${run} run`);
  return result;
}

function intakeTable(report: RunnerReport): Table {
  const row = (label: string, bytes: number, loop: LoopResult) => [
    label,
    loop.events,
    `${(bytes / 1024).toFixed(1)} KB`,
    fixed(loop.latencyMs.p50, 3),
    fixed(loop.latencyMs.p95, 3),
    fixed(loop.latencyMs.p99, 3),
    fixed(loop.latencyMs.max, 1),
    fixed(perSecond(loop.events, loop.wallMs), 0),
    fixed(perSecond(loop.events, loop.cpuMs), 0),
  ];
  return {
    title: 'Webhook intake: one warm container, signed events one after another',
    columns: [
      { header: 'run' },
      { header: 'events', align: 'right' },
      { header: 'body', align: 'right' },
      { header: 'p50 ms', align: 'right' },
      { header: 'p95 ms', align: 'right' },
      { header: 'p99 ms', align: 'right' },
      { header: 'max ms', align: 'right' },
      { header: 'events/s (wall)', align: 'right' },
      { header: 'events/s per CPU-second', align: 'right' },
    ],
    rows: [
      row(
        'handler: MODIFIED of an applied instance → ignored',
        report.eventBytes.ignored,
        loop(report, 'handlerIgnored'),
      ),
      row(
        '  baseline: processWebhook alone, same events',
        report.eventBytes.ignored,
        loop(report, 'processWebhookIgnored'),
      ),
      row(
        'handler: ADDED of a new instance → StartExecution',
        report.eventBytes.accepted,
        loop(report, 'handlerAccepted'),
      ),
    ],
    notes: [
      'every event is a real API-server object (managedFields included) in a watch event, HMAC-signed; each is verified, parsed against the ComputeInstance schema and decided on',
      '"handler" is the bundled Lambda handler in a process with its NODE_OPTIONS and the heap of its memory size: middy, Powertools Logger (INFO, one line per event) and Metrics (one EMF blob per event) included; the baseline leaves them out',
      'the StartExecution run includes an HTTP round trip to a local Step Functions stub in another process; on AWS that call takes what the service takes',
      `the container's first event (settings built, the webhooks secret read through the extension's local stand-in, registry parsed): ${fixed(report.coldInvocationMs, 1)} ms; on AWS the extension's own GetSecretValue adds a Secrets Manager round trip`,
    ],
  };
}

function coldStartTable(bundles: readonly FunctionBundle[], loads: readonly LoadTiming[]): Table {
  return {
    title: 'Cold start per function: bundled as serverless.yml declares, loaded in a fresh Node 22',
    columns: [
      { header: 'functions' },
      { header: 'bundle', align: 'right' },
      { header: 'gzip', align: 'right' },
      { header: 'Kubernetes client' },
      { header: 'load p50 ms', align: 'right' },
      { header: 'load p95 ms', align: 'right' },
      { header: 'CPU p50 ms', align: 'right' },
    ],
    rows: bundles.map((b, i) => {
      const load = loads[i] as LoadTiming;
      return [
        b.functions.join(', '),
        kilobytes(b.bundle.bytes),
        kilobytes(b.bundle.gzipBytes),
        includesPackage(b.bundle, '@kubernetes/client-node') ? 'yes' : 'no',
        fixed(load.wallMsMedian, 0),
        fixed(load.wallMsP95, 0),
        fixed(load.cpuMsMedian, 0),
      ];
    }),
    notes: [
      "load = require() of the bundle timed inside the new process (Node start-up excluded), with the NODE_OPTIONS serverless.yml sets and the heap limits of the function's memory size; the AWS SDK stays external as deployed and is loaded from node_modules",
      'functions built from one module share one bundle; the webhook is the only one without the Kubernetes client: the others are its baseline',
    ],
  };
}

function profileTable(profile: readonly SelfTime[]): Table {
  return {
    title: "Where the webhook handler's time goes (ignored events, self time, V8 sampling profiler)",
    columns: [{ header: 'function' }, { header: 'self ms', align: 'right' }, { header: 'share', align: 'right' }],
    rows: profile.map((entry) => [entry.name, fixed(entry.selfMs, 0), `${fixed(entry.share * 100, 1)} %`]),
    notes: [
      'a separate pass over the same events (after the same warm-up) in a bundle that keeps function names; only the timed loop is sampled',
    ],
  };
}

function loadBreakdownTable(loads: readonly LoadTiming[]): Table {
  return {
    title: "What the webhook's load is made of",
    columns: [
      { header: 'required' },
      { header: 'load p50 ms', align: 'right' },
      { header: 'CPU p50 ms', align: 'right' },
    ],
    rows: loads.map((load) => [load.label, fixed(load.wallMsMedian, 0), fixed(load.cpuMsMedian, 0)]),
  };
}

function targetsFor(
  report: RunnerReport,
  webhook: FunctionBundle,
  load: LoadTiming,
  breakdown: LoadTiming[],
): Target[] {
  const sdk = breakdown.find((b) => b.label.startsWith('@aws-sdk'));
  const before = breakdown.find((b) => b.label.startsWith('before:'));
  const ignored = loop(report, 'handlerIgnored');
  return [
    {
      name: 'webhook p99',
      measuredAs: 'handler, ignored events, in process',
      direction: 'at-most',
      limit: 5,
      measured: ignored.latencyMs.p99,
      unit: 'ms',
      digits: 2,
      note: `with a StartExecution to the local stub: p99 ${fixed(loop(report, 'handlerAccepted').latencyMs.p99, 2)} ms`,
    },
    {
      name: 'webhook throughput on one core',
      measuredAs: 'handler, ignored events, per CPU-second',
      direction: 'at-least',
      limit: 2000,
      measured: perSecond(ignored.events, ignored.cpuMs),
      unit: 'events/s',
      digits: 0,
      note: `by the wall clock (the loop shares a loaded machine): ${fixed(perSecond(ignored.events, ignored.wallMs), 0)} events/s`,
    },
    {
      name: 'webhook bundle',
      measuredAs: 'minified bundle, AWS SDK external',
      direction: 'at-most',
      limit: 300,
      measured: webhook.bundle.bytes / 1024,
      unit: 'KB',
    },
    {
      name: 'webhook load',
      measuredAs: 'require() in a fresh Node 22, median',
      direction: 'at-most',
      limit: 60,
      measured: load.wallMsMedian,
      unit: 'ms',
      digits: 0,
      note: [
        before
          ? `before, with the Secrets Manager SDK required at load: ${fixed(before.wallMsMedian, 0)} ms in this run`
          : undefined,
        sdk
          ? `requiring @aws-sdk/client-secrets-manager alone takes ${fixed(sdk.wallMsMedian, 0)} ms (CPU ${fixed(sdk.cpuMsMedian, 0)} ms), no longer paid: the webhook reads its secret through the Parameters and Secrets extension`
          : undefined,
        `the bundle's CPU ${fixed(load.cpuMsMedian, 0)} ms (V8 compiles on helper threads too)`,
      ]
        .filter(Boolean)
        .join('; '),
    },
  ];
}

export async function runWebhookBench(options: { quick: boolean; log: (line: string) => void }): Promise<BenchResult> {
  const startedAt = new Date();
  const loadAtStart = loadAverageNow();
  const build = readServerlessBuild();
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'cloudkit-bench-webhook-'));
  try {
    options.log('  bundling every function as serverless.yml declares');
    const bundles = await bundleFunctions(build, workdir);
    const webhook = bundles.find((b) => b.functions.includes('webhook'));
    if (!webhook) throw new Error('serverless.yml declares no function named webhook');
    const spawns = options.quick ? 5 : 9;
    options.log(`  loading each bundle in ${spawns} fresh processes`);
    const heap = (b: FunctionBundle) => lambdaHeapFlags(b.memorySize);
    const deployed = (b: FunctionBundle): LoadTarget => ({
      label: b.functions.join(', '),
      module: b.bundle.outfile,
      execArgv: [...build.nodeOptions, ...heap(b)],
    });
    // The baseline: the bundle as it loaded while the registry read its secret with the Secrets Manager SDK, the
    // SDK module required at load (the same bundle with that require put back in front of it).
    const withSdkAtLoad = path.join(workdir, 'webhook-with-secrets-manager-sdk.js');
    writeFileSync(
      withSdkAtLoad,
      `require('@aws-sdk/client-secrets-manager');\nmodule.exports = require(${JSON.stringify(webhook.bundle.outfile)});\n`,
    );
    const breakdownTargets: LoadTarget[] = [
      // Neither is required at load any more: the registry reads its secret through the Parameters and Secrets
      // extension (lib/runtime/secrets.ts), Step Functions' client is required at the first start. The two share
      // the SDK's core, so either alone costs about what both do.
      {
        label: '@aws-sdk/client-secrets-manager alone (not loaded: the secret comes through the extension)',
        module: '@aws-sdk/client-secrets-manager',
        execArgv: heap(webhook),
      },
      {
        label: '@aws-sdk/client-sfn alone (not loaded at start-up)',
        module: '@aws-sdk/client-sfn',
        execArgv: heap(webhook),
      },
      {
        ...deployed(webhook),
        label: 'before: webhook bundle with the Secrets Manager SDK required at load (as deployed)',
        module: withSdkAtLoad,
      },
      { label: `webhook bundle without NODE_OPTIONS`, module: webhook.bundle.outfile, execArgv: heap(webhook) },
      {
        ...deployed(webhook),
        label: `webhook bundle with ${build.nodeOptions.join(' ') || 'no NODE_OPTIONS'} (as deployed)`,
      },
    ];
    const timings = await measureLoadTimes(
      [...bundles.map(deployed), ...breakdownTargets],
      spawns,
      lambdaEnvironment(build),
    );
    const loads = timings.slice(0, bundles.length);
    const breakdown = timings.slice(bundles.length);
    options.log('  running the webhook handler over signed events');
    const { report: intake, profile } = await runIntake(build, workdir, options.quick);
    const webhookLoad = loads[bundles.indexOf(webhook)] as LoadTiming;
    const targets = targetsFor(intake, webhook, webhookLoad, breakdown).map(evaluateTarget);
    const data: WebhookData = {
      intake,
      profile,
      bundles: bundles.map((b) => ({
        functions: b.functions,
        bytes: b.bundle.bytes,
        gzipBytes: b.bundle.gzipBytes,
        kubernetesClient: includesPackage(b.bundle, '@kubernetes/client-node'),
      })),
      loads: timings,
    };
    return {
      name: 'webhook',
      command: `tsx bench/run.ts --only webhook${options.quick ? ' --quick' : ''}`,
      startedAt: startedAt.toISOString(),
      elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
      quick: options.quick,
      environment: environment(loadAtStart),
      tables: [
        intakeTable(intake),
        profileTable(profile),
        coldStartTable(bundles, loads),
        loadBreakdownTable(breakdown),
        targetsTable('Webhook targets', targets),
      ],
      targets,
      data,
    };
  } finally {
    rmSync(workdir, { recursive: true, force: true });
  }
}
