/**
 * Calls `task` for every item with at most `concurrency` calls in flight, taking items in order. Each call runs
 * its requests one after the other, so this also bounds the requests in flight, and a run over thousands of
 * instances never bursts past the Kubernetes, AAP or Step Functions throttles. `task` must handle its own errors:
 * a rejection stops the workers from taking further items and, once the calls in flight have ended, rejects
 * the whole.
 */
export async function forEachLimited<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`concurrency must be a whole number >= 1, got ${concurrency}`);
  }
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  // Settle every worker before answering, so nothing of this call still runs once it has returned or thrown.
  const outcomes = await Promise.allSettled(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  const rejected = outcomes.find((outcome) => outcome.status === 'rejected');
  if (rejected) throw rejected.reason;
}
