import fc from 'fast-check';
import { parse } from 'yaml';
import {
  type ComputeInstanceSpec,
  canonicalJson,
  desiredConfigVersion,
  fnv1a64Hex,
  parseComputeInstance,
} from '../../lib/computeinstance';
import { baseSpec, SAMPLE_YAML } from './fixtures';

describe('fnv1a64Hex', () => {
  // Vectors from the FNV reference test suite; "é" checks that the bytes hashed are UTF-8.
  it.each([
    ['', 'cbf29ce484222325'],
    ['a', 'af63dc4c8601ec8c'],
    ['foobar', '85944171f73967e8'],
    ['é', '0ac21707b7181e01'],
  ])('%j → %s', (input, expected) => {
    expect(fnv1a64Hex(input)).toBe(expected);
  });

  /** The textbook definition on BigInt: what the 16-bit limb arithmetic must reproduce byte for byte. */
  function referenceFnv1a64(input: string): string {
    let hash = 0xcbf29ce484222325n;
    for (const byte of Buffer.from(input, 'utf8'))
      hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
    return hash.toString(16).padStart(16, '0');
  }

  it('equals the BigInt definition on any text (carries across every limb, multi-byte UTF-8)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (input) => {
        expect(fnv1a64Hex(input)).toBe(referenceFnv1a64(input));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('canonicalJson', () => {
  it.each<[string, unknown, string]>([
    ['sorts top-level keys', { b: 1, a: 2 }, '{"a":2,"b":1}'],
    ['sorts nested keys', { z: { y: 1, x: [{ d: 1, c: 2 }] } }, '{"z":{"x":[{"c":2,"d":1}],"y":1}}'],
    ['keeps array order', { list: [3, 1, 2] }, '{"list":[3,1,2]}'],
    ['drops undefined members', { a: undefined, b: 1 }, '{"b":1}'],
    ['keeps null members', { a: null }, '{"a":null}'],
    ['writes undefined alone as null', undefined, 'null'],
  ])('%s', (_case, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe('desiredConfigVersion', () => {
  it('is the FNV-1a-64 of the sample spec, pinned: a change here re-provisions every instance', () => {
    // Cross-checked outside this code base (Python: json.dumps(sort_keys=True, separators=(",", ":")) + FNV-1a).
    const { spec } = parseComputeInstance(parse(SAMPLE_YAML));
    expect(desiredConfigVersion(spec)).toBe('503cb881017421c7');
  });

  it('is 16 lowercase hex characters', () => {
    expect(desiredConfigVersion(baseSpec())).toMatch(/^[0-9a-f]{16}$/);
  });

  it.each<[string, ComputeInstanceSpec]>([
    [
      'top-level key order',
      {
        runStrategy: 'Always',
        bootDisk: { sizeGiB: 20 },
        memoryGiB: 4,
        cores: 2,
        image: { sourceType: 'registry', sourceRef: 'quay.io/containerdisks/fedora:latest' },
        templateID: 'osac.templates.ocp_virt_vm',
        networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: ['web-sg'] }],
      },
    ],
    [
      'nested key order',
      baseSpec({
        image: { sourceRef: 'quay.io/containerdisks/fedora:latest', sourceType: 'registry' },
        networkAttachments: [{ securityGroupRefs: ['web-sg'], subnetRef: 'subnet-web' }],
      }),
    ],
    ['an undefined optional field', baseSpec({ sshKey: undefined, restartRequestedAt: undefined })],
  ])('does not depend on %s', (_case, spec) => {
    expect(desiredConfigVersion(spec)).toBe(desiredConfigVersion(baseSpec()));
  });

  it.each<[string, Partial<ComputeInstanceSpec> & Record<string, unknown>]>([
    ['runStrategy', { runStrategy: 'Halted' }],
    [
      'securityGroupRefs',
      { networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: ['web-sg', 'ssh-sg'] }] },
    ],
    ['emptied securityGroupRefs', { networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: [] }] }],
    ['restartRequestedAt', { restartRequestedAt: '2026-03-20T10:15:00Z' }],
    ['templateParameters', { templateParameters: '{"exposed_ports":"22/tcp"}' }],
    ['templateID', { templateID: 'osac.templates.ocp_virt_vm_large' }],
    ['a field the CRD does not know', { blockEncryptionPassphrase: '' }],
  ])('changes with %s', (_field, change) => {
    expect(desiredConfigVersion(baseSpec(change))).not.toBe(desiredConfigVersion(baseSpec()));
  });

  it('does not depend on key order, for any spec shape', () => {
    // Plain identifiers: `__proto__` and friends would test JavaScript, not the hash.
    const KEY = fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,5}$/);
    const json = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(KEY, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    const reversed = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(reversed);
      if (value === null || typeof value !== 'object') return value;
      return Object.fromEntries(
        Object.entries(value)
          .reverse()
          .map(([key, member]) => [key, reversed(member)]),
      );
    };
    fc.assert(
      fc.property(fc.dictionary(KEY, json, { maxKeys: 6 }), (extra) => {
        const spec = baseSpec(extra as Partial<ComputeInstanceSpec>);
        expect(desiredConfigVersion(reversed(spec) as ComputeInstanceSpec)).toBe(desiredConfigVersion(spec));
      }),
    );
  });
});
