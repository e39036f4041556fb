/**
 * The time an execution's history is written in. Wait and Retry pauses really last `timeScale` times what the
 * definition asks for, but while one is pending this clock runs `1 / timeScale` times faster, so the history
 * shows the unscaled pause (a 300 s Wait is 300 s between WaitStateEntered and WaitStateExited) and anything that
 * measures lag or counts transitions from the history sees production-like numbers. Outside pauses it is wall time.
 */
export interface RealInterval {
  start: number;
  end: number;
}

export interface ScaledDelay {
  /** How long to really wait. */
  readonly scaledMs: number;
  /** Marks the pause as over, early if it was cut short (a stopped execution). */
  end(): void;
}

export class ExecutionClock {
  private readonly pauses = new PauseIndex();
  private readonly listeners = new Set<() => void>();
  // Extra virtual milliseconds gained per real millisecond spent inside a pause.
  private readonly gainPerPausedMs: number;

  constructor(
    private readonly timeScale: number,
    private readonly realNow: () => number = Date.now,
  ) {
    if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
    this.gainPerPausedMs = 1 / timeScale - 1;
  }

  now(): number {
    return this.toVirtual(this.realNow());
  }

  /** Virtual milliseconds per real millisecond right now. */
  rate(): number {
    return this.pauses.isPaused(this.realNow()) ? 1 / this.timeScale : 1;
  }

  /** Calls `listener` whenever the pace of the clock may have changed (a pause begins, ends or is booked). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The virtual time of a real instant (an epoch-ms timestamp taken earlier). */
  toVirtual(realMs: number): number {
    return realMs + this.gainPerPausedMs * this.pauses.pausedBefore(realMs);
  }

  /** Starts a pause the definition asks to last `unscaledMs`; it is booked at its nominal length, not timer jitter. */
  beginPause(unscaledMs: number): ScaledDelay {
    const scaledMs = unscaledMs * this.timeScale;
    const start = this.realNow();
    const pause = this.pauses.add(start, start + scaledMs);
    this.changed();
    return {
      scaledMs,
      end: () => {
        this.pauses.endBy(pause, this.realNow());
        this.changed();
      },
    };
  }

  /** Books a pause that already happened (the library's Retry back-off, seen only after the fact). */
  recordPause(startRealMs: number, endRealMs: number): void {
    if (endRealMs <= startRealMs) return;
    this.pauses.add(startRealMs, endRealMs);
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * Real time covered by pauses, answering "how much before instant t" in O(log n). Pauses of one execution
 * mostly follow one another, so each is appended to a merged, prefix-summed list; only an overlap (Parallel
 * branches) or a pause cut short among others forces a rebuild. Overlapping pauses count once.
 */
export class PauseIndex {
  private readonly booked: RealInterval[] = [];
  private merged: RealInterval[] = [];
  // pausedBeforeMerged[i]: total length of merged[0..i-1].
  private pausedBeforeMerged: number[] = [];
  private stale = false;

  add(start: number, end: number): RealInterval {
    const pause = { start, end };
    this.booked.push(pause);
    const last = this.merged.at(-1);
    if (!this.stale && (last === undefined || start >= last.end)) {
      this.pausedBeforeMerged.push(this.total());
      this.merged.push({ ...pause });
    } else {
      this.stale = true;
    }
    return pause;
  }

  /** Ends `pause` at `realMs` if that is earlier than its booked end. */
  endBy(pause: RealInterval, realMs: number): void {
    if (realMs >= pause.end) return;
    const last = this.merged.at(-1);
    const isLastAlone = this.booked.at(-1) === pause && last?.start === pause.start && last.end === pause.end;
    pause.end = Math.max(pause.start, realMs);
    if (isLastAlone && last !== undefined && !this.stale) last.end = pause.end;
    else this.stale = true;
  }

  pausedBefore(realMs: number): number {
    const found = this.lastStartingBefore(realMs);
    const pause = this.merged[found];
    if (pause === undefined) return 0;
    return (this.pausedBeforeMerged[found] ?? 0) + Math.min(pause.end, realMs) - pause.start;
  }

  isPaused(realMs: number): boolean {
    const pause = this.merged[this.lastStartingBefore(realMs + 1)];
    return pause !== undefined && pause.end > realMs;
  }

  /** Index of the last merged pause that starts before `realMs`, or -1. */
  private lastStartingBefore(realMs: number): number {
    if (this.stale) this.rebuild();
    let low = 0;
    let high = this.merged.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if ((this.merged[middle]?.start ?? Number.POSITIVE_INFINITY) < realMs) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  private total(): number {
    const last = this.merged.at(-1);
    return last === undefined ? 0 : (this.pausedBeforeMerged.at(-1) ?? 0) + last.end - last.start;
  }

  private rebuild(): void {
    this.merged = [];
    this.pausedBeforeMerged = [];
    for (const { start, end } of [...this.booked].sort((a, b) => a.start - b.start)) {
      if (end <= start) continue;
      const last = this.merged.at(-1);
      if (last !== undefined && start <= last.end) {
        last.end = Math.max(last.end, end);
      } else {
        this.pausedBeforeMerged.push(this.total());
        this.merged.push({ start, end });
      }
    }
    this.stale = false;
  }
}

export interface RetrierTiming {
  IntervalSeconds?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

/**
 * The longest pause a retrier takes before retry number `attempt` (1-based), with the library's defaults
 * (1 s, ×2). Full jitter only ever shortens it, so the real pause, capped by this, is what gets booked.
 */
export function retryPauseCeilingMs(retrier: RetrierTiming, attempt: number): number {
  const interval = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** Math.max(0, attempt - 1);
  const capped = retrier.MaxDelaySeconds ? Math.min(interval, retrier.MaxDelaySeconds) : interval;
  return capped * 1000;
}
