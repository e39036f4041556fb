import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { isLaunchIntent, jobProgressPatch, latestJob } from '../../computeinstance';
import { isTerminalJobState } from '../../domain/job-state';
import type { TaskContext } from '../context';
import { settleStaleIntent } from '../launch-recovery';
import { shouldContinueAsNew } from '../polling';
import type { CancelInput, CancelState, JobRef } from '../wire';
import {
  firstPollDelay,
  jobKindFor,
  jobNotificationsOn,
  pollDelay,
  readInstance,
  readJob,
  recordOutcomeMetrics,
  writeStatus,
} from './common';

// CancelRunningProvisionJob

/**
 * One look at the latest provision job, asking AAP to cancel it at most once. Cancellation is asynchronous (tasks
 * already dispatched keep running), so the state machine calls this again after a wait until AAP says terminal.
 * The wait follows the job poll schedule counted from the cancel request: a cancel that lands soon is seen within
 * seconds, while a job hung in AAP for days costs a look every POLL_MAX_SECONDS instead of every few seconds.
 */
export async function cancelProvision(ctx: TaskContext, input: CancelInput): Promise<CancelState> {
  const { ref } = input;
  const access = await ctx.cluster(ref.cluster);
  const instance = await readInstance(access, ref);
  const firstWait = firstPollDelay(ctx);
  const settled: CancelState = { settled: true, waitSeconds: firstWait };
  const latest = latestJob(instance.status?.provisioningJobs, 'provision');
  if (!latest || (latest.jobID === '' && isTerminalJobState(latest.state))) return settled;
  if (isLaunchIntent(latest)) {
    // Its job ID arrives with its launcher; a launcher that died is settled by asking AAP (after the TTL).
    await settleStaleIntent(ctx, access, ref, instance, 'provision');
    return {
      settled: false,
      waitSeconds: firstWait,
      // No job to be told about yet: a plain Wait.
      notifications: false,
      continueAsNew: shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION),
    };
  }
  if (isTerminalJobState(latest.state)) return settled;

  const job: JobRef = { id: Number(latest.jobID), kind: await jobKindFor(ctx, 'provision'), type: 'provision' };
  let seen = await readJob(ctx, job);
  let requestedFor = input.cancel?.requestedFor;
  let requestedAt = requestedFor === job.id ? input.cancel?.requestedAt : undefined;
  if (seen !== 'purged' && !seen.terminal && requestedFor !== job.id) {
    const outcome = await ctx.aap.cancelJob(job);
    requestedFor = job.id;
    requestedAt = ctx.now().toISOString();
    ctx.metrics.addMetric('ProvisionJobCancelRequests', MetricUnit.Count, 1);
    // 405: already terminal, 404: purged; either way read what AAP says now (AAP may answer 202 and cancel later).
    if (outcome !== 'accepted') seen = await readJob(ctx, job);
  }
  const now = ctx.now();
  await writeStatus(access, ref, jobProgressPatch(job, seen, now));
  if (seen === 'purged' || seen.terminal) {
    recordOutcomeMetrics(ctx, job, seen, now);
    return settled;
  }
  const notifications = jobNotificationsOn(ctx);
  return {
    settled: false,
    // An execution started before requestedAt was carried has none: it starts the schedule again.
    waitSeconds:
      requestedAt === undefined ? firstPollDelay(ctx, notifications) : pollDelay(ctx, requestedAt, now, notifications),
    // What AAP's notification names; it ends the wait when the job stops (none comes for a job canceled before it ran,
    // but that one is terminal at once and is seen by the arming task's read).
    job,
    notifications,
    ...(requestedFor === undefined ? {} : { requestedFor }),
    ...(requestedAt === undefined ? {} : { requestedAt }),
    continueAsNew: shouldContinueAsNew(input.rounds, ctx.settings.POLLS_PER_EXECUTION),
  };
}
