import { z } from 'zod';
import { evaluateReferencePath } from './reference-path';

/** The fields of a Wait state that decide how long it pauses; asl-validator guarantees exactly one is set. */
export const WaitTiming = z.object({
  Seconds: z.number().optional(),
  SecondsPath: z.string().optional(),
  Timestamp: z.string().optional(),
  TimestampPath: z.string().optional(),
});
export type WaitTiming = z.infer<typeof WaitTiming>;

/** A Wait whose path does not lead to a usable value; Step Functions fails the execution with States.Runtime. */
export class WaitSpecError extends Error {
  override name = 'WaitSpecError';
}

// RFC 3339 as Step Functions accepts it: an uppercase T and an explicit offset.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The pause the definition asks for, in unscaled milliseconds. `nowMs` is the execution's own clock, so a
 * Timestamp wait counts down in the same (possibly accelerated) time the history is written in.
 */
export function waitDurationMs(stateName: string, timing: WaitTiming, input: unknown, context: unknown, nowMs: number) {
  if (timing.Seconds !== undefined) return Math.max(0, timing.Seconds) * 1000;
  if (timing.Timestamp !== undefined) return untilTimestamp(stateName, timing.Timestamp, nowMs);
  if (timing.SecondsPath !== undefined) {
    const seconds = readPath(stateName, 'SecondsPath', timing.SecondsPath, input, context);
    if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0) {
      throw new WaitSpecError(
        `The SecondsPath parameter of state '${stateName}' does not reference a non-negative integer: ${JSON.stringify(seconds)}`,
      );
    }
    return seconds * 1000;
  }
  if (timing.TimestampPath !== undefined) {
    const timestamp = readPath(stateName, 'TimestampPath', timing.TimestampPath, input, context);
    if (typeof timestamp !== 'string') {
      throw new WaitSpecError(
        `The TimestampPath parameter of state '${stateName}' does not reference a string: ${JSON.stringify(timestamp)}`,
      );
    }
    return untilTimestamp(stateName, timestamp, nowMs);
  }
  throw new WaitSpecError(`Wait state '${stateName}' sets none of Seconds, SecondsPath, Timestamp, TimestampPath`);
}

function readPath(stateName: string, field: string, path: string, input: unknown, context: unknown): unknown {
  let result: ReturnType<typeof evaluateReferencePath>;
  try {
    result = evaluateReferencePath(path, input, context);
  } catch (error) {
    throw new WaitSpecError(`The ${field} of state '${stateName}' is invalid: ${(error as Error).message}`);
  }
  if (!result.found) {
    throw new WaitSpecError(`The ${field} '${path}' of state '${stateName}' could not be found in the input`);
  }
  return result.value;
}

function untilTimestamp(stateName: string, timestamp: string, nowMs: number): number {
  const at = Date.parse(timestamp);
  if (!RFC3339.test(timestamp) || Number.isNaN(at)) {
    throw new WaitSpecError(`The timestamp of state '${stateName}' is not an RFC 3339 timestamp: '${timestamp}'`);
  }
  return Math.max(0, at - nowMs);
}
