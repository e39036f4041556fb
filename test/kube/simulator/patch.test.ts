import type { JsonValue } from '../../../local/kube-simulator/json';
import {
  applyJsonPatch,
  applyMergePatch,
  decodeJsonPatch,
  JsonPatchApplyError,
  JsonPatchDecodeError,
} from '../../../local/kube-simulator/patch-bodies';

describe('JSON merge patch (RFC 7386)', () => {
  it.each<[JsonValue, JsonValue, JsonValue]>([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
    [{ spec: { cores: 2 }, metadata: { name: 'x' } }, { spec: null }, { metadata: { name: 'x' } }],
  ])('%j + %j = %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('does not modify its input', () => {
    const target = { a: { b: 1 } };
    applyMergePatch(target, { a: { b: 2 } });
    expect(target).toEqual({ a: { b: 1 } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = { metadata: { finalizers: ['a', 'b'] }, spec: { cores: 2 } };

  it.each<[string, JsonValue, JsonValue]>([
    ['add a member', [{ op: 'add', path: '/spec/memoryGiB', value: 4 }], { ...doc, spec: { cores: 2, memoryGiB: 4 } }],
    [
      'append with -',
      [{ op: 'add', path: '/metadata/finalizers/-', value: 'c' }],
      { ...doc, metadata: { finalizers: ['a', 'b', 'c'] } },
    ],
    [
      'insert at an index',
      [{ op: 'add', path: '/metadata/finalizers/0', value: 'z' }],
      { ...doc, metadata: { finalizers: ['z', 'a', 'b'] } },
    ],
    [
      'remove a guarded finalizer',
      [
        { op: 'test', path: '/metadata/finalizers/1', value: 'b' },
        { op: 'remove', path: '/metadata/finalizers/1' },
      ],
      { ...doc, metadata: { finalizers: ['a'] } },
    ],
    ['replace', [{ op: 'replace', path: '/spec/cores', value: 8 }], { ...doc, spec: { cores: 8 } }],
    ['move', [{ op: 'move', from: '/spec/cores', path: '/spec/vcpus' }], { ...doc, spec: { vcpus: 2 } }],
    ['copy', [{ op: 'copy', from: '/spec/cores', path: '/spec/vcpus' }], { ...doc, spec: { cores: 2, vcpus: 2 } }],
    ['escaped pointer', [{ op: 'add', path: '/spec/a~1b~0c', value: 1 }], { ...doc, spec: { cores: 2, 'a/b~c': 1 } }],
    ['replace the whole document', [{ op: 'replace', path: '', value: { x: 1 } }], { x: 1 }],
  ])('%s', (_name, operations, expected) => {
    expect(applyJsonPatch(doc, decodeJsonPatch(operations))).toEqual(expected);
  });

  it.each<[string, JsonValue]>([
    ['a failed test', [{ op: 'test', path: '/spec/cores', value: 3 }]],
    ['removing a missing member', [{ op: 'remove', path: '/spec/missing' }]],
    ['replacing a missing member', [{ op: 'replace', path: '/spec/missing', value: 1 }]],
    ['adding under a missing parent', [{ op: 'add', path: '/status/phase', value: 'Running' }]],
    ['an index past the end', [{ op: 'remove', path: '/metadata/finalizers/2' }]],
    ['a non-numeric index', [{ op: 'add', path: '/metadata/finalizers/x', value: 'c' }]],
    ['moving into its own child', [{ op: 'move', from: '/spec', path: '/spec/inner' }]],
  ])('refuses to apply %s', (_name, operations) => {
    expect(() => applyJsonPatch(doc, decodeJsonPatch(operations))).toThrow(JsonPatchApplyError);
  });

  it.each<[string, JsonValue]>([
    ['not an array', { op: 'add' }],
    ['an unknown op', [{ op: 'merge', path: '/a' }]],
    ['a missing value', [{ op: 'add', path: '/a' }]],
    ['a relative path', [{ op: 'remove', path: 'spec' }]],
  ])('refuses to decode %s', (_name, body) => {
    expect(() => decodeJsonPatch(body)).toThrow(JsonPatchDecodeError);
  });

  it('leaves the document alone when a later operation fails', () => {
    const original = structuredClone(doc);
    expect(() =>
      applyJsonPatch(
        doc,
        decodeJsonPatch([
          { op: 'remove', path: '/metadata/finalizers/0' },
          { op: 'test', path: '/spec/cores', value: 9 },
        ]),
      ),
    ).toThrow(JsonPatchApplyError);
    expect(doc).toEqual(original);
  });
});
