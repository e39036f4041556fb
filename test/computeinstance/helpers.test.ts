import {
  applyStatusPatch,
  COMPUTE_INSTANCE_FINALIZER,
  formatMetaTime,
  hasFinalizer,
  isBeingDeleted,
  jobMessage,
  MAX_JOB_MESSAGE_LENGTH,
  managementState,
} from '../../lib/computeinstance';
import { boundText } from '../../lib/computeinstance/text';
import { instantMs } from '../../lib/computeinstance/time';
import type { JobState } from '../../lib/domain/job-state';
import { makeInstance } from './fixtures';

describe('formatMetaTime', () => {
  it.each([
    ['2026-03-20T12:00:00.000Z', '2026-03-20T12:00:00Z'],
    ['2026-03-20T12:00:00.999Z', '2026-03-20T12:00:00Z'],
    ['2026-03-20T13:00:00+01:00', '2026-03-20T12:00:00Z'],
    ['1969-12-31T23:59:59.500Z', '1969-12-31T23:59:59Z'],
  ])('%s → %s', (input, expected) => {
    expect(formatMetaTime(new Date(input))).toBe(expected);
  });

  it('rejects an invalid Date', () => {
    expect(() => formatMetaTime(new Date('nope'))).toThrow(/invalid Date/);
  });
});

describe('instantMs', () => {
  it.each([
    ['2026-03-20T12:00:00Z', Date.UTC(2026, 2, 20, 12)],
    ['2026-03-20T13:00:00+01:00', Date.UTC(2026, 2, 20, 12)],
    ['2026-03-20T12:00:00.250Z', Date.UTC(2026, 2, 20, 12) + 250],
  ])('%s', (input, expected) => {
    expect(instantMs(input, 'field')).toBe(expected);
  });

  it('names the field that does not parse', () => {
    expect(() => instantMs('tomorrow', 'status.lastRestartedAt')).toThrow(
      'status.lastRestartedAt is not an RFC 3339 timestamp: "tomorrow"',
    );
  });
});

describe('boundText', () => {
  it.each([
    ['shorter than the bound', 'abc', 5, 'abc'],
    ['exactly the bound', 'abcde', 5, 'abcde'],
    ['longer: cut with an ellipsis', 'abcdefgh', 5, 'abcd…'],
    ['a surrogate pair at the cut is not split', 'abc😀def', 5, 'abc…'],
  ])('%s', (_case, text, max, expected) => {
    expect(boundText(text, max)).toBe(expected);
  });
});

describe('jobMessage', () => {
  it.each<[string, string, JobState, string | undefined, string]>([
    ['a running job', 'running', 'Running', undefined, 'running'],
    [
      'a failure with a traceback',
      'failed',
      'Failed',
      'Traceback (most recent call last)',
      'failed: Traceback (most recent call last)',
    ],
    ['a failure without detail', 'error', 'Failed', '', 'error'],
    ['a cancellation ignores the detail', 'canceled', 'Canceled', 'SIGINT', 'canceled'],
  ])('%s', (_case, status, state, detail, expected) => {
    expect(jobMessage(status, state, detail)).toBe(expected);
  });

  it('is bounded', () => {
    expect(jobMessage('failed', 'Failed', 'y'.repeat(5000))).toHaveLength(MAX_JOB_MESSAGE_LENGTH);
  });
});

describe('metadata', () => {
  it.each([
    [undefined, 'managed'],
    ['unmanaged', 'unmanaged'],
    ['manual', 'manual'],
    ['Manual', 'managed'],
    ['', 'managed'],
  ])('management-state %j → %s', (annotation, expected) => {
    expect(managementState(makeInstance({ managementState: annotation }).metadata)).toBe(expected);
  });

  it.each([
    [false, false],
    [true, true],
  ])('deleting: %s → isBeingDeleted %s', (deleting, expected) => {
    expect(isBeingDeleted(makeInstance({ deleting }).metadata)).toBe(expected);
  });

  it.each<[string[] | undefined, boolean]>([
    [[COMPUTE_INSTANCE_FINALIZER], true],
    [['osac.openshift.io/computeinstance-feedback', COMPUTE_INSTANCE_FINALIZER], true],
    [['osac.openshift.io/computeinstance-aap'], false],
    [[], false],
  ])('finalizers %j → %s', (finalizers, expected) => {
    expect(hasFinalizer(makeInstance({ finalizers }).metadata, COMPUTE_INSTANCE_FINALIZER)).toBe(expected);
  });

  it('reads a missing finalizer list as none', () => {
    const { finalizers: _dropped, ...metadata } = makeInstance().metadata;
    expect(hasFinalizer(metadata, COMPUTE_INSTANCE_FINALIZER)).toBe(false);
  });
});

describe('applyStatusPatch', () => {
  it('overwrites the patched fields and keeps the rest of the status', () => {
    const instance = makeInstance({ status: { phase: 'Starting', ipAddress: '10.0.0.7' } });
    const next = applyStatusPatch(instance, { phase: 'Running' });
    expect(next.status).toEqual({ phase: 'Running', ipAddress: '10.0.0.7' });
    expect(instance.status?.phase).toBe('Starting');
  });

  it('creates the status of a new instance', () => {
    const { status: _none, ...instance } = makeInstance();
    expect(applyStatusPatch(instance, { phase: 'Starting' }).status).toEqual({ phase: 'Starting' });
  });
});
