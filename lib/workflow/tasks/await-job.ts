import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { endedBeforeArming, waiterExpiresAt } from '../../notifications/arming';
import { jobKey } from '../../notifications/waiters';
import { errorName } from '../../runtime/logger';
import type { TaskContext } from '../context';
import type { AwaitJobInput } from '../wire';
import { readJob } from './common';

// WaitForProvisionJobToEnd / WaitForDeprovisionJobToEnd / WaitForCanceledJobToStop (awaitJobEnd)

/**
 * `waiting`: the token is stored; AAP's notification or the task's timeout ends the wait. `resumed`: the job had
 * already ended, so the task was ended at once. `superseded`: this execution already armed a newer wait for the job
 * (this invocation is a late retry); nothing written, nothing resumed. Step Functions ignores it (ResultPath null).
 */
export type AwaitJobOutcome = 'waiting' | 'resumed' | 'superseded';

/** What the arming task resumes its own token with when the job ended before the token was stored. */
export const ENDED_BEFORE_ARMING_OUTPUT = { notified: false } as const;

/** The task-token table could not be written: the state machine falls back to a plain Wait. Names the cause only. */
export class WaiterNotArmed extends Error {
  override readonly name = 'WaiterNotArmed';
  constructor(readonly reason: string) {
    super(`could not store the wait for the job's notification: ${reason}`);
  }
}

/**
 * Arms the wait for a job's end: stores the task token under the job (conditional put), then reads the job once. A
 * job that ended before the token was stored (its notification found no waiter) or that AAP no longer knows ends
 * the wait now rather than at the fallback timeout. The token never leaves this function but to the table and to
 * Step Functions: no log line, no error message, no result carries it.
 */
export async function awaitJobEnd(ctx: TaskContext, input: AwaitJobInput): Promise<{ outcome: AwaitJobOutcome }> {
  const { job, token, execution, waitSeconds } = input;
  try {
    return await armAndCheck(ctx, input);
  } catch (err) {
    throw withoutToken(err, token, { job: jobKey(job), execution, waitSeconds });
  }
}

async function armAndCheck(ctx: TaskContext, input: AwaitJobInput): Promise<{ outcome: AwaitJobOutcome }> {
  const { job, token, execution, waitSeconds } = input;
  const ref = { id: job.id, kind: job.kind };
  const nowMs = ctx.now().getTime();
  let armed: Awaited<ReturnType<TaskContext['waiters']['arm']>>;
  try {
    armed = await ctx.waiters.arm({
      job: ref,
      execution,
      token,
      armedAt: nowMs,
      expiresAt: waiterExpiresAt(nowMs, waitSeconds),
    });
  } catch (err) {
    // An SDK message may quote the item it could not write; only the error's name goes on.
    throw new WaiterNotArmed(errorName(err) ?? 'UnknownError');
  }
  if (armed === 'superseded') {
    ctx.logger.warn('a newer wait of this execution holds the job; this late arming stops here', {
      job: jobKey(ref),
    });
    return { outcome: 'superseded' };
  }
  ctx.metrics.addMetric('JobWaitsArmed', MetricUnit.Count, 1);

  let seen: Awaited<ReturnType<typeof readJob>>;
  try {
    seen = await readJob(ctx, job);
  } catch (err) {
    // The waiter is stored: the notification, or at worst the timeout and the poll after it, still ends the wait.
    ctx.logger.warn('could not read the job after arming its wait; waiting for its notification or the timeout', {
      job: jobKey(ref),
      error: errorName(err),
    });
    return { outcome: 'waiting' };
  }
  if (!endedBeforeArming(seen)) return { outcome: 'waiting' };

  ctx.metrics.addMetric('JobEndedBeforeArming', MetricUnit.Count, 1);
  await ctx.taskTokens.succeed(token, ENDED_BEFORE_ARMING_OUTPUT);
  try {
    await ctx.waiters.disarm({ job: ref, execution, token });
  } catch (err) {
    // The task has ended; a waiter left behind expires (TTL), and a notification for it finds the token gone.
    ctx.logger.warn('could not remove the wait of a job that had already ended; it expires on its own', {
      job: jobKey(ref),
      error: errorName(err),
    });
  }
  return { outcome: 'resumed' };
}

/**
 * The error as it may be reported (Lambda logs and returns its message and stack, and Step Functions keeps them in
 * the execution's history): with any occurrence of the token replaced. The errors this task raises carry none; this
 * guards the ones it only passes on.
 */
function withoutToken(err: unknown, token: string, context: Record<string, unknown>): unknown {
  if (!(err instanceof Error)) return new Error(`arming the wait failed (${JSON.stringify(context)})`);
  const scrub = (text: string | undefined) => text?.split(token).join('<task token>');
  if (err.message.includes(token) || err.stack?.includes(token)) {
    err.message = scrub(err.message) ?? '';
    err.stack = scrub(err.stack);
  }
  return err;
}
