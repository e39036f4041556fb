import fc from 'fast-check';
import { decideStart, nameProblem, PageTokenError, pageOf } from '../../local/sfn-engine/execution-rules';

describe('nameProblem', () => {
  it.each(['a', 'provision-vm-1', 'Name_With.Dots-and_underscores', 'ünïcode-is-fine', 'x'.repeat(80)])(
    'accepts %s',
    (name) => {
      expect(nameProblem(name)).toBeUndefined();
    },
  );

  const forbidden = [
    ' ',
    '\t',
    '<',
    '>',
    '{',
    '}',
    '[',
    ']',
    '?',
    '*',
    '"',
    '#',
    '%',
    '\\',
    '^',
    '|',
    '~',
    '`',
    '$',
    '&',
    ',',
    ';',
    ':',
    '/',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u009f',
  ];
  it.each<[string, 'ValidationException' | 'InvalidName']>([
    ['', 'ValidationException'],
    ['x'.repeat(81), 'ValidationException'],
    ...forbidden.map((bad): [string, 'InvalidName'] => [`a${bad}b`, 'InvalidName']),
  ])('refuses %j with %s', (name, type) => {
    expect(nameProblem(name)?.type).toBe(type);
  });
});

describe('decideStart', () => {
  it.each([
    ['no execution by that name', undefined, 'in', 'start'],
    ['the same input while it runs', { status: 'RUNNING' as const, input: 'in' }, 'in', 'same-execution'],
    ['another input while it runs', { status: 'RUNNING' as const, input: 'in' }, 'other', 'conflict'],
    ['the same input once it succeeded', { status: 'SUCCEEDED' as const, input: 'in' }, 'in', 'conflict'],
    ['the same input once it was aborted', { status: 'ABORTED' as const, input: 'in' }, 'in', 'conflict'],
  ])('given %s decides %s', (_case, existing, input, expected) => {
    expect(decideStart(existing, input).kind).toBe(expected);
  });
});

describe('pageOf', () => {
  it('returns every item exactly once across pages, whatever the page size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 12 }), (count, size) => {
        const items = Array.from({ length: count }, (_, i) => i * 3);
        const seen: number[] = [];
        let nextToken: string | undefined;
        do {
          const result = pageOf(items, (item) => item, { maxResults: size, nextToken }, 'scope');
          expect(result.page.length).toBeLessThanOrEqual(size);
          seen.push(...result.page);
          nextToken = result.nextToken;
        } while (nextToken !== undefined);
        expect(seen).toEqual(items);
      }),
    );
  });

  it('defaults to 100 items a page', () => {
    const items = Array.from({ length: 150 }, (_, i) => i);
    expect(pageOf(items, (item) => item, {}, 's').page).toHaveLength(100);
  });

  it('neither repeats nor skips items added at the front between pages', () => {
    const first = pageOf([5, 4, 3], (item) => -item, { maxResults: 2 }, 's');
    const second = pageOf([7, 6, 5, 4, 3], (item) => -item, { maxResults: 2, nextToken: first.nextToken }, 's');
    expect([...first.page, ...second.page]).toEqual([5, 4, 3]);
  });

  it.each([
    ['garbage', 'not-a-token'],
    ['a token of another listing', pageOf([1, 2, 3], (i) => i, { maxResults: 1 }, 'other').nextToken ?? ''],
  ])('refuses %s', (_case, nextToken) => {
    expect(() => pageOf([1, 2, 3], (i) => i, { nextToken }, 'mine')).toThrow(PageTokenError);
  });
});
