import type { ComputeInstanceSpec, ComputeInstanceStatus } from './schema';
import { compareInstants, formatMetaTime, instantMs } from './time';

/**
 * A restart is requested by setting `spec.restartRequestedAt` (usually to "now"). It is a monotonic signal: it is
 * acted on only when it is later than `status.lastRestartedAt`, or when no restart has been done yet, so a
 * timestamp in the past never restarts an instance that has been restarted since.
 *
 * A request later than now (beyond RESTART_CLOCK_SKEW_MS) is refused, not scheduled: it is never recorded as
 * `lastRestartedAt`, which would otherwise sit in the future and hide every genuine request until then. The
 * RestartInProgress condition says so (reason RestartRequestedInFuture). A `lastRestartedAt` already in the future
 * (written before this rule existed) counts as no restart at all, so it blocks nothing either.
 */

/** How far ahead of our clock a request may be and still count as "now": the user's clock may run ahead. */
export const RESTART_CLOCK_SKEW_MS = 5 * 60_000;

export const RESTART_REQUESTED_IN_FUTURE = 'RestartRequestedInFuture';

type RestartSpec = Pick<ComputeInstanceSpec, 'restartRequestedAt'>;
type RestartStatus = Pick<ComputeInstanceStatus, 'lastRestartedAt'> | undefined;

export type RestartRequest =
  /** No request, or it was carried out already. */
  | { state: 'none' }
  | { state: 'pending'; requestedAt: string }
  /** Later than now beyond the skew: refused; `message` says why, for the condition. */
  | { state: 'future'; requestedAt: string; message: string };

function isInFuture(timestamp: string, field: string, now: Date): boolean {
  return instantMs(timestamp, field) > now.getTime() + RESTART_CLOCK_SKEW_MS;
}

export function restartRequest(spec: RestartSpec, status: RestartStatus, now: Date): RestartRequest {
  const requested = spec.restartRequestedAt;
  if (requested === undefined || requested === '') return { state: 'none' };
  if (isInFuture(requested, 'spec.restartRequestedAt', now)) {
    return {
      state: 'future',
      requestedAt: requested,
      message:
        `spec.restartRequestedAt ${requested} is later than now (${formatMetaTime(now)}): not acted on. ` +
        'To restart, set it to the current time',
    };
  }
  const last = status?.lastRestartedAt;
  if (last === undefined || last === '' || isInFuture(last, 'status.lastRestartedAt', now)) {
    return { state: 'pending', requestedAt: requested };
  }
  // As instants: "10:15:00Z" and "10:15:00.000Z" are the same request, "…+02:00" sorts by its UTC instant.
  return compareInstants(requested, 'spec.restartRequestedAt', last, 'status.lastRestartedAt') > 0
    ? { state: 'pending', requestedAt: requested }
    : { state: 'none' };
}

export function isRestartPending(spec: RestartSpec, status: RestartStatus, now: Date): boolean {
  return restartRequest(spec, status, now).state === 'pending';
}

/**
 * `status.lastRestartedAt` once a provision job for this spec has succeeded: the requested timestamp, copied as
 * written (users compare the two strings), when the restart was pending at `launchedAt` (the job's launch: a
 * request later than that was not asked for when the job started); otherwise the current value.
 */
export function restartAfterSuccess(spec: RestartSpec, status: RestartStatus, launchedAt: Date): string | undefined {
  const request = restartRequest(spec, status, launchedAt);
  return request.state === 'pending' ? request.requestedAt : status?.lastRestartedAt;
}
