import { type AapJob, JOBS_BATCH_SIZE } from '../../lib/aap';
import { observeJobs } from '../../lib/reconcile/job-checks';
import type { Logger } from '../../lib/runtime/logger';

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

function job(id: number, state: AapJob['state'] = 'Running', terminal = false): AapJob {
  return { id, state, terminal } as AapJob;
}

/** AAP holding `jobs`; batches whose first id is in `failing` are refused. Records the batches asked. */
function fakeAap(jobs: AapJob[], failing: number[] = []) {
  const asked: number[][] = [];
  const byId = new Map(jobs.map((j) => [j.id, j]));
  return {
    asked,
    getJobs: async (ids: readonly number[]) => {
      asked.push([...ids]);
      if (failing.includes(ids[0] as number)) throw Object.assign(new Error('503 from AAP'), { name: 'Transient' });
      return new Map(ids.flatMap((id) => (byId.has(id) ? [[id, byId.get(id) as AapJob] as const] : [])));
    },
  };
}

function recordingLogger() {
  const errors: Array<{ message: string; attributes: Record<string, unknown> }> = [];
  const logger: Logger = {
    debug() {},
    info() {},
    warn() {},
    error: (message, ...attributes) => errors.push({ message, attributes: Object.assign({}, ...attributes) }),
  };
  return { logger, errors };
}

describe('observeJobs', () => {
  it.each<[string, number[], number[], number]>([
    ['no jobs: no request', [], [], 0],
    ['one job', [7], [7], 1],
    ['the same job twice: asked once', [7, 7, 8], [7, 8], 1],
    ['a full batch', range(1, JOBS_BATCH_SIZE), range(1, JOBS_BATCH_SIZE), 1],
    ['one more than a batch', range(1, JOBS_BATCH_SIZE + 1), range(1, JOBS_BATCH_SIZE + 1), 2],
  ])('%s', async (_label, ids, expectedAsked, expectedRequests) => {
    const aap = fakeAap(ids.map((id) => job(id)));
    const { logger, errors } = recordingLogger();
    const { observed, requests } = await observeJobs(ids, aap, 2, logger);
    expect(requests).toBe(expectedRequests);
    expect(aap.asked).toHaveLength(expectedRequests);
    expect(aap.asked.every((batch) => batch.length <= JOBS_BATCH_SIZE)).toBe(true);
    expect(aap.asked.flat().sort((a, b) => a - b)).toEqual(expectedAsked);
    expect([...observed.keys()].sort((a, b) => a - b)).toEqual(expectedAsked);
    expect(errors).toEqual([]);
  });

  it('says what each job is, and purged for one AAP no longer has', async () => {
    const aap = fakeAap([job(1, 'Running'), job(2, 'Succeeded', true)]);
    const { observed } = await observeJobs([1, 2, 3], aap, 1, recordingLogger().logger);
    expect(observed).toEqual(
      new Map<number, unknown>([
        [1, { state: 'Running', terminal: false }],
        [2, { state: 'Succeeded', terminal: true }],
        [3, 'purged'],
      ]),
    );
  });

  it('leaves the jobs of a batch AAP refused unobserved, logs it, and still reads the other batches', async () => {
    const ids = range(1, JOBS_BATCH_SIZE + 3);
    const aap = fakeAap(
      ids.map((id) => job(id)),
      [1],
    );
    const { logger, errors } = recordingLogger();
    const { observed, requests } = await observeJobs(ids, aap, 2, logger);
    expect(requests).toBe(2);
    expect([...observed.keys()].sort((a, b) => a - b)).toEqual(range(JOBS_BATCH_SIZE + 1, 3));
    expect(errors).toEqual([
      {
        message: 'AAP jobs could not be read; their instances are looked at again next run',
        attributes: { jobs: JOBS_BATCH_SIZE, error: 'Transient: 503 from AAP' },
      },
    ]);
  });
});
