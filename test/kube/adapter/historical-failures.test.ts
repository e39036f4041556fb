import type { ComputeInstance } from '../../../lib/computeinstance';
import { createComputeInstanceStore } from '../../../lib/k8s';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { clientSideApplyPatch, LAST_APPLIED_ANNOTATION } from './support/client-side-apply';
import { type Interposer, startInterposer } from './support/interposer';
import {
  AAP_FINALIZER,
  clusterFor,
  create,
  jobIdsOf,
  launchedJob,
  manifest,
  NAMESPACE,
  OUR_FINALIZER,
  objectPath,
  type RawKube,
  rawKube,
  read,
  recordJob,
  startSimulator,
} from './support/kube';

/**
 * The three failures of the system this replaces (computeinstance-domain.md §4.6, §8 items 2–4, 20, 31, 34), each
 * reproduced against the API-server simulator the way it happened, next to the store doing the same job safely.
 */

let sim: KubeSimulator;
let raw: RawKube;
let interposer: Interposer;

beforeAll(async () => {
  sim = await startSimulator();
  raw = rawKube(sim.url);
  interposer = await startInterposer(sim.url);
});

afterAll(async () => {
  await interposer.close();
  await sim.close();
});

afterEach(() => {
  interposer.setBefore(undefined);
});

/** Runs `write` (another writer) just before the store's first write of `name` reaches the server. */
function beforeFirstWriteOf(name: string, write: () => Promise<void>): void {
  interposer.setBefore(async (request) => {
    if (request.method === 'GET' || !request.path.includes(`/computeinstances/${name}`)) return;
    interposer.setBefore(undefined);
    await write();
  });
}

function patchesOf(name: string) {
  return interposer.exchanges.filter((exchange) => exchange.method === 'PATCH' && exchange.path.includes(`/${name}`));
}

describe('1. finalizer removal by client-side apply: "spec: Required value" (§4.6, §8.34)', () => {
  it('the apply of a metadata-only manifest is refused, while removeFinalizer removes ours and deletion completes', async () => {
    const name = 'applied-with-kubectl';
    // Created with `kubectl apply`: the last-applied annotation holds the manifest, spec included.
    const applied = manifest(name);
    await create(raw, {
      ...applied,
      metadata: {
        ...applied.metadata,
        finalizers: [OUR_FINALIZER, AAP_FINALIZER],
        annotations: { ...applied.metadata.annotations, [LAST_APPLIED_ANNOTATION]: JSON.stringify(applied) },
      },
    });
    expect((await raw('DELETE', objectPath(NAMESPACE, name))).status).toBe(200);
    const live = await read(raw, NAMESPACE, name);
    expect(live?.metadata.deletionTimestamp).toBeDefined();

    // The osac `finalizer` role: kubernetes.core.k8s apply: true, metadata only, finalizers = existing - {aap}.
    const roleManifest = {
      apiVersion: 'osac.openshift.io/v1alpha1',
      kind: 'ComputeInstance',
      metadata: { name, namespace: NAMESPACE, finalizers: [OUR_FINALIZER] },
    };
    const applyPatch = clientSideApplyPatch(roleManifest, live as never);
    expect(applyPatch).toMatchObject({ spec: null, metadata: { finalizers: [OUR_FINALIZER] } });
    const refused = await raw('PATCH', objectPath(NAMESPACE, name), applyPatch, 'application/merge-patch+json');
    expect(refused.status).toBe(422);
    expect(String(refused.body.message)).toContain('spec: Required value');
    expect((await read(raw, NAMESPACE, name))?.metadata.finalizers).toEqual([OUR_FINALIZER, AAP_FINALIZER]);

    // The same removal through the store: one JSON patch naming the entry; spec is never part of it.
    const store = createComputeInstanceStore(clusterFor(interposer.url));
    const aapRemoved = await store.removeFinalizer({ namespace: NAMESPACE, name }, AAP_FINALIZER);
    expect(aapRemoved.changed).toBe(true);
    expect(aapRemoved.instance?.metadata.finalizers).toEqual([OUR_FINALIZER]);
    expect(aapRemoved.instance?.spec).toEqual(applied.spec);

    // Ours was the last one holding the deleted object: removing it lets the deletion complete.
    const oursRemoved = await store.removeFinalizer({ namespace: NAMESPACE, name }, OUR_FINALIZER);
    expect(oursRemoved.changed).toBe(true);
    expect(await read(raw, NAMESPACE, name)).toBeUndefined();
    expect(await store.get({ namespace: NAMESPACE, name })).toBeUndefined();

    for (const patch of patchesOf(name)) {
      expect(patch.contentType).toBe('application/json-patch+json');
      expect(JSON.stringify(patch.body)).not.toContain('spec');
    }
    const methods = interposer.exchanges.filter((exchange) => exchange.path.includes(`/${name}`)).map((e) => e.method);
    expect(methods).not.toContain('PUT');
  });
});

describe('2. status lost to a stale in-memory copy (§2.1, §8.2–3)', () => {
  it('a full-object PUT of a stale copy does not touch status: the status subresource protects it', async () => {
    const name = 'stale-put';
    await create(raw, manifest(name));
    const staleCopy = (await read(raw, NAMESPACE, name)) as ComputeInstance;

    const store = createComputeInstanceStore(clusterFor(sim.url));
    await store.updateStatus({ namespace: NAMESPACE, name }, recordJob('2001'));

    // The controller's finalizer Update(): its stale copy, sent to the main resource at the current version.
    const current = (await read(raw, NAMESPACE, name)) as ComputeInstance;
    const put = await raw('PUT', objectPath(NAMESPACE, name), {
      ...staleCopy,
      metadata: {
        ...staleCopy.metadata,
        finalizers: [OUR_FINALIZER],
        resourceVersion: current.metadata.resourceVersion,
      },
    });
    expect(put.status).toBe(200);
    // The PUT response carries the server's status: with the job (the server ignored the stale copy's status)...
    expect(jobIdsOf(put.body as unknown as ComputeInstance)).toEqual(['2001']);
    expect(jobIdsOf(await read(raw, NAMESPACE, name))).toEqual(['2001']);
  });

  it('the loss happens when the stale copy becomes the status source; updateStatus keeps the other writer’s entry', async () => {
    const name = 'stale-status-source';
    await create(raw, manifest(name));
    const ref = { namespace: NAMESPACE, name };
    const store = createComputeInstanceStore(clusterFor(sim.url));

    // The operator's reconcile: read, then work on the in-memory copy (append its job)...
    const inMemory = (await read(raw, NAMESPACE, name)) as ComputeInstance;
    inMemory.status = { ...inMemory.status, provisioningJobs: [launchedJob('3001')] };
    // ...meanwhile another writer records its job...
    await store.updateStatus(ref, recordJob('3002'));
    // ...then its "retry on conflict": re-GET the latest, copy the in-memory status onto it, Status().Update.
    const latest = (await read(raw, NAMESPACE, name)) as ComputeInstance;
    const update = await raw('PUT', objectPath(NAMESPACE, name, 'status'), { ...latest, status: inMemory.status });
    expect(update.status).toBe(200);
    expect(jobIdsOf(await read(raw, NAMESPACE, name))).toEqual(['3001']); // job 3002 is lost

    // The same two writers through the store: mutate runs on the object as read at write time, so both stay.
    const safe = 'stale-status-source-safe';
    await create(raw, manifest(safe));
    beforeFirstWriteOf(safe, async () => {
      await store.updateStatus({ namespace: NAMESPACE, name: safe }, recordJob('3002'));
    });
    const viaInterposer = createComputeInstanceStore(clusterFor(interposer.url));
    await viaInterposer.updateStatus({ namespace: NAMESPACE, name: safe }, recordJob('3001'));
    expect(patchesOf(safe).map((exchange) => exchange.status)).toEqual([409, 200]);
    expect(jobIdsOf(await read(raw, NAMESPACE, safe))).toEqual(['3002', '3001']);
  });
});

describe('3. job ID lost after a 409 (§8.4, §8.20)', () => {
  it('a write that meets a 409 and is not retried loses the job ID', async () => {
    const name = 'lost-after-409';
    await create(raw, manifest(name));
    const readForLaunch = (await read(raw, NAMESPACE, name)) as ComputeInstance;
    const store = createComputeInstanceStore(clusterFor(sim.url));
    await store.updateStatus({ namespace: NAMESPACE, name }, () => ({ phase: 'Starting' }));

    const write = await raw(
      'PATCH',
      objectPath(NAMESPACE, name, 'status'),
      {
        metadata: { resourceVersion: readForLaunch.metadata.resourceVersion },
        status: { provisioningJobs: [launchedJob('4001')] },
      },
      'application/merge-patch+json',
    );
    expect(write.status).toBe(409);
    expect(jobIdsOf(await read(raw, NAMESPACE, name))).toEqual([]); // launched in AAP, recorded nowhere
  });

  it('updateStatus meets the 409, re-reads, re-applies and records the job ID next to the other writer’s', async () => {
    const name = 'kept-after-409';
    await create(raw, manifest(name));
    const direct = createComputeInstanceStore(clusterFor(sim.url));
    beforeFirstWriteOf(name, async () => {
      await direct.updateStatus({ namespace: NAMESPACE, name }, (current) => ({
        phase: 'Starting',
        provisioningJobs: [...(current.status?.provisioningJobs ?? []), launchedJob('4002')],
      }));
    });

    const store = createComputeInstanceStore(clusterFor(interposer.url));
    const result = await store.updateStatus({ namespace: NAMESPACE, name }, recordJob('4001'));

    expect(result.changed).toBe(true);
    expect(patchesOf(name).map((exchange) => exchange.status)).toEqual([409, 200]);
    const stored = await read(raw, NAMESPACE, name);
    expect(jobIdsOf(stored)).toEqual(['4002', '4001']);
    expect(stored?.status?.phase).toBe('Starting');
  });
});
