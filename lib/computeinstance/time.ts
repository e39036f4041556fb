/**
 * Timestamps as Kubernetes writes them (metav1.Time): RFC 3339, UTC, whole seconds.
 * Comparisons always go through instants, never through the strings, because equal instants can be spelled
 * differently (`+00:00` vs `Z`, fractional seconds, `t`/`z` in lower case).
 */

/** `2026-03-20T10:15:04Z`: metav1.Time drops sub-second precision, so we never write it. */
export function formatMetaTime(now: Date): string {
  const ms = now.getTime();
  if (Number.isNaN(ms)) {
    throw new Error('cannot format an invalid Date as a metav1.Time');
  }
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** A date-time read as an instant: milliseconds since the epoch, and the nanoseconds below that millisecond. */
export interface Instant {
  ms: number;
  subMsNanos: number;
}

const FULL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// After ASCII lower-casing. The fraction may follow ANY one character (kube-openapi's pattern has an unescaped
// `.`), the offset's digits are not range-checked, and the seconds stop at 59 (no leap second).
const TIME_OF_DAY = /^(\d{2}):(\d{2}):(\d{2})(?:[^\n](\d+))?(?:z|([+-])(\d{2}):(\d{2}))$/u;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Only A-Z: Go's strings.ToLower maps rune to rune, and no non-ASCII rune lower-cases to `t` or `z`. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => letter.toLowerCase());
}

/**
 * A `format: date-time` value read the way the API server validates it (kube-openapi strfmt.IsDateTime): the text
 * is lower-cased and split at every `t`; the first part must be a real calendar date `YYYY-MM-DD`, the second
 * `HH:MM:SS` (hours to 23, minutes and seconds to 59), an optional fraction of any length, then `z` or `±HH:MM`;
 * parts after a further `t` are not looked at. So `2026-12-07t10:00:00z`, `…T10:00:00.123456789+05:30` and
 * `…T10:00:00,5Z` are all valid. A space in place of the `T` (RFC 3339 §5.6 allows it) is accepted too, though
 * the API server refuses it: being more lenient than the API server costs nothing, being stricter loses objects.
 * Undefined when the text is not a date-time.
 */
export function parseDateTime(text: string): Instant | undefined {
  const lowered = asciiLower(text);
  let parts = lowered.split('t');
  if (parts.length < 2 && lowered[10] === ' ') parts = [lowered.slice(0, 10), lowered.slice(11)];
  const [datePart = '', timePart] = parts;
  if (timePart === undefined) return undefined;
  const date = FULL_DATE.exec(datePart);
  const time = TIME_OF_DAY.exec(timePart);
  if (date === null || time === null) return undefined;
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const [hours, minutes, seconds] = [Number(time[1]), Number(time[2]), Number(time[3])];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  // Nanosecond precision, as Go keeps it; further digits cannot change an instant Go would tell apart.
  const nanos = Number((time[4] ?? '').slice(0, 9).padEnd(9, '0'));
  const offsetMinutes =
    time[5] === undefined ? 0 : (time[5] === '-' ? -1 : 1) * (Number(time[6]) * 60 + Number(time[7]));
  const at = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  at.setUTCFullYear(year, month - 1, day);
  at.setUTCHours(hours, minutes - offsetMinutes, seconds, Math.floor(nanos / 1_000_000));
  return { ms: at.getTime(), subMsNanos: nanos % 1_000_000 };
}

export function isDateTime(text: string): boolean {
  return parseDateTime(text) !== undefined;
}

function instantOf(timestamp: string, field: string): Instant {
  const instant = parseDateTime(timestamp);
  if (instant === undefined) {
    throw new Error(`${field} is not an RFC 3339 timestamp: ${JSON.stringify(timestamp)}`);
  }
  return instant;
}

/** Milliseconds since the epoch of a date-time (any form the API server accepts); throws naming the field. */
export function instantMs(timestamp: string, field: string): number {
  return instantOf(timestamp, field).ms;
}

/** Negative, zero or positive as `a` is before, at or after `b`, to the nanosecond. Throws naming a bad field. */
export function compareInstants(a: string, aField: string, b: string, bField: string): number {
  const first = instantOf(a, aField);
  const second = instantOf(b, bField);
  return first.ms - second.ms || first.subMsNanos - second.subMsNanos;
}
