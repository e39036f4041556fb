import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or less when `signal` aborts first; never rejects. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await delay(ms, undefined, { signal }).catch(() => undefined);
}
