import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { loadSettings } from '../../lib/config/settings';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../lib/k8s/compute-instances';
import {
  AWS_CALL_LIMITS,
  type AwsCallLimits,
  awsCallWorstCaseMs,
  WEBHOOK_AWS_CALL_LIMITS,
} from '../../lib/runtime/aws-clients';
import { MIN_ATTEMPT_MS, reportReserveMs } from '../../lib/runtime/deadline';
import { TASK_TIMEOUT_EARLY_MS } from '../../lib/runtime/task-handler';
import { parseCfnYaml } from '../../local/sfn-engine/cfn-yaml';

/**
 * Timeouts that nest, read from serverless.yml itself (no packaging needed): every outbound call must give up
 * before its function's timeout, with room left to report. Inside an invocation each call is bounded by the
 * invocation's deadline (lib/runtime/deadline.ts: function timeout minus the report reserve), which cuts attempts
 * and retries; this checks that the pieces fit that budget: one whole attempt of every client, and every AWS SDK
 * call with all its attempts and backoff.
 */
const ROOT = path.resolve(__dirname, '..', '..');
const SERVERLESS = path.join(ROOT, 'serverless.yml');

const Project = z.object({
  provider: z.object({ timeout: z.number().int().positive() }),
  functions: z.record(z.string(), z.object({ handler: z.string(), timeout: z.number().int().positive().optional() })),
});
const project = Project.parse(parseCfnYaml(readFileSync(SERVERLESS, 'utf8'), SERVERLESS));

const aapTimeoutMs = loadSettings({
  AAP_URL: 'https://aap.example.com/api/controller',
  AAP_TOKEN: 't',
  CLUSTERS_FILE: 'c',
}).AAP_TIMEOUT_MS;

interface Budgeted {
  key: string;
  timeoutMs: number;
  /** What outbound calls may use: the function timeout less the report reserve. */
  budgetMs: number;
  calls: { aap: boolean; kube: boolean; aws: AwsCallLimits };
}

const FUNCTIONS: Budgeted[] = Object.entries(project.functions).map(([key, fn]) => {
  const timeoutMs = (fn.timeout ?? project.provider.timeout) * 1000;
  // The webhook reads the registry and starts executions, the AAP notification receiver reads its token and the
  // waiters and resumes them: both answer HTTP on short AWS limits. Every other function may call AAP and clusters.
  const http = fn.handler === 'functions/webhook.handler' || fn.handler === 'functions/notifications.receive';
  return {
    key,
    timeoutMs,
    budgetMs: timeoutMs - reportReserveMs(timeoutMs),
    calls: { aap: !http, kube: !http, aws: http ? WEBHOOK_AWS_CALL_LIMITS : AWS_CALL_LIMITS },
  };
});

describe('time budgets in serverless.yml', () => {
  it('covers every function', () => {
    expect(FUNCTIONS.map((f) => f.key)).toEqual(
      expect.arrayContaining(['webhook', 'aapNotifications', 'reconcile', 'launchJob']),
    );
  });

  it.each(FUNCTIONS)('$key: the deadline leaves room to report, and middy stops the task after it', (f) => {
    expect(f.budgetMs).toBeLessThan(f.timeoutMs - TASK_TIMEOUT_EARLY_MS);
    expect(f.timeoutMs - f.budgetMs).toBeGreaterThanOrEqual(1_000);
  });

  it.each(FUNCTIONS.filter((f) => f.calls.aap))(
    '$key: one whole AAP attempt fits its budget, so a slow reply ends as a Transient it can report',
    (f) => {
      expect(aapTimeoutMs + MIN_ATTEMPT_MS).toBeLessThanOrEqual(f.budgetMs);
    },
  );

  it.each(FUNCTIONS.filter((f) => f.calls.kube))('$key: one whole API-server request fits its budget', (f) => {
    expect(DEFAULT_REQUEST_TIMEOUT_MS + MIN_ATTEMPT_MS).toBeLessThanOrEqual(f.budgetMs);
  });

  it.each(FUNCTIONS)('$key: an AWS SDK call with every attempt timing out, and its backoff, fits its budget', (f) => {
    expect(awsCallWorstCaseMs(f.calls.aws)).toBeLessThanOrEqual(f.budgetMs);
  });
});

const WAIT_FOR_TASK_TOKEN = 'arn:aws:states:::lambda:invoke.waitForTaskToken';

describe('a function timeout is retried by the state machines', () => {
  // A Lambda timeout surfaces as Sandbox.Timedout (Lambda.Unknown on older runtimes); ours as TaskTimedOut.
  const TIMEOUT_ERRORS = ['TaskTimedOut', 'Sandbox.Timedout', 'Lambda.Unknown', 'States.Timeout'];
  const Machine = z.object({
    States: z.record(
      z.string(),
      z.object({
        Type: z.string(),
        Resource: z.unknown().optional(),
        Retry: z.array(z.object({ ErrorEquals: z.array(z.string()), MaxAttempts: z.number().optional() })).optional(),
        Catch: z.array(z.object({ ErrorEquals: z.array(z.string()), Next: z.string() })).optional(),
      }),
    ),
  });
  const tasks = ['provision', 'deprovision'].flatMap((key) => {
    const file = path.join(ROOT, 'statemachines', `${key}.asl.yaml`);
    const machine = Machine.parse(parseCfnYaml(readFileSync(file, 'utf8'), file));
    return Object.entries(machine.States)
      .filter(([, state]) => state.Type === 'Task')
      .map(([name, state]) => ({
        task: `${key}/${name}`,
        waitsForToken: state.Resource === WAIT_FOR_TASK_TOKEN,
        retry: state.Retry ?? [],
        catchers: state.Catch ?? [],
      }));
  });

  // A notification wait's States.Timeout is its fallback poll, and its arming function failing in any way (timeouts
  // included) falls back to the plain Wait it replaces: caught, never retried (a retry would arm a second wait).
  it.each(tasks.filter((t) => t.waitsForToken))('$task catches every failure into a poll', ({ retry, catchers }) => {
    expect(retry).toEqual([]);
    expect(catchers.map((c) => c.ErrorEquals)).toEqual([['States.Timeout'], ['States.ALL']]);
  });

  it.each(tasks.filter((t) => !t.waitsForToken))('$task retries every kind of timeout', ({ retry }) => {
    for (const error of TIMEOUT_ERRORS) {
      const rule = retry.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes('States.ALL'));
      expect({ error, retried: rule !== undefined && (rule.MaxAttempts ?? 3) > 0 }).toEqual({ error, retried: true });
    }
  });
});
