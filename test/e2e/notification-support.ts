import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { JobView } from '../../local/aap-simulator';
import type { LocalStack } from '../../local/stack';

/** The states where a workflow waits for a job that AAP's notification can end (`.waitForTaskToken`). */
export const NOTIFICATION_WAITS = [
  'WaitForProvisionJobToEnd',
  'WaitForDeprovisionJobToEnd',
  'WaitForCanceledJobToStop',
];

export type WaitEnd = 'TaskSucceeded' | 'TaskTimedOut' | 'TaskFailed';

/** How one run of a notification wait state ended, and the output it was resumed with (TaskSucceeded only). */
export interface WaitRun {
  state: string;
  end: WaitEnd;
  output?: unknown;
  /** The history timestamp of the end (the engine's scaled clock). */
  at: number;
}

/** Every run of a notification wait state in the execution's history, in order. */
export function waitRuns(stack: LocalStack, executionArn: string): WaitRun[] {
  return waitRunsOf(stack.sfn.history(executionArn));
}

export function waitRunsOf(history: readonly HistoryEvent[]): WaitRun[] {
  const runs: WaitRun[] = [];
  let state: string | undefined;
  for (const event of history) {
    if (event.type?.endsWith('StateEntered')) state = event.stateEnteredEventDetails?.name;
    if (state === undefined || !NOTIFICATION_WAITS.includes(state)) continue;
    const at = event.timestamp?.getTime() ?? Number.NaN;
    if (event.type === 'TaskSucceeded') {
      const output = event.taskSucceededEventDetails?.output;
      runs.push({ state, end: 'TaskSucceeded', output: output === undefined ? undefined : JSON.parse(output), at });
    } else if (event.type === 'TaskTimedOut' || event.type === 'TaskFailed') {
      runs.push({ state, end: event.type, at });
    }
  }
  return runs;
}

/** The names of the states entered, in order (a compact view of the path taken). */
export function statesEntered(stack: LocalStack, executionArn: string): string[] {
  return stack.sfn
    .history(executionArn)
    .filter((event) => event.type?.endsWith('StateEntered'))
    .map((event) => event.stateEnteredEventDetails?.name ?? '?');
}

export interface WaiterRow {
  job: string;
  execution: string;
  /** Epoch seconds (the table's TTL attribute). */
  expiresAt: number;
}

/** The rows of the job waiters table (dynalite) as stored, expired or not; `executionArn` narrows to one execution's. */
export async function waiterRows(stack: LocalStack, executionArn?: string): Promise<WaiterRow[]> {
  const table = stack.env.JOB_WAITERS_TABLE as string;
  const { Items = [] } = await stack.dynamodb.client().send(new ScanCommand({ TableName: table }));
  return Items.map((item) => ({
    job: item.job?.S ?? '',
    execution: item.execution?.S ?? '',
    expiresAt: Number(item.expiresAt?.N),
  })).filter((row) => executionArn === undefined || row.execution === executionArn);
}

/**
 * Every task token the execution's notification waits were given (the `token` of each TaskScheduled's Payload, as
 * `$$.Task.Token` resolved): what must never show up in an output or on the console.
 */
export function taskTokensOf(stack: LocalStack, executionArn: string): string[] {
  const tokens: string[] = [];
  for (const event of stack.sfn.history(executionArn)) {
    const parameters = event.type === 'TaskScheduled' ? event.taskScheduledEventDetails?.parameters : undefined;
    if (parameters === undefined) continue;
    const token = (JSON.parse(parameters) as { Payload?: { token?: unknown } }).Payload?.token;
    if (typeof token === 'string') tokens.push(token);
  }
  return tokens;
}

/** The AAP API path a job's status is read at (`jobs/<id>/` or `workflow_jobs/<id>/`). */
function jobDetailPath(job: Pick<JobView, 'id' | 'type'>): RegExp {
  const collection = job.type === 'job' ? 'jobs' : 'workflow_jobs';
  return new RegExp(`/v2/${collection}/${job.id}/$`);
}

/**
 * Detection lag in the simulator's (virtual) seconds: from the job's finishedAt to the first read of that job
 * after it, from the AAP simulator's own request log. Undefined if the job has not finished or was never read after.
 */
export function detectionLagSeconds(stack: LocalStack, job: JobView): number | undefined {
  if (job.finishedAt === null) return undefined;
  const finishedAt = job.finishedAt;
  const path = jobDetailPath(job);
  const firstRead = stack.aap
    .requestLog()
    .find((entry) => entry.method === 'GET' && path.test(entry.path) && entry.time >= finishedAt);
  return firstRead === undefined ? undefined : (firstRead.time - finishedAt) / 1000;
}

/** The AAP simulator's record of the webhook notifications sent for a job (`GET …/jobs/<id>/notifications/`). */
export async function notificationsSentFor(
  stack: LocalStack,
  job: Pick<JobView, 'id' | 'type'>,
): Promise<Array<{ status: string; error: string }>> {
  const collection = job.type === 'job' ? 'jobs' : 'workflow_jobs';
  const res = await fetch(`${stack.aap.url}/api/v2/${collection}/${job.id}/notifications/`, {
    headers: { authorization: `Bearer ${stack.aap.token}` },
  });
  if (res.status !== 200) throw new Error(`listing the notifications of AAP job ${job.id}: ${res.status}`);
  return ((await res.json()) as { results: Array<{ status: string; error: string }> }).results;
}

export interface ReceiverAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * POST /v1/aap/notifications on the stack's gateway, as AAP (or anyone) would: with the stack's notification token
 * by default, another one, or (null) no Authorization header at all.
 */
export async function postNotification(
  stack: LocalStack,
  body: unknown,
  token: string | null = stack.env.AAP_NOTIFICATION_TOKEN ?? null,
): Promise<ReceiverAnswer> {
  if (stack.gateway === undefined) throw new Error('the stack was started without notifications: no gateway');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${stack.gateway.url}/v1/aap/notifications`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** The provision (create-vm) job of one VM, once the AAP simulator has it. */
export function provisionJobOf(stack: LocalStack, name: string): JobView | undefined {
  return stack.aap.world.jobs().find((job) => job.vmKey?.endsWith(`/${name}`) && job.effect === 'create-vm');
}
