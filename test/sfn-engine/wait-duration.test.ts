import { WaitSpecError, type WaitTiming, waitDurationMs } from '../../local/sfn-engine/wait-duration';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const input = { seconds: 300, at: '2030-01-01T00:05:00Z', fraction: 1.5, negative: -1, text: 'soon' };

describe('waitDurationMs', () => {
  it.each<[string, WaitTiming, number]>([
    ['Seconds', { Seconds: 30 }, 30_000],
    ['SecondsPath', { SecondsPath: '$.seconds' }, 300_000],
    ['Timestamp in the future', { Timestamp: '2030-01-01T00:01:00Z' }, 60_000],
    ['Timestamp with an offset', { Timestamp: '2030-01-01T01:01:00+01:00' }, 60_000],
    ['Timestamp in the past', { Timestamp: '2029-12-31T23:00:00Z' }, 0],
    ['TimestampPath', { TimestampPath: '$.at' }, 300_000],
  ])('reads %s as unscaled milliseconds', (_case, timing, expected) => {
    expect(waitDurationMs('Wait', timing, input, {}, NOW)).toBe(expected);
  });

  it.each<[string, WaitTiming, RegExp]>([
    ['a fractional SecondsPath', { SecondsPath: '$.fraction' }, /does not reference a non-negative integer: 1\.5/],
    ['a negative SecondsPath', { SecondsPath: '$.negative' }, /non-negative integer: -1/],
    ['a missing SecondsPath', { SecondsPath: '$.nope' }, /'\$\.nope' of state 'Wait' could not be found/],
    ['a TimestampPath to text', { TimestampPath: '$.text' }, /not an RFC 3339 timestamp: 'soon'/],
    ['a Timestamp without offset', { Timestamp: '2030-01-01T00:01:00' }, /not an RFC 3339 timestamp/],
    ['no timing at all', {}, /sets none of Seconds/],
  ])('refuses %s with WaitSpecError', (_case, timing, expected) => {
    expect(() => waitDurationMs('Wait', timing, input, {}, NOW)).toThrow(WaitSpecError);
    expect(() => waitDurationMs('Wait', timing, input, {}, NOW)).toThrow(expected);
  });
});
