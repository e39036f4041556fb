import { createComputeInstanceStore } from '../../../lib/k8s';
import { withDeadline } from '../../../lib/runtime/deadline';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { clusterFor, NAMESPACE, startSimulator } from './support/kube';

/**
 * The store inside a Lambda invocation's budget: an API server slower than what is left of the invocation makes
 * the call fail as Transient in time, instead of holding it for 10 s per attempt × 3 attempts.
 */
describe('API-server calls inside an invocation budget', () => {
  let kube: KubeSimulator;

  beforeAll(async () => {
    kube = await startSimulator();
  });
  afterAll(async () => {
    await kube?.close();
  });
  afterEach(() => {
    kube.setFaults({});
  });

  const ref = { namespace: NAMESPACE, name: 'vm-slow', uid: 'u-1' };

  it('gives up on a slow API server as Transient before the budget ends, without retrying past it', async () => {
    kube.setFaults({ latencyMs: 3_000 });
    const store = createComputeInstanceStore(clusterFor(kube.url));
    const started = Date.now();

    const failure = await withDeadline(started + 700, () => store.get(ref)).catch((error: unknown) => error);

    expect(failure).toMatchObject({ name: 'Transient' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('answers as usual when the budget allows', async () => {
    kube.setFaults({ latencyMs: 100 });
    const store = createComputeInstanceStore(clusterFor(kube.url));

    await expect(withDeadline(Date.now() + 5_000, () => store.get(ref))).resolves.toBeUndefined();
  });
});
