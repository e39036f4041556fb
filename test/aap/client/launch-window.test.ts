import { candidateQuery, isCandidate, parseFindLaunchedJobsInput } from '../../../lib/aap/launched-jobs';

const template = { id: 7, type: 'job_template' as const, name: 'osac-create-compute-instance' };
const since = new Date('2026-03-20T10:00:00Z');
const until = new Date('2026-03-20T10:03:00Z');

describe('a launch search bounded by the launch window', () => {
  it('asks AAP for jobs created in [since, until)', () => {
    expect(candidateQuery(template, since, 200, until)).toMatchObject({
      job_template: 7,
      created__gte: '2026-03-20T10:00:00.000Z',
      created__lt: '2026-03-20T10:03:00.000Z',
    });
    expect(candidateQuery(template, since, 200)).not.toHaveProperty('created__lt');
  });

  it.each([
    ['inside the window', '2026-03-20T10:01:00Z', true],
    ['at its start', '2026-03-20T10:00:00Z', true],
    ['at its end (exclusive)', '2026-03-20T10:03:00Z', false],
    ['after it', '2026-03-20T11:00:00Z', false],
    ['before it', '2026-03-20T09:59:59Z', false],
  ])('keeps a job created %s: %p', (_label, created, expected) => {
    expect(isCandidate({ id: 1, job_template: 7, created } as never, template, since, until)).toBe(expected);
  });

  it('refuses a window that ends before it starts, naming the field', () => {
    expect(() =>
      parseFindLaunchedJobsInput({
        templateName: 'x',
        since,
        until: new Date('2026-03-20T09:00:00Z'),
        payloadUid: 'u',
      }),
    ).toThrow(/until/);
  });
});
