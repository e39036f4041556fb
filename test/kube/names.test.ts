import fc from 'fast-check';
import { isDnsLabel, isDnsSubdomain } from '../../lib/k8s/names';
import { nameProblems } from '../../local/kube-simulator/object-meta';

/**
 * The webhook refuses exactly the names the API server refuses: checked against the kube simulator's object-meta
 * validation (apimachinery's IsDNS1123Label / IsDNS1123Subdomain, with their length limits).
 */
const nameLike = fc
  .array(fc.constantFrom('a', 'z', '0', '9', '-', '.', 'A', '_', '/', ' ', 'é', '\u0000'), { maxLength: 70 })
  .map((chars) => chars.join(''));
const longName = fc
  .tuple(fc.integer({ min: 240, max: 260 }), fc.constantFrom('a', 'a.b', 'a-b'))
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)).slice(0, length));

describe('Kubernetes object names', () => {
  it('a namespace is what the API server takes as one', () => {
    fc.assert(
      fc.property(fc.oneof(nameLike, longName), (name) => isDnsLabel(name) === (nameProblems(name, true).length === 0)),
      { numRuns: 5_000 },
    );
  });

  it('a custom resource name is what the API server takes as one', () => {
    fc.assert(
      fc.property(
        fc.oneof(nameLike, longName),
        (name) => isDnsSubdomain(name) === (nameProblems(name, false).length === 0),
      ),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ['vm-7fk2p', true, true],
    ['vm.7fk2p', false, true],
    ['.', false, false],
    ['..', false, false],
    ['a/b', false, false],
    ['Bad_NS', false, false],
    ['', false, false],
    ['a'.repeat(63), true, true],
    ['a'.repeat(64), false, true],
    ['a'.repeat(253), false, true],
    ['a'.repeat(254), false, false],
  ])('%s: namespace %s, name %s', (name, label, subdomain) => {
    expect([isDnsLabel(name), isDnsSubdomain(name)]).toEqual([label, subdomain]);
  });
});
