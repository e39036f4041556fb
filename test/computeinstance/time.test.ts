import { compareInstants, instantMs, isDateTime, parseDateTime } from '../../lib/computeinstance/time';

// [text, the instant it means (UTC, ms), nanoseconds below the millisecond]
const ACCEPTED: Array<[string, string, number]> = [
  ['2026-12-07T10:00:00Z', '2026-12-07T10:00:00.000Z', 0],
  ['2026-12-07t10:00:00z', '2026-12-07T10:00:00.000Z', 0],
  ['2026-12-07t10:00:00Z', '2026-12-07T10:00:00.000Z', 0],
  ['2026-12-07T10:00:00.5Z', '2026-12-07T10:00:00.500Z', 0],
  ['2026-12-07T10:00:00.123456789Z', '2026-12-07T10:00:00.123Z', 456_789],
  ['2026-12-07T10:00:00.1234567891234Z', '2026-12-07T10:00:00.123Z', 456_789],
  // kube-openapi's pattern has an unescaped `.`: any one character may start the fraction.
  ['2026-12-07T10:00:00,5Z', '2026-12-07T10:00:00.500Z', 0],
  ['2026-12-07T10:00:00+01:00', '2026-12-07T09:00:00.000Z', 0],
  ['2026-12-07T10:00:00-05:30', '2026-12-07T15:30:00.000Z', 0],
  ['2024-02-29T23:59:59.999-00:30', '2024-03-01T00:29:59.999Z', 0],
  // Offsets are not range-checked by the API server.
  ['2026-12-07T10:00:00+99:99', '2026-12-03T05:21:00.000Z', 0],
  // Parts after a second `t` are not looked at.
  ['2026-12-07T10:00:00ZTanything', '2026-12-07T10:00:00.000Z', 0],
  ['0099-12-07T10:00:00Z', '0099-12-07T10:00:00.000Z', 0],
  ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z', 0],
  // The API server refuses the space; RFC 3339 allows it and we accept it (more lenient is harmless).
  ['2026-12-07 10:00:00Z', '2026-12-07T10:00:00.000Z', 0],
];

const REFUSED: Array<[string, string]> = [
  ['no date at all', 'yesterday'],
  ['a date without a time', '2026-12-07'],
  ['no zone', '2026-12-07T10:00:00'],
  ['hour 24', '2026-12-07T24:00:00Z'],
  ['minute 60', '2026-12-07T10:60:00Z'],
  ['a leap second', '2026-12-31T23:59:60Z'],
  ['30 February', '2026-02-30T10:00:00Z'],
  ['29 February of a common year', '2100-02-29T10:00:00Z'],
  ['month 13', '2026-13-01T10:00:00Z'],
  ['day 0', '2026-12-00T10:00:00Z'],
  ['an offset without colon', '2026-12-07T10:00:00+0100'],
  ['a fraction without digits', '2026-12-07T10:00:00.Z'],
  ['a one-digit hour', '2026-12-07T1:00:00Z'],
  ['a five-digit year', '12026-12-07T10:00:00Z'],
  ['a space before the zone', '2026-12-07T10:00:00 Z'],
  ['a newline as fraction separator', '2026-12-07T10:00:00\n5Z'],
];

describe('parseDateTime', () => {
  it.each(ACCEPTED)('accepts %s as %s', (text, utc, nanos) => {
    expect(parseDateTime(text)).toEqual({ ms: Date.parse(utc), subMsNanos: nanos });
    expect(isDateTime(text)).toBe(true);
  });

  it.each(REFUSED)('refuses %s (%j)', (_case, text) => {
    expect(parseDateTime(text)).toBeUndefined();
    expect(isDateTime(text)).toBe(false);
    expect(() => instantMs(text, 'spec.restartRequestedAt')).toThrow(/spec\.restartRequestedAt is not/);
  });
});

describe('compareInstants', () => {
  it.each([
    ['equal instants spelled differently', '2026-12-07t11:00:00+01:00', '2026-12-07T10:00:00.000Z', 0],
    ['a later instant that sorts earlier as a string', '2026-12-07T09:30:00-02:00', '2026-12-07T10:15:00Z', 1],
    ['a microsecond apart', '2026-12-07T10:00:00.000001Z', '2026-12-07T10:00:00Z', 1],
    ['a nanosecond before', '2026-12-07T09:59:59.999999999Z', '2026-12-07T10:00:00Z', -1],
  ])('%s', (_case, a, b, sign) => {
    expect(Math.sign(compareInstants(a, 'a', b, 'b'))).toBe(sign);
  });
});
