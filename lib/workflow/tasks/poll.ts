import { desiredConfigVersion, jobProgressPatch } from '../../computeinstance';
import type { JobState } from '../../domain/job-state';
import type { TaskContext } from '../context';
import { shouldContinueAsNew } from '../polling';
import type { PollInput, PollResult } from '../wire';
import { jobNotificationsOn, pollDelay, readJob, recordOutcomeMetrics, writeStatus } from './common';

// PollProvisionJob / PollDeprovisionJob

/** One look at the job in AAP, its progress written to status; a purged job counts as failed. */
export async function poll(ctx: TaskContext, input: PollInput): Promise<PollResult> {
  const { ref, poll: state } = input;
  const access = await ctx.cluster(ref.cluster);
  const seen = await readJob(ctx, state.job);
  const now = ctx.now();
  const instance = await writeStatus(access, ref, jobProgressPatch(state.job, seen, now));
  const jobState: JobState = seen === 'purged' ? 'Failed' : seen.state;
  const terminal = seen === 'purged' || seen.terminal;
  if (terminal) recordOutcomeMetrics(ctx, state.job, seen, now);
  const polls = state.polls + 1;
  const entry = instance.status?.provisioningJobs?.findLast((j) => j.jobID === String(state.job.id));
  const configApplied =
    state.job.type === 'provision' &&
    jobState === 'Succeeded' &&
    entry?.configVersion === desiredConfigVersion(instance.spec);
  return {
    ...state,
    polls,
    waitSeconds: pollDelay(ctx, state.launchedAt, now),
    // From the settings now, not as launched: turning notifications on or off applies from the next wait.
    notifications: jobNotificationsOn(ctx),
    state: jobState,
    terminal,
    configApplied,
    // Counted over every loop of the execution when the state machine passes its rounds; polls alone otherwise.
    continueAsNew: !terminal && shouldContinueAsNew(input.rounds ?? polls, ctx.settings.POLLS_PER_EXECUTION),
  };
}
