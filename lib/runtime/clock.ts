/**
 * The local stack runs minutes of AAP time in seconds (TIME_SCALE). Every component that reads the time - the
 * simulators, the Step Functions Wait states and the task functions' backoff decisions - must then agree on one
 * clock, or a 2-minute backoff measured on the wall clock would never elapse. On AWS the scale is 1: real time.
 */
export type Clock = () => Date;

export function scaledClock(timeScale: number, epochMs: number = Date.now()): Clock {
  if (!(timeScale > 0) || !Number.isFinite(timeScale))
    throw new Error(`time scale must be a positive number, got ${timeScale}`);
  if (timeScale === 1) return () => new Date();
  return () => new Date(epochMs + (Date.now() - epochMs) / timeScale);
}
