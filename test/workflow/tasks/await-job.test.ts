import { WAITER_EXPIRY_MARGIN_SECONDS } from '../../../lib/notifications/arming';
import type { TaskTokenStore } from '../../../lib/notifications/waiters';
import { SendTaskSuccessFailed } from '../../../lib/sfn/task-tokens';
import { launch } from '../../../lib/workflow/tasks';
import { awaitJobEnd, ENDED_BEFORE_ARMING_OUTPUT, WaiterNotArmed } from '../../../lib/workflow/tasks/await-job';
import type { AwaitJobInput, JobRef } from '../../../lib/workflow/wire';
import { clientFor } from '../../aap/client/harness';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { aapFixture } from '../../support/aap-fixtures';
import { type Harness, harness, PROVISION } from './support';

const EXECUTION = 'arn:aws:states:eu-west-1:123456789012:execution:provision:vm-1-g1-abc';
const TOKEN = 'AQCEAAAAKgAAAAMAAAAAAAAAAdistinctive-task-token-7f3a9c';

async function launchedJob(h: Harness): Promise<JobRef> {
  const ref = h.create('vm-1');
  return (await launch(h.ctx, { ref, type: 'provision', execution: 'e' })).job;
}

function input(job: JobRef, overrides: Partial<AwaitJobInput> = {}): AwaitJobInput {
  return { job, token: TOKEN, execution: EXECUTION, waitSeconds: 60, ...overrides };
}

describe('awaitJobEnd', () => {
  it('a running job: the token is stored under the job until the wait and its margin are over, nothing resumed', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.taskTokens.issue(TOKEN);
    await expect(awaitJobEnd(h.ctx, input(job, { waitSeconds: 90 }))).resolves.toEqual({ outcome: 'waiting' });
    expect(h.waiters.all()).toEqual([
      {
        job: { id: job.id, kind: 'job' },
        execution: EXECUTION,
        token: TOKEN,
        armedAt: h.now().getTime(),
        expiresAt: h.now().getTime() / 1000 + 90 + WAITER_EXPIRY_MARGIN_SECONDS,
      },
    ]);
    expect(h.taskTokens.resumed).toEqual([]);
    expect(h.taskTokens.isWaiting(TOKEN)).toBe(true);
    expect(h.metric('JobWaitsArmed')).toBe(1);
  });

  it.each([['successful'], ['failed'], ['error'], ['canceled']])(
    'a job already %s when armed: its own task resumed once, the waiter removed',
    async (status) => {
      const h = harness();
      const job = await launchedJob(h);
      h.aap.setStatus(job.id, status);
      h.taskTokens.issue(TOKEN);
      await expect(awaitJobEnd(h.ctx, input(job))).resolves.toEqual({ outcome: 'resumed' });
      expect(h.taskTokens.resumed).toEqual([{ token: TOKEN, output: ENDED_BEFORE_ARMING_OUTPUT }]);
      expect(h.waiters.all()).toEqual([]);
      expect(h.metric('JobEndedBeforeArming')).toBe(1);
    },
  );

  it('a purged job (AAP no longer knows it) ends the wait at once too', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.aap.purge(job.id);
    h.taskTokens.issue(TOKEN);
    await expect(awaitJobEnd(h.ctx, input(job))).resolves.toEqual({ outcome: 'resumed' });
    expect(h.taskTokens.resumed).toHaveLength(1);
    expect(h.waiters.all()).toEqual([]);
  });

  it('a token already ended (by the notification, in between) is gone: no error, the waiter removed', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.aap.setStatus(job.id, 'successful');
    await expect(awaitJobEnd(h.ctx, input(job))).resolves.toEqual({ outcome: 'resumed' });
    expect(h.taskTokens.resumed).toEqual([]);
    expect(h.waiters.all()).toEqual([]);
  });

  it('a workflow job is read from workflow_jobs: running waits, ended resumes', async () => {
    const h = harness({
      templates: [{ name: PROVISION, type: 'workflow_job_template' }, { name: 'osac-delete-compute-instance' }],
    });
    const job = await launchedJob(h);
    expect(job.kind).toBe('workflow_job');
    h.taskTokens.issue(TOKEN);
    // Read as a plain job, MemoryAap would answer 404 (purged) and the wait would end at once.
    await expect(awaitJobEnd(h.ctx, input(job))).resolves.toEqual({ outcome: 'waiting' });
    expect(h.waiters.all().map((w) => w.job)).toEqual([{ id: job.id, kind: 'workflow_job' }]);
    h.aap.setStatus(job.id, 'successful');
    await expect(awaitJobEnd(h.ctx, input(job, { token: 'second-token' }))).resolves.toEqual({ outcome: 'resumed' });
  });

  it('a workflow job goes to AAP as GET …/workflow_jobs/<id>/ through the real client', async () => {
    const server = await AapFixtureServer.start();
    try {
      server.on('GET', '/api/controller/v2/workflow_jobs/1240/', {
        status: 200,
        body: aapFixture('workflow_job_running.json', '/api/controller'),
      });
      const h = harness();
      const { client } = clientFor(server, { prefix: '/api/controller' });
      const ctx = { ...h.ctx, aap: client };
      const job: JobRef = { id: 1240, kind: 'workflow_job', type: 'provision' };
      await expect(awaitJobEnd(ctx, input(job))).resolves.toEqual({ outcome: 'waiting' });
      expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /api/controller/v2/workflow_jobs/1240/',
      ]);
      expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
    } finally {
      await server.close();
    }
  });

  it('a late, older arming of the same execution is superseded: nothing overwritten, nothing resumed', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.aap.setStatus(job.id, 'successful');
    await h.waiters.arm({
      job: { id: job.id, kind: 'job' },
      execution: EXECUTION,
      token: 'newer-token',
      armedAt: h.now().getTime() + 5_000,
      expiresAt: h.now().getTime() / 1000 + 600,
    });
    await expect(awaitJobEnd(h.ctx, input(job))).resolves.toEqual({ outcome: 'superseded' });
    expect(h.waiters.all().map((w) => w.token)).toEqual(['newer-token']);
    expect(h.taskTokens.resumed).toEqual([]);
  });

  it('the store failing is an error (the state machine falls back to a plain Wait), naming the cause only', async () => {
    const h = harness();
    const job = await launchedJob(h);
    const failing: TaskTokenStore = {
      arm: async () => {
        throw Object.assign(new Error(`One or more parameter values were invalid: token ${TOKEN}`), {
          name: 'ValidationException',
        });
      },
      waitersFor: async () => [],
      disarm: async () => undefined,
    };
    const failure = awaitJobEnd({ ...h.ctx, waiters: failing }, input(job));
    await expect(failure).rejects.toBeInstanceOf(WaiterNotArmed);
    const error = await awaitJobEnd({ ...h.ctx, waiters: failing }, input(job)).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'WaiterNotArmed', reason: 'ValidationException' });
    expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain(TOKEN);
    expect(h.taskTokens.resumed).toEqual([]);
  });

  it('AAP unreadable after arming: keeps waiting (the notification or the timeout ends it), says why', async () => {
    const h = harness();
    const job = await launchedJob(h);
    const warnings: Array<{ message: string; attributes: unknown[] }> = [];
    const aap = Object.create(h.aap) as typeof h.aap;
    aap.getJob = async () => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'Transient' });
    };
    const logger = {
      ...h.ctx.logger,
      warn: (message: string, ...attributes: unknown[]) => warnings.push({ message, attributes }),
    };
    await expect(awaitJobEnd({ ...h.ctx, aap, logger }, input(job))).resolves.toEqual({ outcome: 'waiting' });
    expect(h.waiters.all()).toHaveLength(1);
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings)).not.toContain(TOKEN);
  });

  it('SendTaskSuccess failing for an ended job is an error (a plain Wait follows), with no token in it', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.aap.setStatus(job.id, 'successful');
    h.taskTokens.failWith = new SendTaskSuccessFailed('ServiceUnavailable');
    const error = await awaitJobEnd(h.ctx, input(job)).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'SendTaskSuccessFailed' });
    expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain(TOKEN);
  });

  it('an error it passes on that quotes the token has the token taken out', async () => {
    const h = harness();
    const job = await launchedJob(h);
    h.aap.setStatus(job.id, 'successful');
    h.taskTokens.failWith = Object.assign(new Error(`Invalid token ${TOKEN}`), { name: 'SfnCallOutOfTime' });
    const error = await awaitJobEnd(h.ctx, input(job)).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'SfnCallOutOfTime', message: 'Invalid token <task token>' });
    expect((error as Error).stack).not.toContain(TOKEN);
  });
});
