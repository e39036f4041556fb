import { continuationName, executionName, executionNamePrefix, type InstanceRef } from '../../lib/sfn';

const ref: InstanceRef = { cluster: 'local', namespace: 'osac-computeinstance', name: 'vm-7fk2p', uid: 'uid-1' };
const AWS_NAME = /^[A-Za-z0-9._-]{1,80}$/;

describe('executionName', () => {
  it.each([
    [
      'provision, generation 3',
      { kind: 'provision' as const, ref, generation: 3 },
      /^provision-osac-computeinstance-vm-7fk2p-[0-9a-f]{8}-g3$/,
    ],
    ['provision retry', { kind: 'provision' as const, ref, generation: 3, retry: 2 }, /-g3-r2$/],
    ['provision continuation', { kind: 'provision' as const, ref, generation: 3, continuation: 4 }, /-g3-c4$/],
    [
      'deprovision: the deletion instant in unix seconds',
      { kind: 'deprovision' as const, ref, deletionTimestamp: '2026-12-07T10:00:00Z' },
      /^deprovision-osac-computeinstance-vm-7fk2p-[0-9a-f]{8}-d1796637600$/,
    ],
    [
      'deprovision retry',
      { kind: 'deprovision' as const, ref, deletionTimestamp: '2026-12-07T10:00:00Z', retry: 1 },
      /-[0-9a-f]{8}-d1796637600-r1$/,
    ],
  ])('%s', (_label, parts, pattern) => {
    const name = executionName(parts);
    expect(name).toMatch(pattern);
    expect(name).toMatch(AWS_NAME);
  });

  it('is deterministic: the same work gets the same name', () => {
    expect(executionName({ kind: 'provision', ref, generation: 1 })).toBe(
      executionName({ kind: 'provision', ref: { ...ref }, generation: 1 }),
    );
  });

  it.each([
    ['another uid (deleted and recreated under the same name)', { ...ref, uid: 'uid-2' }],
    ['another cluster', { ...ref, cluster: 'other' }],
  ])('differs for %s', (_label, other) => {
    expect(executionName({ kind: 'provision', ref: other, generation: 1 })).not.toBe(
      executionName({ kind: 'provision', ref, generation: 1 }),
    );
  });

  it('names one deletion instant alike however the API server spelled it', () => {
    const canonical = executionName({ kind: 'deprovision', ref, deletionTimestamp: '2026-12-07T10:00:00Z' });
    for (const spelling of ['2026-12-07t10:00:00z', '2026-12-07T10:00:00,000Z', '2026-12-07T11:00:00+01:00']) {
      expect(executionName({ kind: 'deprovision', ref, deletionTimestamp: spelling })).toBe(canonical);
    }
  });

  it('differs per generation, so an A→B→A revert is new work', () => {
    const names = [1, 2, 3].map((generation) => executionName({ kind: 'provision', ref, generation }));
    expect(new Set(names).size).toBe(3);
  });

  it('keeps long names within 80 characters and keeps the hash and suffix intact', () => {
    const long: InstanceRef = { cluster: 'c', namespace: 'n'.repeat(63), name: `vm-${'x'.repeat(250)}`, uid: 'u' };
    const name = executionName({
      kind: 'provision',
      ref: long,
      generation: 9_999_999_999,
      retry: 999_999,
      continuation: 999_999,
    });
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(AWS_NAME);
    expect(name).toMatch(/-[0-9a-f]{8}-g9999999999-r999999-c999999$/);
    const deprovision = executionName({
      kind: 'deprovision',
      ref: long,
      deletionTimestamp: '2286-11-20T17:46:39Z', // 9,999,999,999 s: the last instant with 10 digits
      retry: 999_999,
      continuation: 999_999,
    });
    expect(deprovision.length).toBeLessThanOrEqual(80);
    expect(deprovision).toMatch(/-[0-9a-f]{8}-d9999999999-r999999-c999999$/);
  });

  it.each([
    ['a retry past its room', { kind: 'provision' as const, ref, generation: 1, retry: 1_000_000 }, /retry/],
    ['a negative retry', { kind: 'provision' as const, ref, generation: 1, retry: -1 }, /retry/],
    ['a generation past its room', { kind: 'provision' as const, ref, generation: 10_000_000_000 }, /generation/],
    ['a continuation past its room', { kind: 'provision' as const, ref, generation: 1, continuation: 1e6 }, /contin/],
    ['a deprovision without its deletion', { kind: 'deprovision' as const, ref }, /deletionTimestamp/],
    ['a deletion instant that is no time', { kind: 'deprovision' as const, ref, deletionTimestamp: 'soon' }, /time/],
  ])('refuses %s rather than overflow 80 characters', (_label, parts, message) => {
    expect(() => executionName(parts)).toThrow(message);
  });

  it('gives each deletion of an instance its own deprovision name, so a stray one cannot take the real one', () => {
    const stray = executionName({ kind: 'deprovision', ref, deletionTimestamp: '2026-12-07T10:00:00Z' });
    const real = executionName({ kind: 'deprovision', ref, deletionTimestamp: '2026-12-07T10:05:00Z' });
    expect(stray).not.toBe(real);
    // The same instant written another way is the same deletion.
    expect(executionName({ kind: 'deprovision', ref, deletionTimestamp: '2026-12-07T10:05:00.000Z' })).toBe(real);
  });

  it('replaces characters Step Functions does not allow', () => {
    const odd: InstanceRef = { cluster: 'c', namespace: 'ns', name: 'a b:c/d', uid: 'u' };
    expect(executionName({ kind: 'deprovision', ref: odd, deletionTimestamp: '2026-12-07T10:00:00Z' })).toMatch(
      AWS_NAME,
    );
  });

  it('refuses a provision name without a generation', () => {
    expect(() => executionName({ kind: 'provision', ref })).toThrow(/generation/);
  });

  it('shares its prefix with every execution of the same instance and kind', () => {
    const prefix = executionNamePrefix('provision', ref);
    for (const generation of [1, 2, 40]) {
      expect(executionName({ kind: 'provision', ref, generation, continuation: 2 }).startsWith(`${prefix}-`)).toBe(
        true,
      );
    }
    const deprovision = executionName({ kind: 'deprovision', ref, deletionTimestamp: '2026-12-07T10:00:00Z' });
    expect(deprovision.startsWith(prefix)).toBe(false);
  });
});

describe('continuationName', () => {
  it.each([
    ['provision-ns-vm-abcd1234-g3', 'provision-ns-vm-abcd1234-g3-c1'],
    ['provision-ns-vm-abcd1234-g3-c1', 'provision-ns-vm-abcd1234-g3-c2'],
    ['deprovision-ns-vm-abcd1234-r1-c9', 'deprovision-ns-vm-abcd1234-r1-c10'],
  ])('%s → %s', (current, next) => {
    expect(continuationName(current)).toBe(next);
  });
});
