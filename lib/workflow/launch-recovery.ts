import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { AapJob } from '../aap';
import {
  type ComputeInstance,
  instantMs,
  isLaunchIntent,
  latestJob,
  onJobLaunched,
  onLaunchFailed,
} from '../computeinstance';
import type { JobType } from '../domain/job-state';
import type { InstanceRef } from '../sfn';
import type { ClusterAccess, TaskContext } from './context';
import { templateFor, writeStatus } from './tasks/common';

// Launch intents whose launcher never came back.

// Lambda and AAP clocks may disagree a little; search from a bit before the intent so the job is not missed.
export const CLOCK_SKEW_MARGIN_MS = 60_000;
// A POST for an intent is sent within the same invocation (launchJob's 30 s timeout, AAP client timeout 30 s); a
// controller that queues a request may record it a little later. Five minutes covers that with room to spare.
export const LAUNCH_WINDOW_MS = 300_000;
export const LAUNCH_SEARCH_LIMIT = 500;

/**
 * An intent older than LAUNCH_INTENT_TTL_SECONDS means its launcher died, or AAP never answered the launch. Only AAP
 * knows whether a job was created, so ask it: jobs of the template created since the intent whose payload carries
 * this instance's uid. Found: the intent gets that job's id (and is then polled or cancelled like any job). None: the
 * launch never happened, and the intent becomes a Failed record so the decision backs off and tries again.
 * Returns true when the intent was settled.
 */
export async function settleStaleIntent(
  ctx: TaskContext,
  access: ClusterAccess,
  ref: InstanceRef,
  instance: ComputeInstance,
  type: JobType,
): Promise<boolean> {
  const intent = latestJob(instance.status?.provisioningJobs, type);
  if (!intent || !isLaunchIntent(intent)) return false;
  const now = ctx.now();
  const intentMs = instantMs(intent.timestamp, 'launch intent timestamp');
  const ageMs = now.getTime() - intentMs;
  if (ageMs < ctx.settings.LAUNCH_INTENT_TTL_SECONDS * 1000) return false;
  let found: AapJob[];
  try {
    found = await ctx.aap.findLaunchedJobs({
      templateName: templateFor(ctx, type),
      since: new Date(intentMs - CLOCK_SKEW_MARGIN_MS),
      // The launcher's POST happens within its invocation after the intent: bounding the window there keeps the
      // candidates few however busy AAP is and however long ago the intent was written.
      // That invocation's life is bounded on the wall clock; the local stack runs this clock 1/TIME_SCALE times
      // faster, so there the same window spans that many more clock seconds (on AWS the scale is 1).
      until: new Date(intentMs + LAUNCH_WINDOW_MS / ctx.settings.TIME_SCALE + CLOCK_SKEW_MARGIN_MS),
      payloadUid: ref.uid,
      // Each candidate costs one detail read; a busy controller may create a few hundred jobs in the window.
      limit: LAUNCH_SEARCH_LIMIT,
    });
  } catch (err) {
    if ((err as Error).name !== 'TooManyCandidates') throw err;
    // Too busy a window to read every candidate now: keep waiting on the intent (it is retried on the next look)
    // rather than fail the execution; nothing may launch while it is unsettled.
    ctx.logger.warn('stale launch intent not settled: too many candidate jobs', { intent: intent.timestamp, type });
    return false;
  }
  // Any of them would have to end before a deprovision; the newest is the one the intent stood for.
  const job = found.at(-1);
  if (job) {
    await writeStatus(access, ref, (current) =>
      onJobLaunched(current, { intentTimestamp: intent.timestamp, jobID: String(job.id), type }),
    );
    ctx.metrics.addMetric('LaunchIntentsRecovered', MetricUnit.Count, 1);
    return true;
  }
  await writeStatus(access, ref, (current) =>
    onLaunchFailed(current, {
      intentTimestamp: intent.timestamp,
      type,
      errorDetail: `the launch recorded at ${intent.timestamp} never reported back, and AAP holds no job for it`,
      now,
    }),
  );
  ctx.metrics.addMetric('LaunchIntentsAbandoned', MetricUnit.Count, 1);
  return true;
}
