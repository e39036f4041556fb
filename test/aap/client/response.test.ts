import { collectAapMessages, decodeBody } from '../../../lib/aap/response';
import { readAapFixture } from '../../support/fixtures';

describe('decodeBody', () => {
  it.each([
    [undefined, { kind: 'empty' }],
    ['', { kind: 'empty' }],
    ['  \n', { kind: 'empty' }],
    ['{"a":1}', { kind: 'json', value: { a: 1 } }],
    ['[1]', { kind: 'json', value: [1] }],
    ['<html>Bad Gateway</html>', { kind: 'text', text: '<html>Bad Gateway</html>' }],
    [Buffer.from('{"b":2}'), { kind: 'json', value: { b: 2 } }],
  ])('decodes %p', (raw, expected) => {
    expect(decodeBody(raw)).toEqual(expected);
  });
});

describe('collectAapMessages', () => {
  const json = (value: unknown) => collectAapMessages({ kind: 'json', value });

  it.each([
    [
      'error_401_not_authenticated.json',
      ['Authentication credentials were not provided. To establish a login session, visit /api/login/.'],
    ],
    ['launch_400_variables_needed_to_start.json', ["variables_needed_to_start: 'app_version' value missing"]],
    ['launch_400_passwords_needed_to_start.json', ['passwords_needed_to_start: ssh_password']],
    ['job_cancel_post_405.json', ['Method "POST" not allowed.']],
  ])('quotes %s', (fixture, expected) => {
    expect(json(readAapFixture(fixture))).toEqual(expected);
  });

  it.each([
    ['non-field errors', { __all__: ['a', 'b'] }, ['a', 'b']],
    [
      'a legacy error key',
      { error: 'Job has not finished processing events.' },
      ['Job has not finished processing events.'],
    ],
    ['a bare list', ['one', 'two'], ['one', 'two']],
    ['a bare string', 'just this', ['just this']],
    [
      'nested fields',
      { credential_passwords: { ssh_password: ['required'] } },
      ['credential_passwords.ssh_password: required'],
    ],
    ['numbers and booleans', { count: [3], ok: false }, ['count: 3', 'ok: false']],
    ['null values', { detail: null }, []],
  ])('flattens %s', (_case, value, expected) => {
    expect(json(value)).toEqual(expected);
  });

  it('collapses a text body to one bounded line', () => {
    const [message, ...rest] = collectAapMessages({ kind: 'text', text: `<html>\n  ${'x'.repeat(1000)}\n</html>` });
    expect(rest).toEqual([]);
    expect(message?.length).toBe(300);
    expect(message?.startsWith('<html> xxx')).toBe(true);
  });

  it('bounds the number of messages and says how many were left out', () => {
    const messages = json({ field: Array.from({ length: 25 }, (_, i) => `m${i}`) });
    expect(messages).toHaveLength(11);
    expect(messages.at(-1)).toBe('and 15 more');
  });

  it('has nothing to say about an empty body', () => {
    expect(collectAapMessages({ kind: 'empty' })).toEqual([]);
  });
});
