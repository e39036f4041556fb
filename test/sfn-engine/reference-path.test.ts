import { evaluateReferencePath } from '../../local/sfn-engine/reference-path';

const input = { a: { b: [10, { c: 'deep' }] }, 'odd key': 1, zero: 0 };
const context = { Execution: { Id: 'arn:exec' } };

describe('evaluateReferencePath', () => {
  it.each([
    ['$', input],
    ['$.a.b[0]', 10],
    ['$.a.b[1].c', 'deep'],
    ["$['odd key']", 1],
    ['$["a"]["b"][1]["c"]', 'deep'],
    ['$.zero', 0],
    ['$$.Execution.Id', 'arn:exec'],
  ])('finds %s', (path, expected) => {
    expect(evaluateReferencePath(path, input, context)).toEqual({ found: true, value: expected });
  });

  it.each(['$.missing', '$.a.b[5]', '$.a.b.c', '$.zero.x', '$$.State.Name'])('reports %s as not found', (path) => {
    expect(evaluateReferencePath(path, input, context)).toEqual({ found: false });
  });

  it.each(['a.b', '$..a', '$.a[*]', '$.a[?(@.b)]', '$.a[0:1]'])('refuses %s, which is not a reference path', (path) => {
    expect(() => evaluateReferencePath(path, input, context)).toThrow(/is not a reference path/);
  });
});
