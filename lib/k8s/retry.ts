import type { RetryPolicy } from '../runtime/retry';

/** Optimistic-concurrency retries (409, failed `test`): re-reading is cheap, so retry soon and often. */
export const CONFLICT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 10, maxDelayMs: 250 };

/** 5xx, 429 and network failures: the server or the path to it needs a moment. */
export const TRANSIENT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };
