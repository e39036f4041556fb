import { type AapClient, JOBS_BATCH_SIZE } from '../aap';
import { describeError, type Logger } from '../runtime/logger';
import { forEachLimited } from './limit';
import type { JobObservation } from './plan';

export interface ObservedJobs {
  /** Each job asked about that AAP answered for: its state, or `purged` when AAP no longer has it. */
  observed: Map<number, JobObservation>;
  /** Requests made to AAP (one per batch), answered or not. */
  requests: number;
}

/**
 * The reconciler's one question to AAP: what became of the jobs status still calls running. Asked in batches of
 * JOBS_BATCH_SIZE distinct ids (one `jobs/?id__in=…` request each), `concurrency` at a time. A batch that cannot be
 * read is logged and its jobs left out of `observed`: the caller counts them and looks at them again next run.
 */
export async function observeJobs(
  jobIDs: Iterable<number>,
  aap: Pick<AapClient, 'getJobs'>,
  concurrency: number,
  log: Logger,
): Promise<ObservedJobs> {
  const ids = [...new Set(jobIDs)];
  const batches: number[][] = [];
  for (let start = 0; start < ids.length; start += JOBS_BATCH_SIZE) {
    batches.push(ids.slice(start, start + JOBS_BATCH_SIZE));
  }
  const observed = new Map<number, JobObservation>();
  await forEachLimited(batches, concurrency, async (batch) => {
    try {
      const jobs = await aap.getJobs(batch);
      for (const id of batch) {
        const job = jobs.get(id);
        observed.set(id, job === undefined ? 'purged' : { state: job.state, terminal: job.terminal });
      }
    } catch (error) {
      log.error('AAP jobs could not be read; their instances are looked at again next run', {
        jobs: batch.length,
        error: describeError(error),
      });
    }
  });
  return { observed, requests: batches.length };
}
