import fc from 'fast-check';
import {
  abandonIntent,
  appendJob,
  DEFAULT_MAX_JOB_HISTORY,
  isLaunchIntent,
  latestJob,
  type ProvisioningJob,
  resolveIntent,
  trimJobs,
  updateJob,
} from '../../lib/computeinstance';
import type { JobState, JobType } from '../../lib/domain/job-state';
import { job, minutesAgo } from './fixtures';

const intent = (type: JobType, at: string): ProvisioningJob => job(type, 'Pending', { jobID: '', at });
const ids = (jobs: readonly ProvisioningJob[]) => jobs.map((entry) => `${entry.type[0]}:${entry.jobID || 'intent'}`);

describe('isLaunchIntent', () => {
  it.each<[string, string, JobState, boolean]>([
    ['no id, Pending', '', 'Pending', true],
    ['no id, Unknown', '', 'Unknown', true],
    ['no id, Failed (a launch that failed)', '', 'Failed', false],
    ['an AAP id, Pending', '1412', 'Pending', false],
    ['an AAP id, Succeeded', '1412', 'Succeeded', false],
  ])('%s → %s', (_case, jobID, state, expected) => {
    expect(isLaunchIntent(job('provision', state, { jobID }))).toBe(expected);
  });
});

describe('latestJob', () => {
  const p1 = job('provision', 'Succeeded', { jobID: 'p1', at: minutesAgo(30) });
  const p2 = job('provision', 'Failed', { jobID: 'p2', at: minutesAgo(20) });
  const d1 = job('deprovision', 'Running', { jobID: 'd1', at: minutesAgo(10) });
  const tieA = job('provision', 'Failed', { jobID: 'tieA', at: minutesAgo(5) });
  const tieB = job('provision', 'Running', { jobID: 'tieB', at: minutesAgo(5) });
  const skewed = job('provision', 'Running', { jobID: 'skewed', at: minutesAgo(90) });

  it.each<[string, ProvisioningJob[] | undefined, JobType, string | undefined]>([
    ['no history', undefined, 'provision', undefined],
    ['an empty history', [], 'provision', undefined],
    ['no job of that type', [p1, p2], 'deprovision', undefined],
    ['the last provision job, skipping a newer deprovision job', [p1, p2, d1], 'provision', 'p2'],
    ['the deprovision job', [p1, p2, d1], 'deprovision', 'd1'],
    ['equal timestamps: the later position', [tieA, tieB], 'provision', 'tieB'],
    ['a later entry with an earlier (skewed) timestamp: the position', [p1, skewed], 'provision', 'skewed'],
  ])('%s', (_case, jobs, type, expected) => {
    expect(latestJob(jobs, type)?.jobID).toBe(expected);
  });
});

describe('appendJob and trimJobs', () => {
  const history = (spec: string): ProvisioningJob[] =>
    spec.split(' ').map((token, index) => {
      const type: JobType = token.startsWith('p') ? 'provision' : 'deprovision';
      const at = minutesAgo(100 - index);
      if (token.endsWith('?')) return intent(type, at);
      return job(type, 'Failed', { jobID: token, at });
    });

  it('appends at the end, newest last', () => {
    const jobs = appendJob(history('p1 p2'), job('provision', 'Pending', { jobID: 'p3' }));
    expect(ids(jobs)).toEqual(['p:p1', 'p:p2', 'p:p3']);
  });

  it('appends to a missing history', () => {
    expect(ids(appendJob(undefined, job('provision', 'Pending', { jobID: 'p1' })))).toEqual(['p:p1']);
  });

  it('defaults to a history of 10', () => {
    const eleven = history('p1 p2 p3 p4 p5 p6 p7 p8 p9 p10');
    expect(DEFAULT_MAX_JOB_HISTORY).toBe(10);
    expect(ids(appendJob(eleven, job('provision', 'Pending', { jobID: 'p11' })))).toHaveLength(10);
  });

  it.each<[string, string, number, string[]]>([
    ['within the bound', 'p1 p2 p3', 3, ['p:p1', 'p:p2', 'p:p3']],
    ['drops the oldest', 'p1 p2 p3 p4', 3, ['p:p2', 'p:p3', 'p:p4']],
    ['keeps the latest provision job behind newer deprovision jobs', 'p1 d1 d2 d3', 3, ['p:p1', 'd:d2', 'd:d3']],
    ['keeps the latest deprovision job behind newer provision jobs', 'd1 p1 p2 p3', 2, ['d:d1', 'p:p3']],
    ['keeps an unresolved intent', 'p? d1 d2 d3', 2, ['p:intent', 'd:d3']],
    ['keeps every protected entry even past the bound', 'p? p2 d? d4', 1, ['p:intent', 'p:p2', 'd:intent', 'd:d4']],
  ])('%s', (_case, spec, max, expected) => {
    expect(ids(trimJobs(history(spec), max))).toEqual(expected);
  });

  it.each([0, -1, 2.5, Number.NaN])('rejects a maxHistory of %s', (max) => {
    expect(() => trimJobs(history('p1'), max)).toThrow(/maxHistory must be a positive integer/);
  });

  it('never drops what the decisions read, keeps order, and holds the bound when it can', () => {
    const entry = fc.record({
      type: fc.constantFrom<JobType>('provision', 'deprovision'),
      state: fc.constantFrom<JobState>('Pending', 'Running', 'Succeeded', 'Failed', 'Canceled', 'Unknown'),
      unresolved: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 25 }), fc.integer({ min: 1, max: 12 }), (entries, max) => {
        const jobs = entries.map(({ type, state, unresolved }, index) =>
          job(type, state, { jobID: unresolved ? '' : `j${index}`, at: minutesAgo(100 - index) }),
        );
        const kept = trimJobs(jobs, max);
        const protectedJobs = jobs.filter(
          (candidate) =>
            isLaunchIntent(candidate) ||
            candidate === latestJob(jobs, 'provision') ||
            candidate === latestJob(jobs, 'deprovision'),
        );
        for (const must of protectedJobs) expect(kept).toContain(must);
        expect(kept.length).toBeLessThanOrEqual(Math.max(max, protectedJobs.length));
        expect(kept.length).toBe(Math.min(jobs.length, Math.max(max, protectedJobs.length)));
        const positions = kept.map((candidate) => jobs.indexOf(candidate));
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        // What is dropped is always older than every unprotected entry that is kept.
        const dropped = jobs.filter((candidate) => !kept.includes(candidate)).map((c) => jobs.indexOf(c));
        const keptFree = positions.filter((position) => !protectedJobs.includes(jobs[position] as ProvisioningJob));
        if (dropped.length > 0 && keptFree.length > 0) {
          expect(Math.max(...dropped)).toBeLessThan(Math.min(...keptFree));
        }
      }),
    );
  });
});

describe('updateJob', () => {
  const base = [
    job('provision', 'Running', { jobID: '1412', message: 'running', configVersion: 'v1' }),
    job('deprovision', 'Pending', { jobID: '1419', message: 'Deprovision job triggered' }),
  ];

  it.each<[string, string, Parameters<typeof updateJob>[2], boolean, Partial<ProvisioningJob>]>([
    ['a new state and message', '1412', { state: 'Succeeded', message: 'successful' }, true, { state: 'Succeeded' }],
    ['only the message', '1419', { message: 'running' }, true, { state: 'Pending', message: 'running' }],
    ['the same values', '1412', { state: 'Running', message: 'running' }, false, { state: 'Running' }],
    ['undefined members', '1412', { state: undefined, message: undefined }, false, { message: 'running' }],
    ['an empty patch', '1419', {}, false, { state: 'Pending' }],
  ])('%s', (_case, jobID, patch, changed, expected) => {
    const result = updateJob(base, jobID, patch);
    expect(result.changed).toBe(changed);
    expect(result.jobs.find((entry) => entry.jobID === jobID)).toBe(result.job);
    expect(result.job).toMatchObject(expected);
    if (!changed) expect(result.jobs).toBe(base);
    expect(base[0]).toMatchObject({ state: 'Running', message: 'running' });
  });

  it('keeps the job identity and the other entries', () => {
    const { jobs } = updateJob(base, '1412', { state: 'Failed' });
    expect(jobs[0]).toEqual({ ...base[0], state: 'Failed' });
    expect(jobs[1]).toBe(base[1]);
  });

  it.each<[string, string, RegExp]>([
    ['an unknown id', '9999', /job 9999 is not in status.provisioningJobs/],
    ['an empty id', '', /launch intent is updated through resolveIntent/],
  ])('rejects %s', (_case, jobID, message) => {
    expect(() => updateJob(base, jobID, { state: 'Failed' })).toThrow(message);
  });
});

describe('resolveIntent', () => {
  const at = minutesAgo(1);
  const provisionIntent = job('provision', 'Pending', { jobID: '', at, configVersion: 'v1' });
  const deprovisionIntent = job('deprovision', 'Pending', { jobID: '', at, blockDeletionOnFailure: true });

  it.each<[string, ProvisioningJob[], string, JobType | undefined, string[]]>([
    ['gives the intent its AAP id', [provisionIntent], at, undefined, ['p:1500']],
    [
      'finds it by instant, however the timestamp is spelled',
      [provisionIntent],
      at.replace('Z', '+00:00'),
      'provision',
      ['p:1500'],
    ],
    [
      'picks the intent of the type given',
      [provisionIntent, deprovisionIntent],
      at,
      'deprovision',
      ['p:intent', 'd:1500'],
    ],
  ])('%s', (_case, jobs, timestamp, type, expected) => {
    const result = resolveIntent(jobs, timestamp, '1500', type);
    expect(result.changed).toBe(true);
    expect(ids(result.jobs)).toEqual(expected);
    expect(result.job).toMatchObject({ jobID: '1500', timestamp: at });
  });

  it('changes nothing when run again after a lost write', () => {
    const once = resolveIntent([provisionIntent], at, '1500').jobs;
    const twice = resolveIntent(once, at, '1500');
    expect(twice.changed).toBe(false);
    expect(twice.jobs).toBe(once);
    expect(twice.job).toBe(once[0]);
  });

  // The stale-intent recovery asked AAP before the launcher's POST landed and gave the intent up; the launcher then
  // got the job id. The job exists: it must be recorded and followed, never left behind a Failed record.
  it('revives an intent abandoned meanwhile: the job AAP created gets its entry back', () => {
    const abandoned = { ...provisionIntent, state: 'Failed' as const, message: 'launch failed: never reported back' };
    const earlier = job('provision', 'Failed', { jobID: '1400', at: minutesAgo(3), configVersion: 'v1' });
    const result = resolveIntent([earlier, abandoned, deprovisionIntent], at, '1500', 'provision');
    expect(result.changed).toBe(true);
    expect(ids(result.jobs)).toEqual(['p:1400', 'p:1500', 'd:intent']);
    expect(result.job).toEqual({ ...abandoned, jobID: '1500', state: 'Pending' });
    expect(latestJob(result.jobs, 'provision')).toBe(result.job);
    expect(resolveIntent(result.jobs, at, '1500', 'provision')).toMatchObject({ changed: false, job: result.job });
  });

  it.each<[string, ProvisioningJob[], string, string, JobType | undefined, RegExp]>([
    ['no intent at that time', [provisionIntent], minutesAgo(2), '1500', undefined, /no unresolved launch intent of/],
    [
      'an abandoned intent, no type',
      [{ ...provisionIntent, state: 'Failed' }],
      at,
      '1500',
      undefined,
      /no unresolved launch intent of/,
    ],
    [
      'an intent resolved with another job',
      [{ ...provisionIntent, jobID: '1499' }],
      at,
      '1500',
      'provision',
      /no unresolved provision launch intent/,
    ],
    ['no intent of that type', [provisionIntent], at, '1500', 'deprovision', /no unresolved deprovision launch intent/],
    ['two intents, no type', [provisionIntent, deprovisionIntent], at, '1500', undefined, /2 launch intents share/],
    ['an empty job id', [provisionIntent], at, '', undefined, /needs the AAP job id/],
    ['a timestamp that is no date', [provisionIntent], 'soon', '1500', undefined, /intentTimestamp is not an RFC 3339/],
  ])('rejects %s', (_case, jobs, timestamp, jobID, type, message) => {
    expect(() => resolveIntent(jobs, timestamp, jobID, type)).toThrow(message);
  });
});

describe('abandonIntent', () => {
  const at = minutesAgo(1);
  const jobs = [job('provision', 'Pending', { jobID: '', at, configVersion: 'v1' })];

  it('turns the intent into a Failed record that is no intent anymore', () => {
    const result = abandonIntent(jobs, at, 'provision', 'launch failed: 503');
    expect(result.changed).toBe(true);
    expect(result.jobs[0]).toMatchObject({
      jobID: '',
      state: 'Failed',
      message: 'launch failed: 503',
      configVersion: 'v1',
    });
    expect(result.job).toBe(result.jobs[0]);
    expect(isLaunchIntent(result.jobs[0] as ProvisioningJob)).toBe(false);
  });

  it('changes nothing when run again', () => {
    const once = abandonIntent(jobs, at, 'provision', 'launch failed: 503').jobs;
    const twice = abandonIntent(once, at, 'provision', 'launch failed: 503');
    expect(twice.changed).toBe(false);
    expect(twice.jobs).toBe(once);
  });

  // The launcher's failure write and the stale-intent recovery race: whichever comes second finds the intent
  // already settled, and must neither fail nor undo what the first one recorded.
  const abandoned = job('provision', 'Failed', { jobID: '', at, configVersion: 'v1', message: 'launch failed: 503' });
  const resolved = job('provision', 'Running', { jobID: '1500', at, configVersion: 'v1' });
  const newer = job('provision', 'Pending', { jobID: '', at: minutesAgo(0.5), configVersion: 'v2' });
  const filler = (n: number) =>
    Array.from({ length: n }, (_, i) => job('deprovision', 'Failed', { jobID: `d${i}`, at: minutesAgo(0.9) }));
  it.each<[string, ProvisioningJob[], string, JobType]>([
    ['an intent resolved already with the job AAP created', [resolved], at, 'provision'],
    ['an intent abandoned already, with another message', [abandoned], at, 'provision'],
    ['an intent abandoned already, and a newer intent written since', [abandoned, newer], at, 'provision'],
    ['an intent trimmed from the history after it was settled', [...filler(10), newer], at, 'provision'],
    ['no intent of that type at that time', jobs, at, 'deprovision'],
    ['no intent at that time', jobs, minutesAgo(5), 'provision'],
  ])('%s: changes nothing', (_case, history, timestamp, type) => {
    const result = abandonIntent(history, timestamp, type, 'launch failed: never reported back');
    expect(result).toEqual({ jobs: history, changed: false });
    expect(result.jobs).toBe(history);
  });

  it('never touches a newer intent of the same type', () => {
    const result = abandonIntent([abandoned, newer], at, 'provision', 'launch failed: 429');
    expect(result.jobs[1]).toBe(newer);
    expect(isLaunchIntent(result.jobs[1] as ProvisioningJob)).toBe(true);
  });

  it('rejects a timestamp that is no date', () => {
    expect(() => abandonIntent(jobs, 'soon', 'provision', 'x')).toThrow(/intentTimestamp is not an RFC 3339/);
  });
});
