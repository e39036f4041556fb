import {
  backoffAfterFailures,
  deprovisionBackoff,
  MAX_BACKOFF_MS,
  MIN_BACKOFF_MS,
  type ProvisioningJob,
  provisionBackoff,
  remainingBackoffMs,
} from '../../lib/computeinstance';
import { job, MINUTE, minutesAgo, NOW } from './fixtures';

/** Provision jobs of config version v1 unless given, `state@minutesAgo`. */
const provision = (state: 'Failed' | 'Canceled' | 'Succeeded', ago: number, configVersion = 'v1') =>
  job('provision', state, { at: minutesAgo(ago), configVersion });
const deprovision = (state: 'Failed' | 'Canceled' | 'Succeeded', ago: number) =>
  job('deprovision', state, { at: minutesAgo(ago), blockDeletionOnFailure: true });

describe('provisionBackoff', () => {
  it.each<[string, ProvisioningJob[] | undefined, number]>([
    ['no history', undefined, 2],
    ['one failure', [provision('Failed', 5)], 2],
    ['two failures 1 min apart: the 2 min floor', [provision('Failed', 6), provision('Failed', 5)], 2],
    ['two failures 3 min apart: twice the gap', [provision('Failed', 8), provision('Failed', 5)], 6],
    ['two failures 10 min apart', [provision('Failed', 15), provision('Failed', 5)], 20],
    ['two failures 20 min apart: the 30 min cap', [provision('Failed', 25), provision('Failed', 5)], 30],
    [
      'the two most recent of three failures',
      [provision('Failed', 60), provision('Failed', 9), provision('Failed', 5)],
      8,
    ],
    [
      'a Canceled job between does not count toward the gap',
      [provision('Failed', 12), provision('Canceled', 8), provision('Failed', 5)],
      14,
    ],
    ['a Canceled latest job after one failure', [provision('Failed', 12), provision('Canceled', 5)], 2],
    ['only Canceled jobs', [provision('Canceled', 12), provision('Canceled', 5)], 2],
    [
      'a Canceled latest job after two failures waits the computed time',
      [provision('Failed', 12), provision('Failed', 8), provision('Canceled', 5)],
      8,
    ],
    ['failures of another config version', [provision('Failed', 25, 'v0'), provision('Failed', 5)], 2],
    ['deprovision failures', [deprovision('Failed', 25), deprovision('Failed', 5), provision('Failed', 4)], 2],
    [
      'failures with the gap measured either way round (skewed clocks)',
      [provision('Failed', 5), provision('Failed', 8)],
      6,
    ],
  ])('%s → %s min', (_case, jobs, minutes) => {
    expect(provisionBackoff(jobs, 'v1')).toBe(minutes * MINUTE);
  });

  it('exports the bounds', () => {
    expect([MIN_BACKOFF_MS, MAX_BACKOFF_MS]).toEqual([2 * MINUTE, 30 * MINUTE]);
  });
});

describe('deprovisionBackoff', () => {
  it.each<[string, ProvisioningJob[], number]>([
    ['no deprovision job', [provision('Failed', 25), provision('Failed', 5)], 2],
    ['one failure', [deprovision('Failed', 5)], 2],
    ['two failures 4 min apart', [deprovision('Failed', 9), deprovision('Failed', 5)], 8],
    ['two failures 40 min apart: the cap', [deprovision('Failed', 45), deprovision('Failed', 5)], 30],
    ['a Canceled job between', [deprovision('Failed', 9), deprovision('Canceled', 7), deprovision('Failed', 5)], 8],
  ])('%s → %s min', (_case, jobs, minutes) => {
    expect(deprovisionBackoff(jobs)).toBe(minutes * MINUTE);
  });
});

describe('remainingBackoffMs', () => {
  it.each<[string, number, number, number]>([
    ['launched 1 min ago, 2 min backoff', 1, 2, 1 * MINUTE],
    ['launched 2 min ago, 2 min backoff: elapsed exactly', 2, 2, 0],
    ['launched 45 min ago, 30 min backoff', 45, 30, 0],
    ['launched 10 min ago, 30 min backoff', 10, 30, 20 * MINUTE],
  ])('%s', (_case, ago, backoffMinutes, expected) => {
    expect(remainingBackoffMs(provision('Failed', ago), backoffMinutes * MINUTE, NOW)).toBe(expected);
  });
});

describe('backoffAfterFailures: the one rule, with the cap its caller needs', () => {
  const HOUR = 60 * MINUTE;
  it.each<[string, number[], number | undefined, number]>([
    ['no failure yet', [], undefined, 2 * MINUTE],
    ['one failure', [0], undefined, 2 * MINUTE],
    ['a 3 min gap doubles', [0, 3 * MINUTE], undefined, 6 * MINUTE],
    ['the 30 min cap of failed jobs', [0, 20 * MINUTE], undefined, MAX_BACKOFF_MS],
    ["the reconciler's 1 h cap lets it grow further", [0, 20 * MINUTE], HOUR, 40 * MINUTE],
    ['and stops at the hour', [0, 3 * HOUR], HOUR, HOUR],
    ['only the last two count', [0, 50 * MINUTE, 51 * MINUTE], HOUR, 2 * MINUTE],
    ['clocks out of order: the size of the gap', [10 * MINUTE, 0], HOUR, 20 * MINUTE],
  ])('%s', (_label, failures, maxMs, expected) => {
    expect(backoffAfterFailures(failures, maxMs)).toBe(expected);
  });
});
