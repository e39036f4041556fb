import type { JsonValue } from '../../../local/kube-simulator/json';
import { type FieldError, fieldErrorMessage, goSyntax, invalid } from '../../../local/kube-simulator/status';
import { humanDuration } from '../../../local/kube-simulator/table';

describe('kube simulator: apimachinery formatting', () => {
  it.each<[FieldError, string]>([
    [{ type: 'FieldValueRequired', field: 'spec' }, 'spec: Required value'],
    [
      { type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' },
      'metadata.name: Required value: name or generateName is required',
    ],
    [
      { type: 'FieldValueInvalid', field: 'spec.cores', value: 0, detail: 'too small' },
      'spec.cores: Invalid value: 0: too small',
    ],
    [{ type: 'FieldValueInvalid', field: 'x', value: 'a"b', detail: 'd' }, 'x: Invalid value: "a\\"b": d'],
    [{ type: 'FieldValueInvalid', field: '<nil>', value: null, detail: 'd' }, '<nil>: Invalid value: "null": d'],
    [{ type: 'FieldValueInvalid', field: 'x', rawValue: '0x0', detail: 'd' }, 'x: Invalid value: 0x0: d'],
    [
      { type: 'FieldValueTooLong', field: 'x', detail: 'may not be more than 3 bytes' },
      'x: Too long: may not be more than 3 bytes',
    ],
    [
      { type: 'FieldValueTooMany', field: 'x', value: 9, detail: 'must have at most 8 items' },
      'x: Too many: 9: must have at most 8 items',
    ],
    [{ type: 'FieldValueForbidden', field: 'x', detail: 'no' }, 'x: Forbidden: no'],
    [
      { type: 'FieldValueNotSupported', field: 'x', value: 'F', detail: 'supported values: "A"' },
      'x: Unsupported value: "F": supported values: "A"',
    ],
  ])('formats %j', (error, expected) => {
    expect(fieldErrorMessage(error)).toBe(expected);
  });

  it.each<[JsonValue, string]>([
    [{ b: 1, a: 'x' }, 'map[string]interface {}{"a":"x", "b":1}'],
    [[1, 'a', null], '[]interface {}{1, "a", interface {}(nil)}'],
  ])('prints %j like Go %#v', (value, expected) => {
    expect(goSyntax(value)).toBe(expected);
  });

  it('aggregates several errors in brackets and lists each once', () => {
    const error = invalid({ group: 'g.io', kind: 'K' }, 'n', [
      { type: 'FieldValueRequired', field: 'a' },
      { type: 'FieldValueRequired', field: 'a' },
      { type: 'FieldValueRequired', field: 'b' },
    ]);
    expect(error.status.message).toBe('K.g.io "n" is invalid: [a: Required value, b: Required value]');
    expect(error.status.details?.causes).toHaveLength(3);
  });

  it.each([
    [0, '0s'],
    [119_000, '119s'],
    [125_000, '2m5s'],
    [600_000, '10m'],
    [3 * 3600_000 + 5 * 60_000, '3h5m'],
    [30 * 3600_000, '30h'],
    [50 * 3600_000, '2d2h'],
    [400 * 86400_000, '400d'],
    [3 * 365 * 86400_000, '3y'],
    [-5000, '<invalid>'],
  ])('renders an age of %i ms as %s', (ms, expected) => {
    expect(humanDuration(ms)).toBe(expected);
  });
});
