import { Faults, type ServerErrorStatus } from './schemas';
import { describeIssue } from './templates';

export type RequestFault =
  | { kind: 'pass' }
  | { kind: 'drop'; mode: 'before-handling' | 'after-handling' }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'error'; status: ServerErrorStatus };

export type FailNext = NonNullable<Faults['failNext']>;

/** What becomes of one webhook send. */
export interface NotificationDelivery {
  lost: boolean;
  /** Unscaled seconds before it is sent. */
  delaySeconds: number;
  duplicated: boolean;
}

const DEFAULT_SEED = 0x5eed;
const NOTIFICATION_STREAM = 0x0b5e7;
const DEFAULT_CANCEL_DELAY_SECONDS = 2;
const DEFAULT_ERROR_STATUSES: readonly ServerErrorStatus[] = [500, 502, 503];

/** mulberry32: a tiny seeded generator, so a given fault setting fails the same requests on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function parseFaults(input: unknown): Faults {
  const parsed = Faults.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid AAP simulator faults: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  return parsed.data;
}

/** The fault knobs in force, and the per-request decisions they imply. Setting faults replaces all of them. */
export class FaultState {
  private faults: Faults = {};
  private random = seededRandom(DEFAULT_SEED);
  // A stream of its own, so API request faults do not shift which notifications are lost, delayed or duplicated.
  private notificationRandom = seededRandom(DEFAULT_SEED ^ NOTIFICATION_STREAM);
  private apiRequests = 0;
  private rateWindow = { second: Number.NaN, count: 0 };
  private readonly changeListeners: Array<() => void> = [];

  set(input: unknown): Faults {
    this.faults = parseFaults(input);
    this.random = seededRandom(this.faults.seed ?? DEFAULT_SEED);
    this.notificationRandom = seededRandom((this.faults.seed ?? DEFAULT_SEED) ^ NOTIFICATION_STREAM);
    this.apiRequests = 0;
    this.rateWindow = { second: Number.NaN, count: 0 };
    for (const listener of this.changeListeners) listener();
    return this.get();
  }

  get(): Faults {
    return structuredClone(this.faults);
  }

  /** Called after every change, e.g. so jobs held by hangJobs resume once it is cleared. */
  onChange(listener: () => void): void {
    this.changeListeners.push(listener);
  }

  cancelDelaySeconds(): number {
    return this.faults.cancelDelaySeconds ?? DEFAULT_CANCEL_DELAY_SECONDS;
  }

  blackHole(): boolean {
    return this.faults.blackHole === true;
  }

  latencyMs(): number {
    return this.faults.latencyMs ?? 0;
  }

  isHung(jobId: number, templateName: string): boolean {
    const hang = this.faults.hangJobs;
    if (hang === undefined) return false;
    return hang.jobId === jobId || hang.templateName === templateName || (hang.jobIds?.includes(jobId) ?? false);
  }

  /** failNext applies to exactly one job: the next one launched from that template. */
  takeFailNext(templateName: string): FailNext | undefined {
    const failNext = this.faults.failNext;
    if (failNext?.templateName !== templateName) return undefined;
    this.faults = { ...this.faults, failNext: undefined };
    return failNext;
  }

  /** The fate of one webhook send; always three draws, so one knob's setting does not shift the others' choices. */
  notificationDelivery(): NotificationDelivery {
    const [lostDraw, delayDraw, duplicateDraw] = [
      this.notificationRandom(),
      this.notificationRandom(),
      this.notificationRandom(),
    ];
    const knobs = this.faults.notifications;
    if (knobs === undefined) return { lost: false, delaySeconds: 0, duplicated: false };
    const delay = knobs.delaySeconds;
    return {
      lost: lostDraw < knobs.lostFraction,
      delaySeconds: delay === undefined ? 0 : delay.min + delayDraw * (delay.max - delay.min),
      duplicated: duplicateDraw < knobs.duplicateFraction,
    };
  }

  /** What happens to one /api request, before the controller sees it (as a proxy in front of it would do). */
  decide(nowMs: number): RequestFault {
    this.apiRequests += 1;
    const { dropRate, rateLimit, errorRate } = this.faults;
    if (dropRate !== undefined && this.random() < dropRate) {
      return { kind: 'drop', mode: this.faults.dropMode ?? 'before-handling' };
    }
    if (rateLimit !== undefined && this.rateLimited(rateLimit, nowMs)) {
      return { kind: 'rate-limited', retryAfterSeconds: rateLimit.retryAfterSeconds };
    }
    if (errorRate !== undefined && this.random() < errorRate) {
      const statuses = this.faults.errorStatuses ?? DEFAULT_ERROR_STATUSES;
      const status = statuses[Math.floor(this.random() * statuses.length)] ?? 500;
      return { kind: 'error', status };
    }
    return { kind: 'pass' };
  }

  private rateLimited(rateLimit: NonNullable<Faults['rateLimit']>, nowMs: number): boolean {
    if (rateLimit.everyNth !== undefined) return this.apiRequests % rateLimit.everyNth === 0;
    const second = Math.floor(nowMs / 1000);
    if (second !== this.rateWindow.second) this.rateWindow = { second, count: 0 };
    this.rateWindow.count += 1;
    return this.rateWindow.count > (rateLimit.rate ?? Number.POSITIVE_INFINITY);
  }
}
