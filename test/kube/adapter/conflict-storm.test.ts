import { type ComputeInstanceStore, createComputeInstanceStore } from '../../../lib/k8s';
import type { KubeSimulator } from '../../../local/kube-simulator';
import {
  clusterFor,
  create,
  jobIdsOf,
  manifest,
  NAMESPACE,
  objectPath,
  type RawKube,
  rawKube,
  read,
  recordJob,
  startSimulator,
} from './support/kube';

let sim: KubeSimulator;
let raw: RawKube;

beforeAll(async () => {
  sim = await startSimulator();
  raw = rawKube(sim.url);
});

afterAll(async () => {
  await sim.close();
});

const WRITERS = 4;
const RECORDS = 20;

it('survives a 409 storm: 20 job records written concurrently by several writers all end up in status', async () => {
  const name = 'storm';
  await create(raw, manifest(name));
  // Separate stores = separate clients, as separate Lambda invocations would be.
  const writers: ComputeInstanceStore[] = Array.from({ length: WRITERS }, () =>
    createComputeInstanceStore(clusterFor(sim.url), { conflictRetry: { attempts: 8, baseDelayMs: 2, maxDelayMs: 40 } }),
  );
  const jobIds = Array.from({ length: RECORDS }, (_, index) => String(1000 + index));
  sim.clearRequestLog();
  sim.setFaults({ conflictRate: 0.6, seed: 20260320 });

  // With 60% of writes refused on top of the real races, 8 tries would fail some writes now and then (0.6^8 per
  // write); the storm is survived with a larger per-call budget, which is what the option is for.
  const results = await Promise.all(
    jobIds.map((jobId, index) =>
      writers[index % WRITERS]?.updateStatus({ namespace: NAMESPACE, name }, recordJob(jobId), { maxAttempts: 60 }),
    ),
  );
  sim.setFaults({});

  expect(results.every((result) => result?.changed)).toBe(true);
  const stored = jobIdsOf(await read(raw, NAMESPACE, name));
  expect([...stored].sort()).toEqual(jobIds);
  expect(new Set(stored).size).toBe(RECORDS);

  const statusWrites = sim.requestLog().filter((entry) => entry.path === objectPath(NAMESPACE, name, 'status'));
  const injected = statusWrites.filter((entry) => entry.fault === 'conflict');
  const raced = statusWrites.filter((entry) => entry.status === 409 && entry.fault === undefined);
  const landed = statusWrites.filter((entry) => entry.status === 200);
  // The storm really happened (injected 409s), real races were lost to the resourceVersion precondition too, and
  // exactly one write per record landed.
  expect(injected.length).toBeGreaterThan(RECORDS);
  expect(raced.length).toBeGreaterThan(0);
  expect(landed).toHaveLength(RECORDS);
  // Every write was conditional on the resourceVersion it was computed from.
  for (const entry of statusWrites) {
    expect(entry.body).toMatchObject({ metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
  }
});
