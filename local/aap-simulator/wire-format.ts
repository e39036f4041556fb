/**
 * The small formatting habits that make responses byte-compatible with AWX (Django + DRF on Python):
 * datetimes, elapsed seconds, `json.dumps` output, Python's JSON error text and `urlencode` quoting.
 */

/** DRF datetime: ISO-8601 UTC with microseconds and `Z`; the fraction is left out when it is zero. */
export function awxDateTime(epochMs: number): string {
  const micros = Math.round(epochMs * 1000);
  const base = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  return fraction === 0 ? `${base}Z` : `${base}.${String(fraction).padStart(6, '0')}Z`;
}

export function awxDateTimeOrNull(epochMs: number | null): string | null {
  return epochMs === null ? null : awxDateTime(epochMs);
}

/** `elapsed` is stored with 3 decimals once finished, but computed live (6 decimals) while running. */
export function elapsedSeconds(startedMs: number | null, endMs: number | null, live: boolean): number {
  if (startedMs === null || endMs === null) return 0;
  const digits = live ? 1e6 : 1e3;
  return Math.round(Math.max(0, endMs - startedMs) * (digits / 1000)) / digits;
}

function asciiOnly(jsonText: string): string {
  return jsonText.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Python `json.dumps` with its defaults (", " / ": " separators, ASCII only): how AWX stores a job's extra_vars.
 * `ensureAscii: false` keeps other characters as they are (what AWX's webhook sender asks for).
 */
export function pythonJsonDumps(value: unknown, ensureAscii = true): string {
  const dumps = (inner: unknown) => pythonJsonDumps(inner, ensureAscii);
  const text = (s: string) => (ensureAscii ? asciiOnly(JSON.stringify(s)) : JSON.stringify(s));
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return text(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(dumps).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${text(k)}: ${dumps(v)}`).join(', ')}}`;
  }
  return 'null';
}

/** V8's JSON.parse messages mapped to the wording of Python's json module (what AWX echoes back). */
const PYTHON_JSON_REASONS: ReadonlyArray<[RegExp, string]> = [
  [/Expected (property name or '}'|double-quoted property name)/, 'Expecting property name enclosed in double quotes'],
  [/Expected ',' or '[}\]]' after/, "Expecting ',' delimiter"],
  [/Expected ':' after property name/, "Expecting ':' delimiter"],
  [/Unexpected non-whitespace character after JSON/, 'Extra data'],
  [/Unterminated string/, 'Unterminated string starting at'],
  [/Bad control character/, 'Invalid control character at'],
];

/** `<reason>: line L column C (char N)` as Python's json.JSONDecodeError prints it. */
export function pythonJsonErrorMessage(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const reason = PYTHON_JSON_REASONS.find(([pattern]) => pattern.test(message))?.[1] ?? 'Expecting value';
  const positionMatch = /at position (\d+)/.exec(message);
  let position: number;
  if (positionMatch?.[1] !== undefined) position = Number(positionMatch[1]);
  else if (/Unexpected end/.test(message)) position = text.length;
  else position = Math.max(0, text.search(/\S/));
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = before.includes('\n') ? position - before.lastIndexOf('\n') : position + 1;
  return `${reason}: line ${line} column ${column} (char ${position})`;
}

/** Python `urllib.parse.quote_plus`: like encodeURIComponent, but also escapes !'()* and writes spaces as '+'. */
export function quotePlus(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/** Python's type name for a JSON value, as AWX messages print it (`list`, `str`, `int`, …). */
export function pythonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'string') return 'str';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  return 'dict';
}

export type DjangoDateTime =
  | { ok: true; epochMs: number }
  /** `format`: not a datetime at all; `datetime`/`date`: the right shape, but no such instant (Django's wording). */
  | { ok: false; problem: 'format' | 'datetime' | 'date' };

// Django's `datetime_re` and `date_re` (django/utils/dateparse.py): what `DateTimeField.to_python` accepts. Django
// tries Python's `fromisoformat` first, which also takes rarer ISO forms (basic format, week dates, hour alone);
// clients send the extended form, so those are left out.
const DJANGO_DATETIME =
  /^(\d{4})-(\d{1,2})-(\d{1,2})[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:[.,](\d{1,6})\d{0,6})?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const DJANGO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const MINUTES_PER_DAY = 24 * 60;

/** The UTC instant of a wall-clock time, or undefined when Python's `datetime()` would refuse the fields. */
function utcInstant(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number | undefined {
  if (year < 1 || month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: the latter reads years 0–99 as 1900–1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getUTCDate() === day ? date.getTime() : undefined;
}

/** `+05:30` → 330, `-08` → -480, `Z` or nothing → 0 (a naive value is in AWX's TIME_ZONE, which is UTC). */
function offsetMinutes(tz: string | undefined): number {
  if (tz === undefined || tz === 'Z') return 0;
  const minutes = 60 * Number(tz.slice(1, 3)) + (tz.length > 3 ? Number(tz.slice(-2)) : 0);
  return tz.startsWith('-') ? -minutes : minutes;
}

/**
 * A filter value the way Django's `DateTimeField.to_python` reads it (AWX filters such as `created__gte=`), as epoch
 * milliseconds with the microseconds kept as a fraction. A date alone means its midnight, UTC.
 */
export function parseDjangoDateTime(raw: string): DjangoDateTime {
  const datetime = DJANGO_DATETIME.exec(raw);
  if (datetime) {
    const [, year, month, day, hour, minute, second = '0', fraction = '', tz] = datetime;
    const offset = offsetMinutes(tz);
    const wallClock = utcInstant(
      Number(year),
      Number(month),
      Number(day),
      Number(hour),
      Number(minute),
      Number(second),
    );
    if (wallClock === undefined || Math.abs(offset) >= MINUTES_PER_DAY) return { ok: false, problem: 'datetime' };
    return { ok: true, epochMs: wallClock + Number(fraction.padEnd(6, '0')) / 1000 - offset * 60_000 };
  }
  const date = DJANGO_DATE.exec(raw);
  if (date) {
    const midnight = utcInstant(Number(date[1]), Number(date[2]), Number(date[3]));
    return midnight === undefined ? { ok: false, problem: 'date' } : { ok: true, epochMs: midnight };
  }
  return { ok: false, problem: 'format' };
}
