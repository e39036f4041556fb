import { CelError, compileCel } from '../../../local/kube-simulator/cel-rules';
import type { JsonValue } from '../../../local/kube-simulator/json';

describe('CEL subset for x-kubernetes-validations', () => {
  it.each<[string, JsonValue, JsonValue | undefined, JsonValue]>([
    ['self == oldSelf', 2, 2, true],
    ['self == oldSelf', 2, 3, false],
    ['self == oldSelf', { a: [1, { b: 'x' }] }, { a: [1, { b: 'x' }] }, true],
    ['self == oldSelf', { a: [1, 2] }, { a: [2, 1] }, false],
    ['self != oldSelf', 'a', 'b', true],
    ['size(self) == 2', [1, 2], undefined, true],
    ['self.size() > 1 && self.size() < 3', 'ab', undefined, true],
    ['size(oldSelf) == 0 || size(self) == size(oldSelf)', [1], [], true],
    ['self.all(x, x > 0)', [1, 2, 3], undefined, true],
    ['self.all(x, x > 1)', [1, 2, 3], undefined, false],
    ['self.exists(x, x == 2)', [1, 2, 3], undefined, true],
    ['self.exists_one(x, x > 1)', [1, 2, 3], undefined, false],
    ['self.map(x, x * 2) == [2, 4]', [1, 2], undefined, true],
    ['self.filter(x, x % 2 == 1) == [1, 3]', [1, 2, 3], undefined, true],
    ['has(self.a) && !has(self.b)', { a: 1 }, undefined, true],
    ["self.name.startsWith('vm-') && self.name.endsWith('x')", { name: 'vm-x' }, undefined, true],
    ["self.matches('^[a-z]+$')", 'abc', undefined, true],
    ["'a' in self", ['a', 'b'], undefined, true],
    ["'k' in self", { k: 1 }, undefined, true],
    ['self.x > 1 ? "big" : "small"', { x: 3 }, undefined, 'big'],
    ['7 / 2 == 3 && 7 % 2 == 1', null, undefined, true],
    ['self.items[1].n == 2', { items: [{ n: 1 }, { n: 2 }] }, undefined, true],
    // The networkAttachments list rule of the ComputeInstance CRD.
    [
      'size(oldSelf) == 0 || (size(self) == size(oldSelf) && self.all(na, oldSelf.exists(old, old.subnetRef == na.subnetRef)))',
      [{ subnetRef: 'a', securityGroupRefs: ['x'] }],
      [{ subnetRef: 'a' }],
      true,
    ],
    [
      'size(oldSelf) == 0 || (size(self) == size(oldSelf) && self.all(na, oldSelf.exists(old, old.subnetRef == na.subnetRef)))',
      [{ subnetRef: 'b' }],
      [{ subnetRef: 'a' }],
      false,
    ],
  ])('%s with self=%j oldSelf=%j → %j', (rule, self, oldSelf, expected) => {
    expect(compileCel(rule).evaluate(self, oldSelf)).toEqual(expected);
  });

  it.each([
    ['self == oldSelf', true],
    ['size(self) > 0', false],
    ['self.all(x, oldSelf.exists(o, o == x))', true],
  ])('knows whether %s is a transition rule', (rule, usesOldSelf) => {
    expect(compileCel(rule).usesOldSelf).toBe(usesOldSelf);
  });

  it('absorbs an error on one side of || when the other side decides', () => {
    expect(compileCel('self.missing == 1 || true').evaluate({}, undefined)).toBe(true);
    expect(() => compileCel('self.missing == 1 || false').evaluate({}, undefined)).toThrow('no such key: missing');
  });

  it.each([
    ['self.foo(1)', 'function "foo" is not supported'],
    ['unknownVar == 1', 'undeclared reference to "unknownVar"'],
    ['self.all(1, true)', 'invalid arguments to the all() macro'],
    ['has(self)', 'invalid arguments to the has() macro'],
    ['self.isSorted()', 'function "isSorted" is not supported'],
    // Syntax errors carry the parser's position.
    ['self ==', '<input>:1:'],
    ['self == "open', '<input>:1:'],
    ['self # 1', '<input>:1:6: found #'],
  ])('refuses %s at compile time: %s', (rule, message) => {
    expect(() => compileCel(rule)).toThrow(CelError);
    expect(() => compileCel(rule)).toThrow(message);
  });

  it('reports runtime type errors as CelError', () => {
    expect(() => compileCel('self < 1').evaluate('a', undefined)).toThrow(CelError);
  });
});
