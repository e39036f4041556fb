import * as z from 'zod';

/**
 * The state of one AAP job as recorded in `status.provisioningJobs[].state`.
 * The names are the CRD's enum; AAP's own status strings are mapped onto them by `lib/aap`.
 */
export const JobState = z.enum(['Pending', 'Waiting', 'Running', 'Succeeded', 'Failed', 'Canceled', 'Unknown']);
export type JobState = z.infer<typeof JobState>;

export const TERMINAL_JOB_STATES: ReadonlySet<JobState> = new Set<JobState>(['Succeeded', 'Failed', 'Canceled']);

/** Unknown is deliberately non-terminal: an unmapped AAP status keeps being polled rather than being trusted. */
export function isTerminalJobState(state: JobState): boolean {
  return TERMINAL_JOB_STATES.has(state);
}

export const JobType = z.enum(['provision', 'deprovision']);
export type JobType = z.infer<typeof JobType>;
