import type { AapJobRef } from '../../lib/aap/schemas';
import { MemoryTaskTokenStore } from '../../lib/notifications/memory-waiters';
import type { NotificationTokenSource } from '../../lib/notifications/notification-token';
import type { ReceiverPorts } from '../../lib/notifications/receiver';
import type { JobWaiter } from '../../lib/notifications/waiters';
import { type ResumeOutcome, SendTaskSuccessFailed, type TaskTokenPort } from '../../lib/sfn/task-tokens';

export const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 0);
export const TOKEN = 'aap-notification-token-for-tests';
export const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:cloudkit-provisioner-local-provision';

/**
 * Step Functions' task tokens in memory: a token is waiting until it is resumed once; every call is recorded, so a
 * test can say exactly which tokens were resumed (and that nothing was for a bad request).
 */
export class RecordingTaskTokens implements TaskTokenPort {
  readonly calls: Array<{ token: string; output: unknown }> = [];
  readonly waiting = new Set<string>();
  /** Tokens whose SendTaskSuccess fails (as on a throttled or unreachable Step Functions). */
  readonly failing = new Set<string>();

  async succeed(token: string, output: unknown): Promise<ResumeOutcome> {
    this.calls.push({ token, output });
    if (this.failing.has(token)) throw new SendTaskSuccessFailed('ThrottlingException');
    return this.waiting.delete(token) ? 'resumed' : 'gone';
  }

  resumedTokens(): string[] {
    return this.calls.map((c) => c.token);
  }
}

export class FixedToken implements NotificationTokenSource {
  reads = 0;
  constructor(private readonly token: string | Error = TOKEN) {}
  async current(): Promise<string> {
    this.reads += 1;
    if (this.token instanceof Error) throw this.token;
    return this.token;
  }
}

export interface Ports extends ReceiverPorts {
  store: MemoryTaskTokenStore;
  tasks: RecordingTaskTokens;
  token: FixedToken;
}

export function memoryPorts(overrides: Partial<Ports> = {}): Ports {
  return {
    token: overrides.token ?? new FixedToken(),
    store: overrides.store ?? new MemoryTaskTokenStore(),
    tasks: overrides.tasks ?? new RecordingTaskTokens(),
    now: overrides.now ?? (() => NOW_MS),
  };
}

/** Arms a waiter in the store and makes its token a waiting one. */
export async function arm(ports: Ports, job: AapJobRef, execution: string, overrides: Partial<JobWaiter> = {}) {
  const waiter: JobWaiter = {
    job,
    execution: `${EXECUTION}:${execution}`,
    token: `task-token-${job.kind}-${job.id}-${execution}`,
    armedAt: NOW_MS - 1_000,
    expiresAt: NOW_MS / 1000 + 600,
    ...overrides,
  };
  await ports.store.arm(waiter);
  ports.tasks.waiting.add(waiter.token);
  return waiter;
}

export const notificationBody = (id: unknown, type: unknown = 'job', status: unknown = 'successful') =>
  JSON.stringify({ id, type, status });

export const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
