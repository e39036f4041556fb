import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { createComputeInstanceStore } from '../../../lib/k8s';
import { type KubeSimulator, PROJECT_CRD_PATH, startKubeSimulator } from '../../../local/kube-simulator';
import {
  clusterFor,
  create,
  manifest,
  NAMESPACE,
  objectPath,
  type RawKube,
  rawKube,
  read,
  SIM_TOKEN,
} from './support/kube';

/**
 * An object the API server accepts but our schema refuses: the cluster runs a newer CRD, whose runStrategy enum
 * has a value we do not know. The store lists it apart (ListPage.invalid) and can say so on the object.
 */

let sim: KubeSimulator;
let raw: RawKube;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ckp-newer-crd-'));
  const crd = parse(readFileSync(PROJECT_CRD_PATH, 'utf8'));
  crd.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.runStrategy.enum.push('RerunOnFailure');
  const crdPath = path.join(dir, 'newer-crd.yaml');
  writeFileSync(crdPath, stringify(crd));
  sim = await startKubeSimulator({ port: 0, token: SIM_TOKEN, crdPaths: [crdPath], namespaces: [NAMESPACE] });
  raw = rawKube(sim.url);
});

afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const conditionsOf = async (name: string) =>
  ((await read(raw, NAMESPACE, name))?.status?.conditions ?? []).filter((c) => c.type === 'Unprocessable');

describe('an object our schema refuses', () => {
  it('is listed apart, naming the field, and gets an Unprocessable condition, cleared once readable', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    const object = manifest('vm-newer');
    const created = await create(raw, { ...object, spec: { ...object.spec, runStrategy: 'RerunOnFailure' } });
    await create(raw, manifest('vm-fine'));

    const page = await store.list({ namespace: NAMESPACE, limit: 10 });
    expect(page.items.map((item) => item.metadata.name)).toEqual(['vm-fine']);
    expect(page.invalid).toEqual([
      {
        namespace: NAMESPACE,
        name: 'vm-newer',
        uid: created.metadata.uid,
        message: expect.stringContaining('invalid ComputeInstance osac-computeinstance/vm-newer'),
        problem: expect.stringMatching(/^spec\.runStrategy: /),
      },
    ]);
    const problem = page.invalid[0]?.problem as string;

    const ref = { namespace: NAMESPACE, name: 'vm-newer', uid: created.metadata.uid };
    const now = new Date('2026-12-07T10:00:00Z');
    expect(await store.setUnprocessable(ref, problem, now)).toBe(true);
    expect(await conditionsOf('vm-newer')).toEqual([
      {
        type: 'Unprocessable',
        status: 'True',
        reason: 'SchemaRejected',
        message: expect.stringContaining(problem),
        lastTransitionTime: '2026-12-07T10:00:00Z',
      },
    ]);
    // A later run over the still-broken object writes nothing.
    expect(await store.setUnprocessable(ref, problem, new Date('2026-12-07T10:05:00Z'))).toBe(false);

    // Fixed by its owner: readable again, and the condition says so.
    const fixed = await raw(
      'PATCH',
      objectPath(NAMESPACE, 'vm-newer'),
      { spec: { runStrategy: 'Always' } },
      'application/merge-patch+json',
    );
    expect(fixed.status).toBe(200);
    expect((await store.list({ namespace: NAMESPACE, limit: 10 })).invalid).toEqual([]);
    expect(await store.setUnprocessable(ref, undefined, new Date('2026-12-07T11:00:00Z'))).toBe(true);
    expect(await conditionsOf('vm-newer')).toEqual([
      expect.objectContaining({ status: 'False', reason: 'Readable', lastTransitionTime: '2026-12-07T11:00:00Z' }),
    ]);
    expect(await store.setUnprocessable(ref, undefined, new Date('2026-12-07T11:05:00Z'))).toBe(false);
  });

  it('a condition for an object recreated under another uid is not written', async () => {
    const store = createComputeInstanceStore(clusterFor(sim.url));
    await create(raw, manifest('vm-recreated'));
    await expect(
      store.setUnprocessable({ namespace: NAMESPACE, name: 'vm-recreated', uid: 'an-older-uid' }, 'x', new Date()),
    ).rejects.toMatchObject({ name: 'InstanceGone' });
  });
});
