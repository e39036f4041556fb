/**
 * Timestamps as Kubernetes writes them (metav1.Time): RFC 3339, UTC, whole seconds.
 * Comparisons always go through instants, never through the strings, because equal instants can be spelled
 * differently (`+00:00` vs `Z`, fractional seconds).
 */

/** `2026-03-20T10:15:04Z`: metav1.Time drops sub-second precision, so we never write it. */
export function formatMetaTime(now: Date): string {
  const ms = now.getTime();
  if (Number.isNaN(ms)) {
    throw new Error('cannot format an invalid Date as a metav1.Time');
  }
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Milliseconds since the epoch of an RFC 3339 timestamp; throws naming the field when it does not parse. */
export function instantMs(timestamp: string, field: string): number {
  const ms = Date.parse(timestamp);
  if (Number.isNaN(ms)) {
    throw new Error(`${field} is not an RFC 3339 timestamp: ${JSON.stringify(timestamp)}`);
  }
  return ms;
}
