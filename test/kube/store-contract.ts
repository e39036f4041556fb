import type { ComputeInstance } from '../../lib/computeinstance';
import type { ComputeInstanceRef, ComputeInstanceStore } from '../../lib/k8s';

/**
 * The ComputeInstance store contract the workflows rely on, as one suite that runs against every implementation:
 * the API-server store on the kube simulator and the in-memory store the task unit tests use. If the two ever
 * disagree, one of these cases fails for one of them.
 */
export interface StoreUnderTest {
  store: ComputeInstanceStore;
  namespace: string;
  /** Creates the object outside the store (as a user would) and returns it as stored. */
  create(name: string): Promise<ComputeInstance>;
  /** A user's DELETE. */
  remove(name: string): Promise<void>;
  /** Another writer changes the object (a label) right before each of the store's next `times` writes lands. */
  interfere(name: string, times: number): void;
  /** Status fields another controller owns, written outside the store. */
  writeForeignStatus(name: string, status: Record<string, unknown>): Promise<void>;
  close?(): Promise<void>;
}

const OURS = 'osac.openshift.io/computeinstance';
const OTHER = 'example.com/other-controller';

function job(jobID: string) {
  return {
    jobID,
    type: 'provision' as const,
    timestamp: '2026-03-20T09:58:02Z',
    state: 'Pending' as const,
    message: 'Provisioning job triggered',
  };
}

const recordJob = (jobID: string) => (current: ComputeInstance) => {
  const jobs = current.status?.provisioningJobs ?? [];
  return jobs.some((j) => j.jobID === jobID) ? undefined : { provisioningJobs: [...jobs, job(jobID)] };
};

export function describeStoreContract(label: string, setup: () => StoreUnderTest | Promise<StoreUnderTest>): void {
  describe(`ComputeInstance store contract: ${label}`, () => {
    let t: StoreUnderTest;
    let counter = 0;
    const unique = (prefix: string) => `contract-${prefix}-${++counter}`;
    const ref = (name: string, uid?: string): ComputeInstanceRef => ({
      namespace: t.namespace,
      name,
      ...(uid === undefined ? {} : { uid }),
    });

    beforeAll(async () => {
      t = await setup();
    });
    afterAll(async () => {
      await t?.close?.();
    });

    it('get: the object; undefined when missing or when the uid is another', async () => {
      const name = unique('get');
      const created = await t.create(name);
      expect((await t.store.get(ref(name, created.metadata.uid)))?.metadata.name).toBe(name);
      expect(await t.store.get(ref(name, 'another-uid'))).toBeUndefined();
      expect(await t.store.get(ref(unique('missing')))).toBeUndefined();
    });

    it.each([
      ['a patch', () => ({ phase: 'Starting' as const }), true],
      ['nothing (undefined)', () => undefined, false],
      ['what is already there', (c: ComputeInstance) => ({ phase: c.status?.phase ?? 'Starting' }), undefined],
    ])('updateStatus writing %s reports changed only for a real change', async (_l, mutate, expected) => {
      const name = unique('status');
      const created = await t.create(name);
      if (expected === undefined) await t.store.updateStatus(ref(name), () => ({ phase: 'Starting' }));
      const before = await t.store.get(ref(name));
      const result = await t.store.updateStatus(ref(name), mutate);
      expect(result.changed).toBe(expected ?? false);
      if (result.changed) {
        expect(result.instance.status?.phase).toBe('Starting');
        expect(result.instance.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
      } else {
        expect(result.instance.metadata.resourceVersion).toBe(before?.metadata.resourceVersion);
      }
    });

    it('updateStatus keeps status fields other controllers own', async () => {
      const name = unique('foreign');
      await t.create(name);
      await t.writeForeignStatus(name, { ipAddress: '10.0.0.7' });
      const { instance } = await t.store.updateStatus(ref(name), recordJob('7'));
      expect(instance.status).toMatchObject({ ipAddress: '10.0.0.7', provisioningJobs: [{ jobID: '7' }] });
    });

    it('updateStatus refuses a patch of fields we do not own: Invalid, nothing written', async () => {
      const name = unique('owned');
      const created = await t.create(name);
      const foreign = () => ({ ipAddress: '10.0.0.9' }) as never;
      await expect(t.store.updateStatus(ref(name), foreign)).rejects.toMatchObject({ name: 'Invalid' });
      expect((await t.store.get(ref(name)))?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('updateStatus of a missing or recreated object is InstanceGone', async () => {
      await expect(t.store.updateStatus(ref(unique('none')), recordJob('1'))).rejects.toMatchObject({
        name: 'InstanceGone',
      });
      const name = unique('recreated');
      await t.create(name);
      await expect(t.store.updateStatus(ref(name, 'uid-of-an-older-object'), recordJob('1'))).rejects.toMatchObject({
        name: 'InstanceGone',
      });
    });

    it('a write decided on a stale version is decided again on the fresh object (409), never lost', async () => {
      const name = unique('conflict');
      await t.create(name);
      t.interfere(name, 2);
      const seen: string[] = [];
      const result = await t.store.updateStatus(ref(name), (current) => {
        seen.push(current.metadata.resourceVersion as string);
        return recordJob('42')(current);
      });
      expect(result.changed).toBe(true);
      expect(new Set(seen).size).toBe(3);
      expect(result.instance.metadata.labels).toMatchObject({ 'contract.test/interfered': expect.any(String) });
    });

    it('Conflict once the attempts are spent', async () => {
      const name = unique('spent');
      await t.create(name);
      t.interfere(name, 5);
      await expect(t.store.updateStatus(ref(name), recordJob('1'), { maxAttempts: 2 })).rejects.toMatchObject({
        name: 'Conflict',
      });
      t.interfere(name, 0);
    });

    it('concurrent writers all land: no record is lost to another writer', async () => {
      const name = unique('race');
      await t.create(name);
      const ids = ['1', '2', '3', '4', '5', '6'];
      await Promise.all(ids.map((id) => t.store.updateStatus(ref(name), recordJob(id), { maxAttempts: 20 })));
      const stored = (await t.store.get(ref(name)))?.status?.provisioningJobs?.map((j) => j.jobID) ?? [];
      expect([...stored].sort()).toEqual(ids);
    });

    it('addFinalizer adds ours once, keeps others, and is refused (Deleting) once deletion began', async () => {
      const name = unique('fin');
      await t.create(name);
      expect((await t.store.addFinalizer(ref(name), OTHER)).changed).toBe(true);
      expect((await t.store.addFinalizer(ref(name), OURS)).changed).toBe(true);
      const again = await t.store.addFinalizer(ref(name), OURS);
      expect(again.changed).toBe(false);
      expect(again.instance.metadata.finalizers).toEqual([OTHER, OURS]);
      await t.store.removeFinalizer(ref(name), OURS);
      await t.remove(name);
      await expect(t.store.addFinalizer(ref(name), OURS)).rejects.toMatchObject({ name: 'Deleting' });
    });

    it('removeFinalizer removes only ours; the last one gone ends a deletion; gone is done', async () => {
      const name = unique('unfin');
      await t.create(name);
      await t.store.addFinalizer(ref(name), OTHER);
      await t.store.addFinalizer(ref(name), OURS);
      const removed = await t.store.removeFinalizer(ref(name), OURS);
      expect(removed.changed).toBe(true);
      expect(removed.instance?.metadata.finalizers).toEqual([OTHER]);
      expect((await t.store.removeFinalizer(ref(name), OURS)).changed).toBe(false);
      await t.remove(name);
      expect((await t.store.get(ref(name)))?.metadata.deletionTimestamp).toBeDefined();
      expect((await t.store.removeFinalizer(ref(name), OTHER)).changed).toBe(true);
      expect(await t.store.get(ref(name))).toBeUndefined();
      expect(await t.store.removeFinalizer(ref(name), OURS)).toEqual({ instance: undefined, changed: false });
    });

    it('setUnprocessable sets the condition once, then clears it', async () => {
      const name = unique('unproc');
      await t.create(name);
      const now = new Date('2026-03-20T10:00:00Z');
      expect(await t.store.setUnprocessable(ref(name), 'spec.cores: too many', now)).toBe(true);
      expect(await t.store.setUnprocessable(ref(name), 'spec.cores: too many', now)).toBe(false);
      const conditions = (await t.store.get(ref(name)))?.status?.conditions ?? [];
      expect(conditions).toContainEqual(
        expect.objectContaining({ type: 'Unprocessable', status: 'True', message: expect.stringContaining('cores') }),
      );
      expect(await t.store.setUnprocessable(ref(name), undefined, now)).toBe(true);
    });

    it('list pages through the namespace with continue tokens', async () => {
      const names = [unique('list'), unique('list'), unique('list')];
      for (const name of names) await t.create(name);
      const seen: string[] = [];
      let continueToken: string | undefined;
      do {
        const page = await t.store.list({
          namespace: t.namespace,
          limit: 2,
          ...(continueToken ? { continueToken } : {}),
        });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((i) => i.metadata.name));
        continueToken = page.continueToken;
      } while (continueToken);
      expect(seen).toEqual(expect.arrayContaining(names));
    });
  });
}
