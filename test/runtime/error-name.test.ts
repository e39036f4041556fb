import { errorName } from '../../lib/runtime/logger';

class TaskTimedOut extends Error {
  override readonly name = 'TaskTimedOut';
}

describe('errorName: the name alone, never the message (which may quote a token)', () => {
  it.each([
    ['an Error subclass', new TaskTimedOut('token AAAA… timed out'), 'TaskTimedOut'],
    ['a plain Error', new Error('x'), 'Error'],
    ['an SDK-shaped object', { name: 'ResourceNotFoundException', message: 'table t' }, 'ResourceNotFoundException'],
    ['an empty name', Object.assign(new Error('x'), { name: '' }), undefined],
    ['a name that is not a string', { name: 42 }, undefined],
    ['a string thrown', 'boom', undefined],
    ['undefined', undefined, undefined],
    ['null', null, undefined],
  ])('%s', (_label, error, expected) => {
    expect(errorName(error)).toBe(expected);
  });
});
