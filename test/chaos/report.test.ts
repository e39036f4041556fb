import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { executionPath } from './forensics';
import type { InvariantRow } from './invariants';
import { parseChaosOptions } from './options';
import { formatTable, reorderedArrivals, replayCommand } from './report';

const entered = (name: string): HistoryEvent =>
  ({ type: 'TaskStateEntered', stateEnteredEventDetails: { name } }) as HistoryEvent;
const failed = (error: string): HistoryEvent =>
  ({ type: 'LambdaFunctionFailed', lambdaFunctionFailedEventDetails: { error } }) as HistoryEvent;

describe('execution paths', () => {
  it.each([
    { case: 'no events', events: [], path: '' },
    { case: 'states in order', events: [entered('A'), entered('B')], path: 'A > B' },
    {
      case: 'a repeat collapsed',
      events: [entered('A'), entered('W'), entered('A'), entered('A')],
      path: 'A > W > A×2',
    },
    {
      case: 'errors on their state',
      events: [entered('Launch'), failed('Transient'), failed('LaunchNotNeeded'), entered('Fetch')],
      path: 'Launch!Transient!LaunchNotNeeded > Fetch',
    },
    { case: 'a final error', events: [entered('Fetch'), failed('TooManyCandidates')], path: 'Fetch!TooManyCandidates' },
  ])('$case: "$path"', ({ events, path }) => {
    expect(executionPath(events)).toBe(path);
  });
});

describe('the invariant table', () => {
  const row = (ok: boolean, details: string[] = []): InvariantRow => ({
    key: 'orphan-vms',
    invariant: 'orphan VMs',
    value: ok ? '0' : String(details.length),
    expected: '0',
    ok,
    details,
    subjects: [],
  });

  it('aligns its columns and says ok for a holding invariant', () => {
    const lines = formatTable([row(true)]).split('\n');
    expect(lines).toEqual([
      '| invariant  | value | expected | result |',
      '|------------|-------|----------|--------|',
      '| orphan VMs | 0     | 0        | ok     |',
    ]);
  });

  it('marks a breach and lists its details, at most the limit', () => {
    const text = formatTable([row(false, ['a', 'b', 'c'])], 2);
    expect(text).toContain('| BREACH |');
    expect(text).toContain('orphan VMs:\n  - a\n  - b\n  … and 1 more');
  });
});

describe('the replay command', () => {
  it('names everything that shapes the plan', () => {
    const options = parseChaosOptions({ seed: 'night 7', lifecycles: 200, env: { LAUNCH_INTENT_TTL_SECONDS: '300' } });
    expect(replayCommand(options, 'heavy')).toBe(
      "npx tsx bench/chaos.ts --seed 'night 7' --lifecycles 200 --concurrency 16 --time-scale 0.01 --faults heavy --settle-seconds 3600 --env LAUNCH_INTENT_TTL_SECONDS=300",
    );
  });

  it('says when the run polled alone (notifications are on by default)', () => {
    const options = parseChaosOptions({ seed: 7, notifications: false });
    expect(replayCommand(options, 'standard')).toBe(
      'npx tsx bench/chaos.ts --seed 7 --lifecycles 50 --concurrency 16 --time-scale 0.01 --faults standard --settle-seconds 3600 --notifications off',
    );
    expect(parseChaosOptions({ seed: 7 }).notifications).toBe(true);
  });
});

describe('chaos options', () => {
  it.each([
    { input: { seed: 1, lifecycles: 0 }, problem: /lifecycles/ },
    { input: { seed: 1, faults: 'stormy' }, problem: /faults/ },
    { input: { seed: 1, faults: { base: 'standard', webhookLossRate: 2 } }, problem: /faults/ },
    { input: { seed: 1, timeScale: 2 }, problem: /timeScale/ },
  ])('refuses $input', ({ input, problem }) => {
    expect(() => parseChaosOptions(input as never)).toThrow(problem);
  });

  it('takes a profile with overrides', () => {
    const options = parseChaosOptions({ seed: 'x', faults: { base: 'none', webhookLossRate: 0.5 } });
    expect(options.faults).toMatchObject({ webhookLossRate: 0.5, aapErrorChance: 0 });
    expect(options.seed).toBe('x');
  });
});

describe('reordered notification arrivals', () => {
  const sent = (created: number, modified: number, status: 'successful' | 'failed' = 'successful') => ({
    created,
    modified,
    status,
  });

  it.each([
    { case: 'in order', records: [sent(1, 2), sent(3, 4)], count: 0 },
    { case: 'two arrive before the first, delayed', records: [sent(1, 90), sent(2, 3), sent(4, 5)], count: 2 },
    { case: 'a lost one does not count', records: [sent(1, 90, 'failed'), sent(2, 3)], count: 0 },
    { case: 'given out of order', records: [sent(5, 6), sent(1, 10)], count: 1 },
  ])('$case: $count', ({ records, count }) => {
    expect(reorderedArrivals(records)).toBe(count);
  });
});
