import { ExecutionClosedError, TerminalStatesError } from './states-errors';
import type { TaskPort } from './task-port';
import { pauseFor } from './timers';
import { WaitSpecError, type WaitTiming, waitDurationMs } from './wait-duration';

/**
 * A Wait state, run by the engine instead of the library: its pause is scaled, ends the moment the execution is
 * stopped, and is booked at full length on the execution clock. Its output is its (InputPath-filtered) input.
 */
export async function runWait<T>(port: TaskPort, stateName: string, timing: WaitTiming, input: T): Promise<T> {
  await port.catchUp();
  if (!port.isRunning()) throw new ExecutionClosedError();
  let unscaledMs: number;
  try {
    unscaledMs = waitDurationMs(stateName, timing, input, port.contextObject(stateName), port.clock.now());
  } catch (error) {
    if (error instanceof WaitSpecError) throw new TerminalStatesError('States.Runtime', error.message);
    throw error;
  }
  const pause = port.clock.beginPause(unscaledMs);
  try {
    await pauseFor(pause.scaledMs, port.closed);
  } finally {
    pause.end();
  }
  if (!port.isRunning()) throw new ExecutionClosedError();
  return input;
}
