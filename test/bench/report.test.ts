import {
  count,
  describeVerdict,
  duration,
  evaluateTarget,
  fixed,
  renderTable,
  type Target,
  targetsTable,
} from '../../bench/support';

const target = (overrides: Partial<Target>): Target => ({
  name: 'webhook p99',
  measuredAs: 'handler',
  direction: 'at-most',
  limit: 5,
  measured: 4,
  unit: 'ms',
  ...overrides,
});

describe('bench tables', () => {
  it('renders a Markdown table with padded, aligned columns, a title and notes', () => {
    const text = renderTable({
      title: 'Lag',
      columns: [{ header: 'job' }, { header: 'lag s', align: 'right' }],
      rows: [
        ['10 s', '3.4'],
        ['2 h', '120.0'],
      ],
      notes: ['p95 is nearest rank'],
    });
    expect(text).toBe(
      [
        '### Lag',
        '',
        '| job  | lag s |',
        '| ---- | ----: |',
        '| 10 s |   3.4 |',
        '| 2 h  | 120.0 |',
        '',
        '- p95 is nearest rank',
      ].join('\n'),
    );
  });

  it('escapes pipes inside cells, so a cell cannot split a row', () => {
    const text = renderTable({ title: 't', columns: [{ header: 'a' }], rows: [['x|y']] });
    expect(text.split('\n').at(-1)).toBe('| x\\|y |');
  });

  it('refuses a row whose cells do not match the columns, naming the table and the row', () => {
    expect(() =>
      renderTable({ title: 'Cold start', columns: [{ header: 'a' }, { header: 'b' }], rows: [['1']] }),
    ).toThrow('table "Cold start": row 0 has 1 cells for 2 columns');
  });

  it.each([
    [fixed(1.23456, 2), '1.23'],
    [fixed(Number.NaN), '–'],
    [fixed(undefined), '–'],
    [count(10000), '10,000'],
    [count(Number.NaN), '–'],
    [duration(10), '10 s'],
    [duration(90), '90 s'],
    [duration(600), '10 min'],
    [duration(7200), '2 h'],
  ])('formats a cell as %p', (actual, expected) => {
    expect(actual).toBe(expected);
  });
});

describe('bench targets', () => {
  it.each([
    ['met under an at-most limit', target({ measured: 4 }), 'met', 1, 'met, 1.0 ms to spare (20 %)'],
    ['met exactly at the limit', target({ measured: 5 }), 'met', 0, 'met, 0.0 ms to spare (0 %)'],
    ['missed over an at-most limit', target({ measured: 7.5 }), 'missed', -2.5, 'MISSED by 2.5 ms (50 % over)'],
    [
      'met over an at-least limit',
      target({ direction: 'at-least', limit: 2000, measured: 2500, unit: 'events/s', digits: 0 }),
      'met',
      500,
      'met, 500 events/s to spare (25 %)',
    ],
    [
      'missed under an at-least limit',
      target({ direction: 'at-least', limit: 2000, measured: 1500, unit: 'events/s', digits: 0 }),
      'missed',
      -500,
      'MISSED by 500 events/s (25 % over)',
    ],
    ['not measured', target({ measured: Number.NaN }), 'not measured', Number.NaN, 'not measured in this run'],
  ])('evaluates a target %s', (_case, input, verdict, margin, text) => {
    const result = evaluateTarget(input);
    expect(result.verdict).toBe(verdict);
    if (Number.isNaN(margin)) expect(result.margin).toBeNaN();
    else expect(result.margin).toBeCloseTo(margin, 10);
    expect(describeVerdict(result)).toBe(text);
  });

  it('lists targets with their limit, measurement and verdict, and their notes under the table', () => {
    const table = targetsTable('Targets', [evaluateTarget(target({ measured: 6, note: 'the machine was loaded' }))]);
    expect(table.rows).toEqual([['webhook p99', 'handler', '≤ 5.0 ms', '6.0 ms', 'MISSED by 1.0 ms (20 % over)']]);
    expect(table.notes).toEqual(['webhook p99: the machine was loaded']);
  });
});
