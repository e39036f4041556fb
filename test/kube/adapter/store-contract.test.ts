import { createComputeInstanceStore } from '../../../lib/k8s';
import { describeStoreContract } from '../store-contract';
import { startInterposer } from './support/interposer';
import { clusterFor, create, manifest, NAMESPACE, objectPath, rawKube, startSimulator } from './support/kube';

// The same contract as the in-memory store's (test/kube/memory-store.test.ts), here against the API-server store
// on the kube simulator; the other writer acts through the interposer, between the store's read and its write.
describeStoreContract('API server (kube simulator)', async () => {
  const sim = await startSimulator();
  const interposer = await startInterposer(sim.url);
  const raw = rawKube(sim.url);
  const pending = new Map<string, number>();
  interposer.setBefore(async (request) => {
    if (request.method !== 'PATCH') return;
    const name = [...pending.keys()].find(
      (n) =>
        request.path.startsWith(`${objectPath(NAMESPACE, n)}/`) || request.path.startsWith(objectPath(NAMESPACE, n)),
    );
    const left = name === undefined ? 0 : (pending.get(name) ?? 0);
    if (name === undefined || left === 0) return;
    pending.set(name, left - 1);
    const patched = await raw(
      'PATCH',
      objectPath(NAMESPACE, name),
      { metadata: { labels: { 'contract.test/interfered': String(left) } } },
      'application/merge-patch+json',
    );
    if (patched.status !== 200) throw new Error(`interfering write: HTTP ${patched.status}`);
  });
  return {
    store: createComputeInstanceStore(clusterFor(interposer.url), {
      conflictRetry: { attempts: 8, baseDelayMs: 1, maxDelayMs: 5 },
    }),
    namespace: NAMESPACE,
    create: (name) => create(raw, manifest(name)),
    remove: async (name) => {
      const response = await raw('DELETE', objectPath(NAMESPACE, name));
      if (response.status !== 200 && response.status !== 202) throw new Error(`delete: HTTP ${response.status}`);
    },
    interfere: (name, times) => pending.set(name, times),
    writeForeignStatus: async (name, status) => {
      const response = await raw(
        'PATCH',
        objectPath(NAMESPACE, name, 'status'),
        { status },
        'application/merge-patch+json',
      );
      if (response.status !== 200) throw new Error(`foreign status: HTTP ${response.status}`);
    },
    close: async () => {
      await interposer.close();
      await sim.close();
    },
  };
});
