import type { ComputeInstanceSpec, ComputeInstanceStatus } from './schema';
import { compareInstants } from './time';

/**
 * A restart is requested by setting `spec.restartRequestedAt` (usually to "now"). It is a monotonic signal: it is
 * acted on only when it is later than `status.lastRestartedAt`, or when no restart has been done yet, so a
 * timestamp in the past never restarts an instance that has been restarted since.
 */

type RestartSpec = Pick<ComputeInstanceSpec, 'restartRequestedAt'>;
type RestartStatus = Pick<ComputeInstanceStatus, 'lastRestartedAt'> | undefined;

export function isRestartPending(spec: RestartSpec, status: RestartStatus): boolean {
  const requested = spec.restartRequestedAt;
  if (requested === undefined || requested === '') return false;
  const last = status?.lastRestartedAt;
  if (last === undefined || last === '') return true;
  // As instants: "10:15:00Z" and "10:15:00.000Z" are the same request, "…+02:00" sorts by its UTC instant.
  return compareInstants(requested, 'spec.restartRequestedAt', last, 'status.lastRestartedAt') > 0;
}

/**
 * `status.lastRestartedAt` once a provision job for this spec has succeeded: the requested timestamp, copied as
 * written (users compare the two strings), when the restart was pending; otherwise the current value.
 */
export function restartAfterSuccess(spec: RestartSpec, status: RestartStatus): string | undefined {
  return isRestartPending(spec, status) ? spec.restartRequestedAt : status?.lastRestartedAt;
}
