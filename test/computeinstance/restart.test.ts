import {
  isRestartPending,
  RESTART_CLOCK_SKEW_MS,
  restartAfterSuccess,
  restartRequest,
} from '../../lib/computeinstance';

const NOW = new Date('2026-03-21T12:00:00Z');

type Row = [string, string | undefined, string | undefined, boolean, string | undefined];

// [case, spec.restartRequestedAt, status.lastRestartedAt, pending at NOW, lastRestartedAt after a job launched at NOW]
const ROWS: Row[] = [
  ['no request, no restart yet', undefined, undefined, false, undefined],
  ['no request, restarted before', undefined, '2026-03-20T10:15:00Z', false, '2026-03-20T10:15:00Z'],
  ['a first request', '2026-03-20T10:15:00Z', undefined, true, '2026-03-20T10:15:00Z'],
  ['a first request, empty lastRestartedAt', '2026-03-20T10:15:00Z', '', true, '2026-03-20T10:15:00Z'],
  ['a later request', '2026-03-21T08:00:00Z', '2026-03-20T10:15:00Z', true, '2026-03-21T08:00:00Z'],
  ['the request already carried out', '2026-03-20T10:15:00Z', '2026-03-20T10:15:00Z', false, '2026-03-20T10:15:00Z'],
  ['a request in the past (2020)', '2020-01-01T00:00:00Z', '2026-03-20T10:15:00Z', false, '2026-03-20T10:15:00Z'],
  [
    'the same instant, spelled with an offset',
    '2026-03-20T11:15:00+01:00',
    '2026-03-20T10:15:00Z',
    false,
    '2026-03-20T10:15:00Z',
  ],
  // As strings "…T09:30:00-02:00" < "…T10:15:00Z", but as instants it is 11:30Z, later.
  [
    'a later instant that sorts earlier as a string',
    '2026-03-20T09:30:00-02:00',
    '2026-03-20T10:15:00Z',
    true,
    '2026-03-20T09:30:00-02:00',
  ],
  ['half a second later', '2026-03-20T10:15:00.5Z', '2026-03-20T10:15:00Z', true, '2026-03-20T10:15:00.5Z'],
  ['a microsecond later', '2026-03-20T10:15:00.000001Z', '2026-03-20T10:15:00Z', true, '2026-03-20T10:15:00.000001Z'],
  [
    'lower-case t and z, as the API server accepts',
    '2026-03-21t11:00:00z',
    '2026-03-20T10:15:00Z',
    true,
    '2026-03-21t11:00:00z',
  ],
  // Future requests are refused, never recorded: a recorded 2099 would hide every genuine request until 2099.
  ['a request in 2099', '2099-01-01T00:00:00Z', '2026-03-20T10:15:00Z', false, '2026-03-20T10:15:00Z'],
  ['a first request in 2099', '2099-01-01T00:00:00Z', undefined, false, undefined],
  [
    'a request 6 minutes ahead of our clock',
    '2026-03-21T12:06:00Z',
    '2026-03-20T10:15:00Z',
    false,
    '2026-03-20T10:15:00Z',
  ],
  [
    'a request 5 minutes ahead (clock skew)',
    '2026-03-21T12:05:00Z',
    '2026-03-20T10:15:00Z',
    true,
    '2026-03-21T12:05:00Z',
  ],
  // Repair of the old bug: a lastRestartedAt in the future counts as no restart done.
  [
    'a genuine request after 2099 was recorded',
    '2026-03-21T12:00:00Z',
    '2099-01-01T00:00:00Z',
    true,
    '2026-03-21T12:00:00Z',
  ],
  [
    'an old request after 2099 was recorded',
    '2020-01-01T00:00:00Z',
    '2099-01-01T00:00:00Z',
    true,
    '2020-01-01T00:00:00Z',
  ],
];

describe('isRestartPending', () => {
  it.each(ROWS)('%s → %s', (_case, requested, last, pending) => {
    expect(isRestartPending({ restartRequestedAt: requested }, { lastRestartedAt: last }, NOW)).toBe(pending);
  });

  it('treats a missing status as never restarted', () => {
    expect(isRestartPending({ restartRequestedAt: '2026-03-20T10:15:00Z' }, undefined, NOW)).toBe(true);
  });
});

describe('restartAfterSuccess', () => {
  it.each(ROWS)('%s', (_case, requested, last, _pending, after) => {
    expect(restartAfterSuccess({ restartRequestedAt: requested }, { lastRestartedAt: last }, NOW)).toBe(after);
  });
});

describe('restartRequest', () => {
  it('says why a future request is refused, naming it and the time it was judged at', () => {
    const request = restartRequest({ restartRequestedAt: '2099-01-01T00:00:00Z' }, undefined, NOW);
    expect(request).toEqual({
      state: 'future',
      requestedAt: '2099-01-01T00:00:00Z',
      message: expect.stringContaining('2099-01-01T00:00:00Z is later than now (2026-03-21T12:00:00Z)'),
    });
  });

  it('allows exactly the clock skew and no more', () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(restartRequest({ restartRequestedAt: at(RESTART_CLOCK_SKEW_MS) }, undefined, NOW).state).toBe('pending');
    expect(restartRequest({ restartRequestedAt: at(RESTART_CLOCK_SKEW_MS + 1) }, undefined, NOW).state).toBe('future');
  });

  it('a 2099 request, then a genuine one: the genuine one is pending and recorded', () => {
    const future = { restartRequestedAt: '2099-01-01T00:00:00Z' };
    const afterFuture = restartAfterSuccess(future, { lastRestartedAt: '2026-03-20T10:15:00Z' }, NOW);
    expect(afterFuture).toBe('2026-03-20T10:15:00Z');
    const later = new Date(NOW.getTime() + 60_000);
    const genuine = { restartRequestedAt: later.toISOString() };
    expect(isRestartPending(genuine, { lastRestartedAt: afterFuture }, later)).toBe(true);
    expect(restartAfterSuccess(genuine, { lastRestartedAt: afterFuture }, later)).toBe(later.toISOString());
  });
});
