import { MemoryComputeInstanceStore } from '../../lib/k8s';
import { sampleInstance } from '../../local/fixtures/sample-instance';
import { describeStoreContract } from './store-contract';

const NAMESPACE = 'osac-computeinstance';

describeStoreContract('in memory', () => {
  const store = new MemoryComputeInstanceStore();
  const pending = new Map<string, number>();
  store.interleave((ref) => {
    const left = pending.get(ref.name) ?? 0;
    if (left === 0) return;
    pending.set(ref.name, left - 1);
    store.touch(ref, (current) => ({
      ...current,
      metadata: { ...current.metadata, labels: { 'contract.test/interfered': String(left) } },
    }));
  });
  return {
    store,
    namespace: NAMESPACE,
    create: async (name) => store.create(sampleInstance({ name, namespace: NAMESPACE })),
    remove: async (name) => store.delete({ namespace: NAMESPACE, name }),
    interfere: (name, times) => pending.set(name, times),
    writeForeignStatus: async (name, status) => {
      store.touch({ namespace: NAMESPACE, name }, (current) => ({
        ...current,
        status: { ...current.status, ...status },
      }));
    },
  };
});

describe('MemoryComputeInstanceStore beyond the contract', () => {
  it('refuses namespaces the cluster does not allow, as the API-server store does', async () => {
    const store = new MemoryComputeInstanceStore({ namespaces: [NAMESPACE] });
    await expect(store.get({ namespace: 'tenant-b', name: 'x' })).rejects.toMatchObject({ name: 'Forbidden' });
    await expect(store.list({ limit: 5 })).rejects.toMatchObject({ name: 'Forbidden' });
  });

  it('hands out copies: changing what it returned changes nothing stored', async () => {
    const store = new MemoryComputeInstanceStore();
    const created = store.create(sampleInstance({ name: 'copy', namespace: NAMESPACE }));
    created.spec.cores = 64;
    const read = await store.get({ namespace: NAMESPACE, name: 'copy' });
    expect(read?.spec.cores).toBe(2);
  });

  it('a spec change moves the generation on', async () => {
    const store = new MemoryComputeInstanceStore();
    store.create(sampleInstance({ name: 'gen', namespace: NAMESPACE }));
    expect(store.updateSpec({ namespace: NAMESPACE, name: 'gen' }, { cores: 4 }).metadata.generation).toBe(2);
  });
});
