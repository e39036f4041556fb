import {
  type Condition,
  type ConditionUpdate,
  findCondition,
  initialConditions,
  OWNED_CONDITION_TYPES,
  setCondition,
  unprocessableConditions,
} from '../../lib/computeinstance';
import { minutesAgo, NOW } from './fixtures';

const EARLIER = minutesAgo(30);
const NOW_TEXT = '2026-03-20T12:00:00Z';

const existing: Condition[] = [
  { type: 'Ready', status: 'True', reason: 'AsExpected', message: '', lastTransitionTime: EARLIER },
  {
    type: 'Provisioned',
    status: 'False',
    reason: 'Initialized',
    message: '',
    lastTransitionTime: EARLIER,
    observedGeneration: 1,
  },
];

describe('setCondition', () => {
  it.each<[string, ConditionUpdate, number | undefined, Partial<Condition>]>([
    [
      'adds a new condition stamped now',
      { type: 'RestartInProgress', status: 'True', reason: 'RestartInProgress', message: 'Restart initiated at x' },
      2,
      { status: 'True', lastTransitionTime: NOW_TEXT, observedGeneration: 2 },
    ],
    [
      'moves lastTransitionTime when status changes',
      { type: 'Provisioned', status: 'True', reason: 'InfrastructureReady', message: 'done' },
      2,
      { status: 'True', reason: 'InfrastructureReady', lastTransitionTime: NOW_TEXT, observedGeneration: 2 },
    ],
    [
      'keeps lastTransitionTime when only reason and message change',
      { type: 'Provisioned', status: 'False', reason: 'ProvisioningFailed', message: 'job 7 failed' },
      2,
      { reason: 'ProvisioningFailed', message: 'job 7 failed', lastTransitionTime: EARLIER, observedGeneration: 2 },
    ],
    [
      'keeps observedGeneration when none is given',
      { type: 'Provisioned', status: 'False', reason: 'WaitingForJob', message: '' },
      undefined,
      { reason: 'WaitingForJob', observedGeneration: 1 },
    ],
  ])('%s', (_case, update, generation, expected) => {
    const next = setCondition(existing, update, NOW, generation);
    expect(findCondition(next, update.type)).toMatchObject({ ...expected, type: update.type });
    expect(next).not.toBe(existing);
  });

  it('keeps the other conditions and their order', () => {
    const next = setCondition(
      existing,
      { type: 'Provisioned', status: 'True', reason: 'AsExpected', message: '' },
      NOW,
    );
    expect(next.map((condition) => condition.type)).toEqual(['Ready', 'Provisioned']);
    expect(next[0]).toBe(existing[0]);
  });

  it.each<[string, ConditionUpdate, number | undefined]>([
    ['the same values', { type: 'Provisioned', status: 'False', reason: 'Initialized', message: '' }, undefined],
    ['the same values and generation', { type: 'Provisioned', status: 'False', reason: 'Initialized', message: '' }, 1],
  ])('returns the input array for %s', (_case, update, generation) => {
    expect(setCondition(existing, update, NOW, generation)).toBe(existing);
  });

  it('cuts an overlong message to the CRD bound', () => {
    const next = setCondition(
      undefined,
      { type: 'Provisioned', status: 'False', reason: 'ProvisioningFailed', message: 'x'.repeat(40_000) },
      NOW,
    );
    expect(next[0]?.message).toHaveLength(32768);
    expect(next[0]?.message.endsWith('…')).toBe(true);
  });

  it('writes lastTransitionTime without milliseconds', () => {
    const next = setCondition(
      undefined,
      { type: 'Provisioned', status: 'True', reason: 'AsExpected', message: '' },
      new Date('2026-03-20T12:00:00.987Z'),
    );
    expect(next[0]?.lastTransitionTime).toBe('2026-03-20T12:00:00Z');
  });

  it.each([
    ['with a space', 'Provisioning Failed'],
    ['lowerCamelCase', 'provisioningFailed'],
    ['with an underscore', 'Provisioning_Failed'],
    ['with a colon', 'Provisioning:Failed'],
    ['empty', ''],
  ])('rejects a reason %s', (_case, reason) => {
    expect(() => setCondition(existing, { type: 'Provisioned', status: 'False', reason, message: '' }, NOW)).toThrow(
      `condition Provisioned: reason ${JSON.stringify(reason)} is not CamelCase`,
    );
  });

  it.each([['has a space'], ['-leading-dash'], ['']])('rejects the condition type %j', (type) => {
    expect(() => setCondition(existing, { type, status: 'False', reason: 'AsExpected', message: '' }, NOW)).toThrow(
      /is not a valid metav1.Condition type/,
    );
  });
});

describe('initialConditions', () => {
  it('adds ConfigurationApplied, Provisioned and RestartInProgress as False/Initialized, not Ready', () => {
    const conditions = initialConditions(undefined, NOW, 3);
    expect(conditions.map((condition) => condition.type)).toEqual([...OWNED_CONDITION_TYPES]);
    expect(OWNED_CONDITION_TYPES).toEqual(['ConfigurationApplied', 'Provisioned', 'RestartInProgress']);
    for (const condition of conditions) {
      expect(condition).toEqual({
        type: condition.type,
        status: 'False',
        reason: 'Initialized',
        message: '',
        lastTransitionTime: NOW_TEXT,
        observedGeneration: 3,
      });
    }
  });

  it('leaves existing conditions alone and adds only the missing ones', () => {
    const conditions = initialConditions(existing, NOW, 3);
    expect(conditions.slice(0, 2)).toEqual(existing);
    expect(conditions.slice(2).map((condition) => condition.type)).toEqual([
      'ConfigurationApplied',
      'RestartInProgress',
    ]);
  });

  it('returns the input when nothing is missing', () => {
    const complete = initialConditions(undefined, NOW);
    expect(initialConditions(complete, NOW)).toBe(complete);
  });
});

describe('unprocessableConditions', () => {
  const AT = new Date('2026-12-07T10:00:00Z');
  const other = {
    type: 'Ready',
    status: 'True',
    reason: 'Up',
    message: '',
    lastTransitionTime: '2026-12-01T00:00:00Z',
  };
  const set = (problem: string, since = '2026-12-06T00:00:00Z') => ({
    type: 'Unprocessable',
    status: 'True',
    reason: 'SchemaRejected',
    message: `cloudkit-provisioner cannot read this object, so nothing is done for it until it is fixed: ${problem}`,
    lastTransitionTime: since,
  });

  it.each<[string, unknown, string | undefined, unknown]>([
    ['no conditions, a problem: added', undefined, 'spec.x: bad', [set('spec.x: bad', '2026-12-07T10:00:00Z')]],
    [
      'conditions that are no array count as none',
      'garbage',
      'spec.x: bad',
      [set('spec.x: bad', '2026-12-07T10:00:00Z')],
    ],
    ['others are kept', [other], 'spec.x: bad', [other, set('spec.x: bad', '2026-12-07T10:00:00Z')]],
    ['the same problem again: nothing to write', [other, set('spec.x: bad')], 'spec.x: bad', undefined],
    [
      'another problem: message replaced, still True since then',
      [set('spec.x: bad')],
      'spec.y: bad',
      [set('spec.y: bad')],
    ],
    ['readable and never refused: nothing to write', [other], undefined, undefined],
    [
      'readable again: False, since now',
      [set('spec.x: bad'), other],
      undefined,
      [
        {
          type: 'Unprocessable',
          status: 'False',
          reason: 'Readable',
          message: '',
          lastTransitionTime: '2026-12-07T10:00:00Z',
        },
        other,
      ],
    ],
    [
      'readable, already cleared: nothing to write',
      [{ type: 'Unprocessable', status: 'False', reason: 'Readable', message: '', lastTransitionTime: 'x' }],
      undefined,
      undefined,
    ],
  ])('%s', (_case, current, problem, expected) => {
    expect(unprocessableConditions(current, problem, AT)).toEqual(expected);
  });

  it('bounds a huge problem to what the CRD accepts', () => {
    const conditions = unprocessableConditions(undefined, 'x'.repeat(100_000), AT);
    expect(String(conditions?.[0]?.message).length).toBeLessThanOrEqual(32768);
  });
});
