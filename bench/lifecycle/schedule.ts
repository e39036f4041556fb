import { nextPollDelaySeconds, type PollSchedule } from '../../lib/workflow/polling';

/**
 * The poll schedule on its own, with no processing time at all: when a job of a given length is seen to end and
 * how many polls that took. Beside the measured figures it separates what the schedule costs from what the
 * pipeline adds; for cells too slow to run it is the figure (and is labelled so).
 */
export interface ScheduledPolls {
  polls: number;
  /** Seconds from the job's end to the poll that sees it. */
  lagSeconds: number;
}

/**
 * Polls happen at t₁ = wait(0), tₖ₊₁ = tₖ + wait(tₖ), counted from the launch; the job ends at `durationSeconds`
 * and the first poll at or after that sees it. Mirrors the launch and poll tasks, which both return
 * `nextPollDelaySeconds(time since launch)`.
 */
export function schedulePolls(durationSeconds: number, schedule: PollSchedule): ScheduledPolls {
  if (!(durationSeconds >= 0)) throw new RangeError(`job duration must be ≥ 0 s, got ${durationSeconds}`);
  let time = nextPollDelaySeconds(0, schedule);
  let polls = 1;
  while (time < durationSeconds) {
    time += nextPollDelaySeconds(time, schedule);
    polls += 1;
  }
  return { polls, lagSeconds: time - durationSeconds };
}

/** The lag the project allows: ≤ 5 s for jobs under a minute, ≤ 10 % of the duration from a minute on. */
export function allowedLagSeconds(durationSeconds: number): number {
  return durationSeconds < 60 ? 5 : durationSeconds * 0.1;
}

/** State transitions of one provision execution as a function of its polls (fitted on measured executions). */
export interface TransitionModel {
  fixed: number;
  perPoll: number;
}

export function transitionsFor(polls: number, model: TransitionModel): number {
  return Math.round(model.fixed + model.perPoll * polls);
}

export interface TradeOff {
  fraction: number;
  /** Polls and transitions of a 30-minute job. */
  polls30min: number;
  transitions30min: number;
  /** The worst lag of a job of 1 min to 2 h, as a share of its duration. */
  worstLagShare: number;
  /** The worst lag of a job under a minute, in seconds. */
  worstLagUnderAMinute: number;
}

/**
 * The worst lags over every job length up to `horizonSeconds`. A job ending just after a poll at `a` is seen at
 * the next poll `b`: lag b − a, the worst for any length in (a, b]; from a minute on the share is worst at the
 * shortest such length. (A supremum: approached by jobs ending a hair after the poll.)
 */
function worstLags(schedule: PollSchedule, horizonSeconds: number) {
  let worstLagShare = 0;
  let worstLagUnderAMinute = 0;
  let previous = 0;
  while (previous < horizonSeconds) {
    const next = previous + nextPollDelaySeconds(previous, schedule);
    if (previous < 60) worstLagUnderAMinute = Math.max(worstLagUnderAMinute, next - previous);
    if (next >= 60) {
      const shortest = Math.max(previous, 60);
      worstLagShare = Math.max(worstLagShare, (next - shortest) / shortest);
    }
    previous = next;
  }
  return { worstLagShare, worstLagUnderAMinute };
}

/**
 * What the schedule's fraction trades: fewer polls for a 30-minute job against a larger worst-case lag. Pure
 * polling has no other knob: it does not know how long the job will run.
 */
export function scheduleTradeOff(base: PollSchedule, fractions: readonly number[], model: TransitionModel): TradeOff[] {
  return fractions.map((fraction) => {
    const schedule = { ...base, fraction };
    const { polls } = schedulePolls(1800, schedule);
    return {
      fraction,
      polls30min: polls,
      transitions30min: transitionsFor(polls, model),
      ...worstLags(schedule, 7200),
    };
  });
}

/**
 * The fewest polls ANY pure-polling schedule needs to follow a job of `durationSeconds` while keeping every
 * possible duration within `allowedLagSeconds`: a job ending just after a poll at t is seen at the next poll, so
 * the next poll may come at most allowed(t) later. Greedy is optimal: each poll as late as that allows.
 */
export function minimumPollsWithinLagTarget(durationSeconds: number): number {
  let time = 0;
  let polls = 0;
  while (time < durationSeconds) {
    // A job ending right after `time` lasts a hair longer than `time`: its allowance is taken just above it.
    time += allowedLagSeconds(time + 1e-9);
    polls += 1;
  }
  return polls;
}
