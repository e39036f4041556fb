import type { AapJobRef } from '../aap/schemas';
import { type ArmOutcome, JobWaiter, jobKey, type TaskTokenStore } from './waiters';

/** The TaskTokenStore contract held in memory: for unit tests and for the contract suite's reference. */
export class MemoryTaskTokenStore implements TaskTokenStore {
  private readonly byJob = new Map<string, Map<string, JobWaiter>>();

  async arm(waiter: JobWaiter): Promise<ArmOutcome> {
    const parsed = JobWaiter.parse(waiter);
    const waiters = this.byJob.get(jobKey(parsed.job)) ?? new Map<string, JobWaiter>();
    const existing = waiters.get(parsed.execution);
    if (existing !== undefined && existing.armedAt > parsed.armedAt) return 'superseded';
    waiters.set(parsed.execution, structuredClone(parsed));
    this.byJob.set(jobKey(parsed.job), waiters);
    return 'armed';
  }

  async waitersFor(job: AapJobRef, nowMs: number): Promise<JobWaiter[]> {
    const waiters = this.byJob.get(jobKey(job));
    if (waiters === undefined) return [];
    return [...waiters.values()].filter((w) => w.expiresAt * 1000 > nowMs).map((w) => structuredClone(w));
  }

  async disarm(waiter: Pick<JobWaiter, 'job' | 'execution' | 'token'>): Promise<void> {
    const waiters = this.byJob.get(jobKey(waiter.job));
    if (waiters?.get(waiter.execution)?.token === waiter.token) waiters.delete(waiter.execution);
  }

  /** Every stored waiter, expired ones included (tests: nothing left behind). */
  all(): JobWaiter[] {
    return [...this.byJob.values()].flatMap((waiters) => [...waiters.values()]).map((w) => structuredClone(w));
  }
}
