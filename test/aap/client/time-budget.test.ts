import { withDeadline } from '../../../lib/runtime/deadline';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { aapFixture } from '../../support/aap-fixtures';
import { caught, clientFor } from './harness';

/**
 * The client inside a Lambda invocation's time budget (lib/runtime/deadline.ts): with the production defaults
 * (30 s per attempt, 4 retries, Retry-After up to 30 s) a slow AAP could hold a call for minutes; inside a budget
 * every attempt is cut to what is left, and no retry starts that could not finish.
 */
let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

const JOB = '/api/v2/jobs/1234/';
const ok = () => ({ status: 200, body: aapFixture('job_detail_running.json') });
const PRODUCTION_LIKE = { timeoutMs: 30_000, maxRetries: 4, maxRetryAfterMs: 30_000 };

describe('an AAP call inside an invocation budget', () => {
  it('gives up on a reply slower than the function timeout (31 s) as Transient TIMEOUT, inside the budget', async () => {
    server.on('GET', JOB, { status: 0, behaviour: 'hang' });
    const { client } = clientFor(server, PRODUCTION_LIKE);
    const started = Date.now();

    const error = await caught(() => withDeadline(started + 800, () => client.getJob({ id: 1234, kind: 'job' })));

    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ name: 'Transient', code: 'TIMEOUT', launchOutcomeUnknown: false });
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1_500);
    // The attempt got the 0.8 s left, not its 30 s, and no retry was started with less than MIN_ATTEMPT_MS left.
    expect(server.requests).toHaveLength(1);
  });

  it('retries while the budget allows, each attempt capped by its own timeout', async () => {
    server.on('GET', JOB, { status: 0, behaviour: 'hang' }, ok());
    const { client } = clientFor(server, { ...PRODUCTION_LIKE, timeoutMs: 200 });

    const job = await withDeadline(Date.now() + 5_000, () => client.getJob({ id: 1234, kind: 'job' }));

    expect(job).toMatchObject({ id: 1234 });
    expect(server.requests).toHaveLength(2);
  });

  it('does not wait out a Retry-After that would end past the budget: the caller gets the answer now', async () => {
    server.on('GET', JOB, { status: 503, headers: { 'Retry-After': '30' } }, ok());
    const { client, sleeps } = clientFor(server, PRODUCTION_LIKE);

    const error = await caught(() => withDeadline(Date.now() + 5_000, () => client.getJob({ id: 1234, kind: 'job' })));

    expect(error).toMatchObject({ name: 'Transient' });
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('waits a Retry-After that fits', async () => {
    server.on('GET', JOB, { status: 429, headers: { 'Retry-After': '2' } }, ok());
    const { client, sleeps } = clientFor(server, PRODUCTION_LIKE);

    await withDeadline(Date.now() + 5_000, () => client.getJob({ id: 1234, kind: 'job' }));

    expect(sleeps).toEqual([2_000]);
  });

  it('sends nothing once the budget is spent, so even a launch certainly did not happen', async () => {
    const { client } = clientFor(server, PRODUCTION_LIKE);

    const error = await caught(() => withDeadline(Date.now() + 100, () => client.getJob({ id: 1234, kind: 'job' })));

    expect(error).toMatchObject({ name: 'Transient', code: 'TIMEOUT', attempts: 0, launchOutcomeUnknown: false });
    expect(error.message).toMatch(/no time left/);
    expect(server.requests).toHaveLength(0);
  });
});
