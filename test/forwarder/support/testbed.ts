import type { Forwarder, ForwarderOptionsInput } from '../../../forwarder/src';
import type { KubeSimulator } from '../../../local/kube-simulator';
import { type RecordingLogger, SECRET, startForwarder, startSim } from './cluster';
import { type Receiver, startReceiver } from './receiver';

/**
 * One kube simulator and one receiver per test file, and forwarders that are stopped after each test, which
 * leaves the simulator empty, unfaulted, and the receiver answering 200 with nothing recorded.
 */
export interface Testbed {
  readonly sim: KubeSimulator;
  readonly receiver: Receiver;
  start(options?: Partial<ForwarderOptionsInput>): { forwarder: Forwarder; logs: RecordingLogger };
}

export function useTestbed(): Testbed {
  let sim: KubeSimulator | undefined;
  let receiver: Receiver | undefined;
  const running: Forwarder[] = [];
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the testbed is only there inside tests (after beforeAll)');
    return value;
  };

  beforeAll(async () => {
    sim = await startSim();
    receiver = await startReceiver(SECRET);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((forwarder) => forwarder.stop()));
    sim?.setFaults({});
    sim?.reset();
    receiver?.requests.splice(0);
    receiver?.respondWith(() => 200);
  });

  afterAll(async () => {
    await receiver?.close();
    await sim?.close();
  });

  return {
    get sim() {
      return ready(sim);
    },
    get receiver() {
      return ready(receiver);
    },
    start(options = {}) {
      const started = startForwarder(ready(sim), ready(receiver).url, options);
      running.push(started.forwarder);
      return started;
    },
  };
}
