import * as z from 'zod';
import { AapJobRef } from '../aap/schemas';

/**
 * An execution waiting for an AAP job to end: the task token its `.waitForTaskToken` state handed out, stored under
 * the job so that AAP's notification (which names only the job) can resume it. One job may have several waiters
 * (the provision execution and a deprovision waiting for that job's cancel), one per execution.
 *
 * The token is a bearer credential for the execution: it is stored here and sent to Step Functions, never logged,
 * never put in an execution's input or output.
 */
export const JobWaiter = z.object({
  job: AapJobRef,
  /** The waiting execution's ARN: one waiter per execution and job. */
  execution: z.string().min(1),
  token: z.string().min(1),
  /** When this token was armed (ms since the epoch): a newer arm of the same execution replaces an older one. */
  armedAt: z.number().int().nonnegative(),
  /** After this instant (s since the epoch, the DynamoDB TTL attribute) the waiter counts as gone. */
  expiresAt: z.number().int().positive(),
});
export type JobWaiter = z.infer<typeof JobWaiter>;

/** `armed`: stored. `superseded`: the same execution already armed a newer token for this job; nothing written. */
export type ArmOutcome = 'armed' | 'superseded';

/**
 * Where waiting executions leave their task tokens. `DynamoTaskTokenStore` keeps them in a DynamoDB table,
 * `MemoryTaskTokenStore` in memory; both honour the same contract (test/notifications/token-store-contract.ts):
 * - `arm` is a conditional put: it writes unless the same execution already stored a newer arm (`armedAt`) for the
 *   job, so a retried, older arming attempt never overwrites a fresh token.
 * - `waitersFor` lists the job's waiters that have not expired at `nowMs` (TTL deletion is lazy on DynamoDB, so
 *   expiry is checked on read too).
 * - `disarm` deletes a waiter only while it still holds that token (a newer arm stays).
 */
export interface TaskTokenStore {
  arm(waiter: JobWaiter): Promise<ArmOutcome>;
  waitersFor(job: AapJobRef, nowMs: number): Promise<JobWaiter[]>;
  disarm(waiter: Pick<JobWaiter, 'job' | 'execution' | 'token'>): Promise<void>;
}

/** The table's partition key for a job: its kind and id, as AAP names them in a notification. */
export function jobKey(job: AapJobRef): string {
  return `${job.kind}:${job.id}`;
}
