import type { AapJobRef } from '../../lib/aap/schemas';
import type { JobWaiter, TaskTokenStore } from '../../lib/notifications/waiters';

/**
 * The TaskTokenStore contract (lib/notifications/waiters.ts) that arming and the receiver stand on, run against
 * MemoryTaskTokenStore and against DynamoTaskTokenStore on dynalite through the real SDK.
 */
export interface StoreUnderTest {
  store: TaskTokenStore;
  /** The same store over a table that does not exist; undefined where there is no table. */
  missingTable?: TaskTokenStore;
  /** How many list requests the store has sent so far, where it pages (DynamoDB Query). */
  queries?(): number;
  close?(): Promise<void>;
}

const NOW_MS = Date.UTC(2026, 11, 7, 12, 0, 0);
const NOW_S = NOW_MS / 1000;
const EXECUTION = 'arn:aws:states:us-east-1:000000000000:execution:cloudkit-provisioner-local-provision';

let serial = 0;
/** A job no other test uses: the store is shared by the whole suite. */
function freshJob(kind: AapJobRef['kind'] = 'job'): AapJobRef {
  serial += 1;
  return { id: 1000 + serial, kind };
}

function waiter(job: AapJobRef, overrides: Partial<JobWaiter> = {}): JobWaiter {
  return {
    job,
    execution: `${EXECUTION}:run-a`,
    token: `token-${job.kind}-${job.id}-a`,
    armedAt: NOW_MS - 1_000,
    expiresAt: NOW_S + 600,
    ...overrides,
  };
}

const byExecution = (waiters: JobWaiter[]) => [...waiters].sort((a, b) => a.execution.localeCompare(b.execution));

export function describeTokenStoreContract(label: string, setup: () => Promise<StoreUnderTest>): void {
  describe(`TaskTokenStore contract: ${label}`, () => {
    let t: StoreUnderTest;
    beforeAll(async () => {
      t = await setup();
    });
    afterAll(async () => {
      await t?.close?.();
    });

    it('arms a waiter and lists it for its job, as written', async () => {
      const job = freshJob();
      const armed = waiter(job);
      expect(await t.store.arm(armed)).toBe('armed');
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([armed]);
    });

    it('an older arm of the same execution is superseded and changes nothing; a newer one replaces it', async () => {
      const job = freshJob();
      const current = waiter(job, { token: 'token-current', armedAt: NOW_MS });
      expect(await t.store.arm(current)).toBe('armed');
      expect(await t.store.arm(waiter(job, { token: 'token-stale', armedAt: NOW_MS - 5_000 }))).toBe('superseded');
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([current]);

      const newer = waiter(job, { token: 'token-newer', armedAt: NOW_MS + 5_000, expiresAt: NOW_S + 900 });
      expect(await t.store.arm(newer)).toBe('armed');
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([newer]);
    });

    it('a retried arm with the same instant is armed again (idempotent)', async () => {
      const job = freshJob();
      const armed = waiter(job);
      expect(await t.store.arm(armed)).toBe('armed');
      expect(await t.store.arm(armed)).toBe('armed');
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([armed]);
    });

    it('keeps one waiter per execution: several executions wait for one job', async () => {
      const job = freshJob();
      const provision = waiter(job, { execution: `${EXECUTION}:provision-1`, token: 't-provision' });
      const deprovision = waiter(job, { execution: `${EXECUTION}:deprovision-1`, token: 't-deprovision' });
      expect(await t.store.arm(provision)).toBe('armed');
      expect(await t.store.arm(deprovision)).toBe('armed');
      expect(byExecution(await t.store.waitersFor(job, NOW_MS))).toEqual(byExecution([provision, deprovision]));
    });

    it('an expired waiter is not listed, though it may still be stored (TTL deletes lazily)', async () => {
      const job = freshJob();
      const live = waiter(job, { execution: `${EXECUTION}:live`, expiresAt: NOW_S + 1 });
      const expired = waiter(job, { execution: `${EXECUTION}:expired`, expiresAt: NOW_S - 1 });
      const atTheInstant = waiter(job, { execution: `${EXECUTION}:at-now`, expiresAt: NOW_S });
      for (const w of [live, expired, atTheInstant]) expect(await t.store.arm(w)).toBe('armed');
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([live]);
      // A second later, the live one has expired too.
      expect(await t.store.waitersFor(job, NOW_MS + 1_000)).toEqual([]);
    });

    it('disarms only while the waiter still holds that token; a newer arm stays', async () => {
      const job = freshJob();
      const first = waiter(job, { token: 'token-first', armedAt: NOW_MS });
      await t.store.arm(first);
      const second = waiter(job, { token: 'token-second', armedAt: NOW_MS + 1 });
      await t.store.arm(second);

      await t.store.disarm(first);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([second]);
      await t.store.disarm({ ...second, token: 'token-guessed' });
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([second]);
      await t.store.disarm(second);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([]);
      // Disarming what is gone is no error (a duplicate notification).
      await expect(t.store.disarm(second)).resolves.toBeUndefined();
    });

    it('disarming one execution leaves the others of the same job', async () => {
      const job = freshJob();
      const a = waiter(job, { execution: `${EXECUTION}:a`, token: 'ta' });
      const b = waiter(job, { execution: `${EXECUTION}:b`, token: 'tb' });
      await t.store.arm(a);
      await t.store.arm(b);
      await t.store.disarm(a);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([b]);
    });

    it('keeps the kinds apart: job 7 and workflow_job 7 are two jobs', async () => {
      const job: AapJobRef = { id: 7, kind: 'job' };
      const workflow: AapJobRef = { id: 7, kind: 'workflow_job' };
      const onJob = waiter(job, { token: 'token-job-7' });
      const onWorkflow = waiter(workflow, { token: 'token-workflow-7' });
      await t.store.arm(onJob);
      await t.store.arm(onWorkflow);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([onJob]);
      expect(await t.store.waitersFor(workflow, NOW_MS)).toEqual([onWorkflow]);
      // Same execution key and token value on the other kind: disarming one kind leaves the other.
      await t.store.disarm({ job, execution: onWorkflow.execution, token: onWorkflow.token });
      expect(await t.store.waitersFor(workflow, NOW_MS)).toEqual([onWorkflow]);
      await t.store.disarm(onJob);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([]);
      expect(await t.store.waitersFor(workflow, NOW_MS)).toEqual([onWorkflow]);
    });

    it('an unknown job has no waiters', async () => {
      expect(await t.store.waitersFor(freshJob('workflow_job'), NOW_MS)).toEqual([]);
    });

    it('lists every waiter of a job across pages (more than 1 MB of waiters)', async () => {
      const job = freshJob();
      // Step Functions task tokens run to ~1 KB and more; 12 KB tokens make 100 waiters over one 1 MB query page.
      const bigToken = (n: number) => `${String(n).padStart(4, '0')}${'x'.repeat(12 * 1024)}`;
      const armed = Array.from({ length: 100 }, (_, n) =>
        waiter(job, { execution: `${EXECUTION}:page-${String(n).padStart(3, '0')}`, token: bigToken(n) }),
      );
      for (const w of armed) expect(await t.store.arm(w)).toBe('armed');
      const before = t.queries?.();
      const listed = await t.store.waitersFor(job, NOW_MS);
      // Where the store pages, this took more than one page.
      if (before !== undefined) expect((t.queries?.() ?? 0) - before).toBeGreaterThan(1);
      expect(listed).toHaveLength(armed.length);
      expect(byExecution(listed)).toEqual(byExecution(armed));
    }, 60_000);

    it('refuses a malformed waiter before writing anything', async () => {
      const job = freshJob();
      await expect(t.store.arm(waiter(job, { token: '' }))).rejects.toThrow(/token/);
      await expect(t.store.arm(waiter(job, { execution: '' }))).rejects.toThrow(/execution/);
      await expect(t.store.arm(waiter(job, { expiresAt: 0 }))).rejects.toThrow(/expiresAt/);
      expect(await t.store.waitersFor(job, NOW_MS)).toEqual([]);
    });

    it('a missing table is a clear error naming it, on every operation', async () => {
      if (t.missingTable === undefined) return;
      const job = freshJob();
      const missing = t.missingTable;
      for (const attempt of [
        () => missing.arm(waiter(job)),
        () => missing.waitersFor(job, NOW_MS),
        () => missing.disarm(waiter(job)),
      ]) {
        await expect(attempt()).rejects.toMatchObject({
          name: 'JobWaitersTableMissing',
          message: expect.stringMatching(/no-such-table does not exist: check JOB_WAITERS_TABLE/),
        });
      }
    });
  });
}
