import type { AapJob } from './job';
import type { LaunchInput, LaunchResult } from './launch';
import type { FindLaunchedJobsInput } from './launched-jobs';
import type { AapJobRef } from './schemas';
import type { AapTemplateRef } from './templates';

/** What a cancel request achieved. `accepted`: AAP will cancel, poll until terminal. `gone`: the job was purged. */
export type CancelOutcome = 'accepted' | 'not-cancelable' | 'gone';

/**
 * What the workflow tasks ask of AAP, and nothing more. `AapClient` implements it over HTTP, `MemoryAap` in memory;
 * both honour the same contract (test/aap/port-contract.ts): errors by `name` (TemplateNotFound, JobNotFound,
 * VariablesIgnored, CredentialsIgnored with the job they created, …), a purged job is JobNotFound, cancel answers
 * 202 → `accepted`, 405 → `not-cancelable`, 404 → `gone`.
 */
export interface AapPort {
  findTemplate(name: string): Promise<AapTemplateRef>;
  launch(templateName: string, input: LaunchInput): Promise<LaunchResult>;
  getJob(ref: AapJobRef): Promise<AapJob>;
  cancelJob(ref: AapJobRef): Promise<CancelOutcome>;
  findLaunchedJobs(input: FindLaunchedJobsInput): Promise<AapJob[]>;
}
