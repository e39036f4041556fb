/**
 * How long to wait before the next look at an AAP job. Short at first so that quick jobs are seen quickly, then a
 * fixed fraction of the time the job has already run, so the detection lag stays a bounded share of the job's
 * duration while a long job costs few polls (and few state transitions). Pure; the poll task returns it and the
 * state machine's Wait state reads it through SecondsPath.
 */
export interface PollSchedule {
  /** Wait before the first poll and the floor of every wait after it. */
  minSeconds: number;
  /** No wait is longer than this, however long the job has run. */
  maxSeconds: number;
  /** The wait as a share of the time elapsed since launch. */
  fraction: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { minSeconds: 5, maxSeconds: 300, fraction: 0.1 };

/**
 * The fallback schedule while AAP's notifications are on (JOB_NOTIFICATIONS=on): a notification normally ends the
 * wait within a second, so the timed look only matters when one is lost (AAP tries once, never again). Its lag is
 * then at most the wait in progress when the job ended, so these are chosen to keep that lag within 25 % of the
 * job's length at every length (the lifecycle bench's "30 % lost" row): a fifth of the time run so far, with a 2 s
 * floor, as a 10 s job allows 2.5 s (today's 5 s floor would give it 5). That costs rounds: a 30-minute job is
 * 111 transitions, a 2-hour one 139 (bench, p50), not the 15 and 27 of a lean fallback (a look every 20-30 minutes),
 * which leaves a lost notification of any job under a few hours 10-100 times past 25 %; the bench shows both. The cap (30 min) stays above a fifth of a 2-hour job so that it does not add rounds there, while a job hung
 * for days still gets a look every half hour.
 */
export const DEFAULT_FALLBACK_POLL_SCHEDULE: PollSchedule = { minSeconds: 2, maxSeconds: 1800, fraction: 0.2 };

export function nextPollDelaySeconds(elapsedSeconds: number, schedule: PollSchedule = DEFAULT_POLL_SCHEDULE): number {
  if (!Number.isFinite(elapsedSeconds) || elapsedSeconds < 0) elapsedSeconds = 0;
  const proportional = Math.ceil(elapsedSeconds * schedule.fraction);
  return Math.min(schedule.maxSeconds, Math.max(schedule.minSeconds, proportional));
}

/**
 * An execution hands over to a fresh one after this many rounds of its waiting loops (polls of a job, looks at a
 * provision job being cancelled, waits for a launch in flight, backoffs, refused launches), all counted together
 * by the state machine in `$.loop.rounds`. So no execution's history gets anywhere near the 25,000-event limit,
 * however long AAP keeps it waiting: each round adds about 11 events (Pass, Wait, Task with its Lambda events,
 * Choice), plus 3 per task retry.
 */
export const DEFAULT_POLLS_PER_EXECUTION = 400;

export function shouldContinueAsNew(rounds: number, limit: number = DEFAULT_POLLS_PER_EXECUTION): boolean {
  return rounds >= limit;
}
