import * as z from 'zod';
import { describeIssues, formatIssuePath, joinIssues, listIssues } from '../../lib/runtime/issues';

const Schema = z.object({
  name: z.string().min(1, 'must not be empty'),
  items: z.array(z.object({ port: z.int().min(1, 'must be >= 1') })),
});

describe('describeIssues: the one formatter for zod failures', () => {
  it.each<[unknown, ReadonlyArray<PropertyKey>, string | undefined, string]>([
    [{ name: '', items: [] }, [], undefined, 'name: must not be empty'],
    [{ name: 'a', items: [{ port: 1 }, { port: 0 }] }, [], undefined, 'items[1].port: must be >= 1'],
    [
      { name: '', items: [{ port: 0 }] },
      ['object'],
      undefined,
      'object.name: must not be empty; object.items[0].port: must be >= 1',
    ],
    ['nope', [], undefined, '(root): Invalid input: expected object, received string'],
    ['nope', [], '(input)', '(input): Invalid input: expected object, received string'],
    ['nope', ['spec'], '(input)', 'spec: Invalid input: expected object, received string'],
  ])('%j under %j reads', (value, prefix, root, expected) => {
    const parsed = Schema.safeParse(value);
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error, prefix, root)).toBe(expected);
  });

  it('lists issues as path and message, and joins a list the same way', () => {
    const parsed = Schema.safeParse({ name: '', items: [{ port: 0 }] });
    if (parsed.success) throw new Error('expected a failure');
    const issues = listIssues(parsed.error, ['body']);
    expect(issues).toEqual([
      { path: 'body.name', message: 'must not be empty' },
      { path: 'body.items[0].port', message: 'must be >= 1' },
    ]);
    expect(joinIssues(issues)).toBe(describeIssues(parsed.error, ['body']));
  });

  it.each<[ReadonlyArray<PropertyKey>, string]>([
    [[], '(root)'],
    [['spec', 'networkAttachments', 0, 'subnetRef'], 'spec.networkAttachments[0].subnetRef'],
    [[0, 'a'], '[0].a'],
  ])('formatIssuePath(%j) is %p', (path, expected) => {
    expect(formatIssuePath(path)).toBe(expected);
  });
});
