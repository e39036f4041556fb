import type { JSONSchemaProps } from '../../../local/kube-simulator';
import { validateAgainstSchema } from '../../../local/kube-simulator/schema';

/** One field of each format, validated as the API server's kube-openapi strfmt does. */
const SCHEMA: JSONSchemaProps = {
  type: 'object',
  properties: {
    at: { type: 'string', format: 'date-time' },
    day: { type: 'string', format: 'date' },
    big: { type: 'integer', format: 'int64' },
  },
};

const errorsFor = (field: string, value: unknown) =>
  validateAgainstSchema({ [field]: value } as never, SCHEMA).map((error) => error.field);

describe('kube simulator: formats as kube-openapi strfmt checks them', () => {
  it.each([
    '2026-12-07T10:00:00Z',
    '2026-12-07t10:00:00z',
    '2026-12-07T10:00:00.123456789012Z',
    '2026-12-07T10:00:00,5Z',
    '2026-12-07T10:00:00+99:99',
    '2026-12-07T10:00:00ZTanything',
    '2024-02-29T23:59:59-01:00',
  ])('accepts the date-time %j', (value) => {
    expect(errorsFor('at', value)).toEqual([]);
  });

  it.each([
    ['a space instead of the T (strfmt splits at "t" only)', '2026-12-07 10:00:00Z'],
    ['30 February', '2026-02-30T10:00:00Z'],
    ['hour 24', '2026-12-07T24:00:00Z'],
    ['a leap second', '2026-12-31T23:59:60Z'],
    ['no zone', '2026-12-07T10:00:00'],
    ['an offset without colon', '2026-12-07T10:00:00+0100'],
    ['a newline before the fraction', '2026-12-07T10:00:00\n5Z'],
  ])('refuses %s', (_case, value) => {
    expect(errorsFor('at', value)).toEqual(['at']);
  });

  it.each([
    ['2024-02-29', []],
    ['2026-02-29', ['day']],
    ['2026-04-31', ['day']],
  ])('date %j', (value, fields) => {
    expect(errorsFor('day', value)).toEqual(fields);
  });

  it.each([
    [2 ** 60, []],
    [-(2 ** 62), []],
    [2 ** 64, ['big']],
  ])('int64 %d', (value, fields) => {
    expect(errorsFor('big', value)).toEqual(fields);
  });
});
