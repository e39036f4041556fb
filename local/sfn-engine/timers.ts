import { ExecutionClosedError } from './states-errors';

/** Node timers overflow past 2^31-1 ms (about 24.8 days) and then fire at once; nothing may be armed beyond it. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** Resolves after `ms` (any length: long pauses are chained below the timer limit) or rejects when `signal` aborts. */
export function pauseFor(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new ExecutionClosedError());
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(new ExecutionClosedError());
    };
    const arm = (remainingMs: number) => {
      timer = setTimeout(
        () => {
          if (remainingMs > MAX_TIMER_MS) {
            arm(remainingMs - MAX_TIMER_MS);
            return;
          }
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.min(remainingMs, MAX_TIMER_MS),
      );
    };
    signal.addEventListener('abort', onAbort, { once: true });
    arm(ms);
  });
}
