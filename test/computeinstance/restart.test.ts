import { isRestartPending, restartAfterSuccess } from '../../lib/computeinstance';

type Row = [string, string | undefined, string | undefined, boolean, string | undefined];

// [case, spec.restartRequestedAt, status.lastRestartedAt, pending, lastRestartedAt after a successful job]
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
];

describe('isRestartPending', () => {
  it.each(ROWS)('%s → %s', (_case, requested, last, pending) => {
    expect(isRestartPending({ restartRequestedAt: requested }, { lastRestartedAt: last })).toBe(pending);
  });

  it('treats a missing status as never restarted', () => {
    expect(isRestartPending({ restartRequestedAt: '2026-03-20T10:15:00Z' }, undefined)).toBe(true);
  });
});

describe('restartAfterSuccess', () => {
  it.each(ROWS)('%s', (_case, requested, last, _pending, after) => {
    expect(restartAfterSuccess({ restartRequestedAt: requested }, { lastRestartedAt: last })).toBe(after);
  });
});
