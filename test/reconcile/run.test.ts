import { desiredConfigVersion } from '../../lib/computeinstance';
import type { ClusterConfig, ComputeInstanceStore } from '../../lib/k8s';
import { type ReconcileContext, type ReconcileLimitsInput, reconcile, reportMetrics } from '../../lib/reconcile';
import { executionName, type InstanceRef } from '../../lib/sfn';
import { baseSpec, job, makeInstance, minutesAgo, NOW } from '../computeinstance/fixtures';
import { cluster, FakeAap, MemoryStore, named, registryOf } from './support/fakes';
import { type SfnStub, startSfnStub } from './support/sfn-stub';

const machines = {
  provisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-ci-provision',
  deprovisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:ckp-ci-deprovision',
};
const applied = desiredConfigVersion(baseSpec());
const NS = 'osac-computeinstance';

const refOf = (clusterId: string, name: string, namespace = NS): InstanceRef => ({
  cluster: clusterId,
  namespace,
  name,
  uid: `uid-${namespace}-${name}`,
});
const provisionName = (ref: InstanceRef, retry = 0, generation = 1) =>
  executionName({ kind: 'provision', ref, generation, retry });
const deprovisionName = (ref: InstanceRef, retry = 0) =>
  executionName({ kind: 'deprovision', ref, deletionTimestamp: minutesAgo(1), retry });

const fresh = (name: string) => named(makeInstance(), name);
const runningJob = (name: string, jobID: number) =>
  named(makeInstance({ jobs: [job('provision', 'Running', { jobID: String(jobID), configVersion: applied })] }), name);

describe('reconcile (in-memory clusters, AAP stand-in, Step Functions stub)', () => {
  let stub: SfnStub;
  beforeAll(async () => {
    stub = await startSfnStub();
  });
  afterEach(() => stub.reset());
  afterAll(async () => {
    await stub.close();
  });

  function contextFor(
    stores: Array<[ClusterConfig, ComputeInstanceStore | Error]>,
    aap = new FakeAap(),
    limits: ReconcileLimitsInput = {},
  ): ReconcileContext {
    return {
      registry: registryOf(stores.map(([c]) => c)),
      storeFor: (c) => {
        const store = stores.find(([known]) => known.id === c.id)?.[1];
        if (store === undefined || store instanceof Error) throw store ?? new Error(`no store for ${c.id}`);
        return store;
      },
      aap,
      sfn: stub.client(),
      machines,
      now: NOW,
      limits,
    };
  }

  it('counts every kind of action and starts each execution under its deterministic name', async () => {
    const east = cluster('east');
    const instances = [
      fresh('vm-new'),
      named(makeInstance({ deleting: true }), 'vm-deleted'),
      named(makeInstance({ jobs: [job('provision', 'Succeeded', { configVersion: applied })] }), 'vm-applied'),
      named(makeInstance({ managementState: 'unmanaged' }), 'vm-unmanaged'),
      runningJob('vm-job-running', 101),
      runningJob('vm-job-done-followed', 102),
      runningJob('vm-job-purged-dead', 103),
      fresh('vm-webhook-worked'),
    ];
    stub.setStatus(provisionName(refOf('east', 'vm-job-done-followed')), 'RUNNING');
    stub.setStatus(provisionName(refOf('east', 'vm-job-purged-dead')), 'ABORTED');
    stub.setStatus(provisionName(refOf('east', 'vm-webhook-worked')), 'RUNNING');
    const aap = new FakeAap(
      new Map([
        [101, 'Running'],
        [102, 'Succeeded'],
      ]),
    );

    const report = await reconcile(contextFor([[east, new MemoryStore(instances)]], aap));

    expect(report).toEqual({
      started: { provision: 1, deprovision: 1 },
      restarted: 1,
      alreadyRunning: 2,
      ignored: 3,
      stalled: 0,
      errors: 0,
      invalid: 0,
      aapCalls: 1,
      instances: 8,
      clusters: 1,
      capped: 0,
      failedClusters: [],
    });
    expect(stub.started()).toEqual(
      expect.arrayContaining([
        {
          stateMachineArn: machines.provisionArn,
          name: provisionName(refOf('east', 'vm-new')),
          input: { ref: refOf('east', 'vm-new'), generation: 1 },
        },
        {
          stateMachineArn: machines.deprovisionArn,
          name: deprovisionName(refOf('east', 'vm-deleted')),
          input: { ref: refOf('east', 'vm-deleted'), deletionTimestamp: minutesAgo(1) },
        },
        {
          stateMachineArn: machines.provisionArn,
          name: provisionName(refOf('east', 'vm-job-purged-dead'), 1),
          input: { ref: refOf('east', 'vm-job-purged-dead'), generation: 1 },
        },
      ]),
    );
    expect(stub.started()).toHaveLength(3);
    expect(aap.calls).toEqual([[101, 102, 103]]);
  });

  describe('objects our schema refuses (ListPage.invalid)', () => {
    const refusedItem = {
      namespace: NS,
      name: 'vm-refused',
      uid: 'uid-refused',
      message: 'list … : the server returned invalid ComputeInstance osac-computeinstance/vm-refused: …',
      problem: 'spec.runStrategy: Invalid option: expected one of "Always"|"Halted"',
    };

    function capturingLogger() {
      const lines: Array<{ level: string; message: string; attributes: Record<string, unknown> }> = [];
      const at = (level: string) => (message: string, attributes: Record<string, unknown>) =>
        lines.push({ level, message, attributes });
      return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
    }

    it('are counted as invalid and as errors, logged with the object, and told so by a condition', async () => {
      const store = new MemoryStore([fresh('vm-ok')], [refusedItem]);
      const { lines, logger } = capturingLogger();
      const report = await reconcile({ ...contextFor([[cluster('east'), store]]), logger });

      expect(report).toMatchObject({ invalid: 1, errors: 1, instances: 1 });
      expect(store.unprocessable).toEqual([
        { ref: { namespace: NS, name: 'vm-refused', uid: 'uid-refused' }, problem: refusedItem.problem },
      ]);
      expect(lines).toContainEqual({
        level: 'error',
        message: expect.stringContaining('refused by our schema'),
        attributes: { cluster: 'east', namespace: NS, name: 'vm-refused', problem: refusedItem.problem },
      });
      // The valid object on the same page is still reconciled.
      expect(report.started.provision).toBe(1);
    });

    it('a condition that cannot be written is logged; the run goes on', async () => {
      const store = new MemoryStore([fresh('vm-ok')], [refusedItem]);
      store.failUnprocessable = new Error('Forbidden: status');
      const { lines, logger } = capturingLogger();
      const report = await reconcile({ ...contextFor([[cluster('east'), store]]), logger });
      expect(report).toMatchObject({ invalid: 1, errors: 1, clusters: 1, started: { provision: 1 } });
      expect(lines.map((line) => line.message)).toContain(
        'the Unprocessable condition could not be written; tried again next run',
      );
    });

    it('an object readable again has its Unprocessable condition cleared', async () => {
      const healed = named(makeInstance(), 'vm-healed');
      healed.status = {
        ...healed.status,
        conditions: [
          {
            type: 'Unprocessable',
            status: 'True',
            reason: 'SchemaRejected',
            message: 'cloudkit-provisioner cannot read this object …',
            lastTransitionTime: '2026-03-20T11:00:00Z',
          },
        ],
      };
      const store = new MemoryStore([healed, fresh('vm-never-broken')]);
      const report = await reconcile(contextFor([[cluster('east'), store]]));
      expect(store.unprocessable).toEqual([
        { ref: { namespace: NS, name: 'vm-healed', uid: `uid-${NS}-vm-healed` }, problem: undefined },
      ]);
      expect(report).toMatchObject({ invalid: 0, errors: 0 });
    });
  });

  it('a second run over the same objects starts nothing new', async () => {
    const store = new MemoryStore([fresh('vm-a'), fresh('vm-b'), named(makeInstance({ deleting: true }), 'vm-c')]);
    const first = await reconcile(contextFor([[cluster('east'), store]]));
    expect(first.started).toEqual({ provision: 2, deprovision: 1 });
    const second = await reconcile(contextFor([[cluster('east'), store]]));
    expect(second).toMatchObject({ started: { provision: 0, deprovision: 0 }, restarted: 0, alreadyRunning: 3 });
    expect(stub.calls().StartExecution).toBe(3);
  });

  it('a webhook that starts the same name between describe and start yields one execution', async () => {
    // The "webhook" starts the name right after the reconciler saw it absent.
    stub.onDescribe((name) => stub.setStatus(name, 'RUNNING'));
    const report = await reconcile(contextFor([[cluster('east'), new MemoryStore([fresh('vm-race')])]]));
    expect(report).toMatchObject({ started: { provision: 0, deprovision: 0 }, alreadyRunning: 1, errors: 0 });
    expect(stub.calls()).toEqual({ DescribeExecution: 1, StartExecution: 1 });
    expect(stub.started()).toEqual([]);
  });

  it.each([
    ['the cap stops starts and leaves the rest', { maxStarts: 2 }, { started: 2, capped: 3, describes: 2 }],
    [
      'a zero cap only reports, without any Step Functions call',
      { maxStarts: 0 },
      { started: 0, capped: 5, describes: 0 },
    ],
    ['a past deadline examines nothing more', { deadlineMs: Date.now() - 1 }, { started: 0, capped: 5, describes: 0 }],
  ])('%s', async (_label, limits, expected) => {
    const store = new MemoryStore(['a', 'b', 'c', 'd', 'e'].map((n) => fresh(`vm-${n}`)));
    const report = await reconcile(
      contextFor([[cluster('east'), store]], new FakeAap(), { concurrency: 1, ...limits }),
    );
    expect(report.started.provision).toBe(expected.started);
    expect(report.capped).toBe(expected.capped);
    expect(report.instances).toBe(5);
    expect(stub.calls().DescribeExecution ?? 0).toBe(expected.describes);
    expect(stub.calls().StartExecution ?? 0).toBe(expected.started);
  });

  it('lists each allowed namespace of a restricted cluster, page by page', async () => {
    const restricted = cluster('west', { namespaces: ['team-a', 'team-b'] });
    const instances = [
      ...['1', '2', '3'].map((n) => named(makeInstance(), `vm-${n}`, 'team-a')),
      ...['4', '5'].map((n) => named(makeInstance(), `vm-${n}`, 'team-b')),
    ];
    const store = new MemoryStore(instances);
    const report = await reconcile(contextFor([[restricted, store]], new FakeAap(), { pageSize: 2 }));
    expect(store.lists).toEqual([
      { namespace: 'team-a', limit: 2 },
      { namespace: 'team-a', limit: 2, continueToken: '2' },
      { namespace: 'team-b', limit: 2 },
    ]);
    expect(report).toMatchObject({ instances: 5, clusters: 1, started: { provision: 5 } });
  });

  it.each([
    ['its store cannot be built', new Error('kubeconfig for down: bad CA')],
    [
      'its API server refuses the list',
      Object.assign(new MemoryStore([]), {
        list: async () => {
          throw new Error('list (all namespaces) on cluster down: connect ECONNREFUSED');
        },
      }),
    ],
  ])('a cluster whose %s is counted and the others are still reconciled', async (_label, broken) => {
    const report = await reconcile(
      contextFor([
        [cluster('down'), broken],
        [cluster('east'), new MemoryStore([fresh('vm-1')])],
      ]),
    );
    expect(report).toMatchObject({ clusters: 1, failedClusters: ['down'], errors: 1, started: { provision: 1 } });
  });

  it.each([
    [1, 1],
    [200, 1],
    [201, 2],
    [450, 3],
  ])('%i running jobs are read from AAP in %i batched calls', async (jobs, calls) => {
    const instances = Array.from({ length: jobs }, (_, i) => runningJob(`vm-${i}`, 1000 + i));
    // The same job recorded on two objects is asked about once.
    instances.push(runningJob('vm-duplicate', 1000));
    const aap = new FakeAap(new Map(instances.map((_, i) => [1000 + i, 'Running'] as const)));
    const report = await reconcile(contextFor([[cluster('east'), new MemoryStore(instances)]], aap));
    expect(report.aapCalls).toBe(calls);
    expect(aap.calls).toHaveLength(calls);
    expect(Math.max(...aap.calls.map((batch) => batch.length))).toBeLessThanOrEqual(200);
    expect(new Set(aap.calls.flat()).size).toBe(jobs);
    expect(report).toMatchObject({ ignored: jobs + 1, errors: 0 });
  });

  it('an AAP outage counts the instances it could not check and starts nothing for them', async () => {
    const aap = new FakeAap();
    aap.failWith = new Error('AAP answered 503');
    const store = new MemoryStore([runningJob('vm-1', 1), runningJob('vm-2', 2), fresh('vm-3')]);
    const report = await reconcile(contextFor([[cluster('east'), store]], aap));
    expect(report).toMatchObject({ errors: 2, aapCalls: 1, started: { provision: 1 } });
  });

  describe('never gives up: work whose executions keep failing', () => {
    const minutesFromNow = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);
    const stalledOf = (store: MemoryStore, name: string) =>
      store.instance(name)?.status?.conditions?.find((c) => c.type === 'Stalled');

    it('is stalled after 3 failed executions: marked, counted, retried after the backoff, cleared when done', async () => {
      const deleting = named(makeInstance({ deleting: true }), 'vm-stuck');
      const ref = refOf('east', 'vm-stuck');
      // Three deprovision executions failed, 10 min apart (an AAP outage): the next waits 20 min after the last.
      [-25, -15, -5].forEach((stoppedMin, retry) => {
        stub.setStatus(deprovisionName(ref, retry), 'FAILED', minutesFromNow(stoppedMin));
      });
      const store = new MemoryStore([deleting]);

      const waiting = await reconcile(contextFor([[cluster('east'), store]]));
      expect(waiting).toMatchObject({ stalled: 1, errors: 0, restarted: 0, started: { deprovision: 0 } });
      expect(stub.calls().StartExecution).toBeUndefined();
      expect(stalledOf(store, 'vm-stuck')).toMatchObject({
        status: 'True',
        reason: 'ExecutionsFailing',
        message: expect.stringContaining(`retry 3 starts at ${minutesFromNow(15).toISOString()}`),
      });

      // 15 minutes on, the backoff has passed: retry 3 starts, still reported as stalled.
      const due = await reconcile({ ...contextFor([[cluster('east'), store]]), now: minutesFromNow(15) });
      expect(due).toMatchObject({ stalled: 1, restarted: 1, errors: 0 });
      expect(stub.started().map((s) => s.name)).toEqual([deprovisionName(ref, 3)]);
      expect(reportMetrics(due)).toContainEqual({ name: 'ReconcileStalledWork', value: 1 });

      // Once nothing is needed any more (here: the object's deprovision succeeded), the condition clears.
      const done = named(
        makeInstance({
          deleting: true,
          finalizers: [],
          status: { conditions: store.instance('vm-stuck')?.status?.conditions },
        }),
        'vm-stuck',
      );
      const cleared = new MemoryStore([done]);
      const after = await reconcile({ ...contextFor([[cluster('east'), cleared]]), now: minutesFromNow(30) });
      expect(after).toMatchObject({ stalled: 0, errors: 0 });
      expect(stalledOf(cleared, 'vm-stuck')).toMatchObject({ status: 'False', reason: 'Recovered' });
    });

    it('keeps retrying a deletion that failed a hundred times, an hour apart', async () => {
      const ref = refOf('east', 'vm-week');
      for (let retry = 0; retry < 100; retry++) {
        stub.setStatus(deprovisionName(ref, retry), 'FAILED', minutesFromNow(-61 - (99 - retry) * 60));
      }
      const store = new MemoryStore([named(makeInstance({ deleting: true }), 'vm-week')]);
      const report = await reconcile(contextFor([[cluster('east'), store]]));
      expect(report).toMatchObject({ stalled: 1, restarted: 1, errors: 0 });
      expect(stub.started().map((s) => s.name)).toEqual([deprovisionName(ref, 100)]);
      // Found by doubling and halving: a handful of describes, not one per retry.
      expect(stub.calls().DescribeExecution).toBeLessThanOrEqual(20);
    });
  });

  it('refuses invalid limits, naming them', async () => {
    await expect(
      reconcile(contextFor([[cluster('east'), new MemoryStore([])]], new FakeAap(), { concurrency: 0 })),
    ).rejects.toThrow(/concurrency: /);
  });
});
