import {
  COMPUTE_INSTANCE_FINALIZER,
  type ComputeInstance,
  type ComputeInstanceSpec,
  desiredConfigVersion,
  type ProvisioningJob,
} from '../../lib/computeinstance';
import type { JobView, Violation, VmRecord } from '../../local/aap-simulator';
import { sampleSpec } from '../../local/fixtures/sample-instance';
import { type ChaosSnapshot, evaluate, type InvariantKey, trimmedByHistoryLimit } from './invariants';

/**
 * The invariant checks on made-up snapshots: a healthy run passes every one, and each kind of breach the product
 * must never commit fails exactly the check meant to catch it (so a real breach cannot slip through unnoticed).
 */

const NS = 'osac-computeinstance';
const NOW = new Date('2026-01-01T12:00:00Z');

const spec = (runStrategy: 'Always' | 'Halted' = 'Always'): ComputeInstanceSpec => sampleSpec({ runStrategy });

function provisionJob(id: number, instanceSpec: ComputeInstanceSpec, state: ProvisioningJob['state'] = 'Succeeded') {
  return {
    jobID: String(id),
    type: 'provision' as const,
    timestamp: '2026-01-01T11:00:00Z',
    state,
    configVersion: desiredConfigVersion(instanceSpec),
  };
}

function instance(name: string, uid: string, jobs: ProvisioningJob[], extra: Partial<ComputeInstance> = {}) {
  const instanceSpec = extra.spec ?? spec();
  return {
    apiVersion: 'osac.openshift.io/v1alpha1',
    kind: 'ComputeInstance',
    metadata: { name, namespace: NS, uid, generation: 1, finalizers: [COMPUTE_INSTANCE_FINALIZER], ...extra.metadata },
    spec: instanceSpec,
    status: { phase: 'Running', provisioningJobs: jobs },
  } as ComputeInstance;
}

function job(id: number, uid: string, name: string, overrides: Partial<JobView> = {}): JobView {
  const effect = overrides.effect ?? 'create-vm';
  const payload = { metadata: { name, namespace: NS, uid }, spec: spec() };
  return {
    id,
    type: 'job',
    templateId: effect === 'create-vm' ? 1 : 2,
    templateName: effect === 'create-vm' ? 'osac-create-compute-instance' : 'osac-delete-compute-instance',
    status: 'successful',
    effect,
    vmKey: `${NS}/${name}`,
    uid,
    targetError: null,
    effectApplied: true,
    cancelRequested: false,
    held: false,
    purged: false,
    launchedAt: NOW.getTime() - 3_600_000 + id,
    startedAt: null,
    finishedAt: NOW.getTime() - 3_000_000,
    canceledOn: null,
    transitions: [],
    extraVars: JSON.stringify({ ansible_eda: { event: { payload } } }),
    ...overrides,
  };
}

const vm = (name: string, uid: string, createdByJob: number): VmRecord => ({
  key: `${NS}/${name}`,
  namespace: NS,
  name,
  uid,
  createdByJob,
  createdAt: 0,
});

/** Two lifecycles: `live` provisioned by job 1001 and still there; `gone` provisioned by 1002, deleted by 1003. */
function healthy(): ChaosSnapshot {
  return {
    now: NOW,
    finalizer: COMPUTE_INSTANCE_FINALIZER,
    maxJobHistory: 10,
    lifecycles: [
      { name: 'live', uid: 'u-live', deleteRequested: false },
      { name: 'gone', uid: 'u-gone', deleteRequested: true },
    ],
    instances: [instance('live', 'u-live', [provisionJob(1001, spec())])],
    jobs: [
      job(1001, 'u-live', 'live'),
      job(1002, 'u-gone', 'gone'),
      job(1003, 'u-gone', 'gone', { effect: 'delete-vm' }),
    ],
    vms: [vm('live', 'u-live', 1001)],
    violations: [],
    executions: [{ name: 'provision-x', stateMachineName: 'provision', status: 'SUCCEEDED' }],
    webhookRefusals: { count: 0, samples: [] },
    webhooksUndelivered: 0,
  };
}

const violation = (kind: Violation['kind']): Violation => ({
  kind,
  vmKey: `${NS}/gone`,
  jobIds: [1002, 1003],
  time: 0,
  message: `${kind} on ${NS}/gone`,
});

type Breach = { name: string; breaks: InvariantKey | InvariantKey[]; mutate: (s: ChaosSnapshot) => ChaosSnapshot };

const breaches: Breach[] = [
  {
    name: 'a VM left for a deleted instance',
    breaks: 'orphan-vms',
    mutate: (s) => ({ ...s, vms: [...s.vms, vm('gone', 'u-gone', 1002)] }),
  },
  {
    // The simulator keeps one VM per name: the live object's own VM was never made.
    name: 'a VM of an earlier object of the same name',
    breaks: ['live-converged', 'orphan-vms'],
    mutate: (s) => ({ ...s, vms: [vm('live', 'u-earlier', 900)] }),
  },
  {
    name: 'provision and deprovision jobs active at once',
    breaks: 'overlapping-jobs',
    mutate: (s) => ({ ...s, violations: [violation('overlap')] }),
  },
  {
    name: 'a provision job launched after the deprovision',
    breaks: 'create-after-delete',
    mutate: (s) => ({ ...s, violations: [violation('create-after-delete')] }),
  },
  {
    name: 'a deleted instance still there with our finalizer',
    breaks: 'stuck-finalizers',
    mutate: (s) => ({
      ...s,
      lifecycles: s.lifecycles.filter((l) => l.name !== 'gone'),
      instances: [
        ...s.instances,
        instance('stuck', 'u-stuck', [], {
          metadata: { name: 'stuck', namespace: NS, deletionTimestamp: '2026-01-01T11:30:00Z' },
        }),
      ],
    }),
  },
  {
    name: 'an instance whose phase still says Deleting, with our finalizer',
    breaks: 'stuck-finalizers',
    mutate: (s) => ({
      ...s,
      instances: [
        ...s.instances,
        { ...instance('half-deleted', 'u-half', []), status: { phase: 'Deleting', provisioningJobs: [] } },
      ],
    }),
  },
  {
    name: 'an AAP job missing from a history with room to spare',
    breaks: 'lost-job-records',
    mutate: (s) => ({ ...s, jobs: [...s.jobs, job(1004, 'u-live', 'live', { status: 'failed' })] }),
  },
  {
    name: 'an event the webhook refused',
    breaks: 'webhooks-refused',
    mutate: (s) => ({ ...s, webhookRefusals: { count: 1, samples: ['HTTP 400: invalid event'] } }),
  },
  {
    name: 'events the intake never answered',
    breaks: 'webhooks-undelivered',
    mutate: (s) => ({ ...s, webhooksUndelivered: 2 }),
  },
  {
    name: 'a lifecycle the user could not finish',
    breaks: 'harness-errors',
    mutate: (s) => ({
      ...s,
      lifecycles: [...s.lifecycles, { name: 'x', uid: undefined, deleteRequested: false, error: 'boom' }],
    }),
  },
];

/** Breaches of "deleted gone" and "live converged", each with what makes it one. */
const convergence: Breach[] = [
  {
    name: 'a deleted instance that is still there',
    breaks: 'deleted-gone',
    mutate: (s) => {
      const deprovision: ProvisioningJob = {
        ...provisionJob(1003, spec()),
        type: 'deprovision',
        blockDeletionOnFailure: true,
      };
      return {
        ...s,
        instances: [...s.instances, instance('gone', 'u-gone', [provisionJob(1002, spec()), deprovision])],
      };
    },
  },
  {
    name: 'a live instance that is gone',
    breaks: 'live-converged',
    mutate: (s) => ({ ...s, instances: [], vms: [] }),
  },
  {
    name: 'a live instance whose spec changed after its last job',
    breaks: 'live-converged',
    mutate: (s) => ({
      ...s,
      instances: [instance('live', 'u-live', [provisionJob(1001, spec())], { spec: spec('Halted') })],
    }),
  },
  {
    name: 'a live instance whose restart is still pending',
    breaks: 'live-converged',
    mutate: (s) => {
      const restarted = { ...spec(), restartRequestedAt: '2026-01-01T11:50:00Z' };
      return { ...s, instances: [instance('live', 'u-live', [provisionJob(1001, restarted)], { spec: restarted })] };
    },
  },
  {
    name: 'a live instance whose status says applied while AAP holds no VM',
    breaks: 'live-converged',
    mutate: (s) => ({ ...s, vms: [] }),
  },
  {
    name: 'a live instance whose status says applied while AAP applied another spec',
    breaks: 'live-converged',
    mutate: (s) => ({
      ...s,
      jobs: s.jobs.map((j) =>
        j.id === 1001
          ? { ...j, extraVars: JSON.stringify({ ansible_eda: { event: { payload: { spec: spec('Halted') } } } }) }
          : j,
      ),
    }),
  },
];

describe('chaos invariants', () => {
  it('a healthy snapshot passes every check', () => {
    const result = evaluate(healthy());
    expect(result.rows.filter((row) => !row.ok)).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it.each([...breaches, ...convergence])('$name fails "$breaks" and nothing else', ({ breaks, mutate }) => {
    const expected = ([] as InvariantKey[]).concat(breaks);
    const result = evaluate(mutate(healthy()));
    expect(result.ok).toBe(false);
    const failed = result.rows.filter((row) => !row.ok);
    expect(failed.map((row) => row.key)).toEqual(expected);
    for (const row of failed) expect(row.details.length).toBeGreaterThan(0);
  });

  it.each([
    { errors: ['Transient', 'Transient', 'Conflict'], ok: true, value: '0 of 3 failed (Transient ×2, Conflict ×1)' },
    {
      errors: ['Transient', 'TooManyCandidates'],
      ok: false,
      value: '1 of 2 failed (Transient ×1, TooManyCandidates ×1)',
    },
    { errors: ['States.Runtime'], ok: false, value: '1 of 1 failed (States.Runtime ×1)' },
  ])('failed executions $errors: ok=$ok', ({ errors, ok, value }) => {
    const snapshot = healthy();
    const executions = errors.map((error, i) => ({
      name: `deprovision-${NS}-gone-abc-r${i}`,
      stateMachineName: 'deprovision',
      status: 'FAILED',
      error,
    }));
    const row = evaluate({ ...snapshot, executions }).rows.find((r) => r.key === 'failed-executions');
    expect(row).toMatchObject({ ok, value, subjects: ok ? [] : ['gone'] });
  });
});

describe('simulator anomalies', () => {
  const effectless = (j: JobView): JobView => ({ ...j, effectApplied: false });

  it('a VM left by a delete job that "succeeded" without running its task is the simulator\'s, not an orphan', () => {
    const snapshot = healthy();
    const result = evaluate({
      ...snapshot,
      jobs: snapshot.jobs.map((j) => (j.id === 1003 ? effectless(j) : j)),
      vms: [...snapshot.vms, vm('gone', 'u-gone', 1002)],
    });
    expect(result.ok).toBe(true);
    expect(result.rows.find((row) => row.key === 'simulator-anomalies')).toMatchObject({ value: '1' });
  });

  it('a live instance without a VM because its create job "succeeded" without its task is not held against it', () => {
    const snapshot = healthy();
    const result = evaluate({
      ...snapshot,
      jobs: snapshot.jobs.map((j) => (j.id === 1001 ? effectless(j) : j)),
      vms: [],
    });
    expect(result.ok).toBe(true);
  });

  it('an orphan next to an effectless delete of ANOTHER object is still an orphan', () => {
    const snapshot = healthy();
    const result = evaluate({
      ...snapshot,
      lifecycles: [...snapshot.lifecycles, { name: 'other', uid: 'u-other', deleteRequested: true }],
      jobs: [...snapshot.jobs, effectless(job(1005, 'u-other', 'other', { effect: 'delete-vm' }))],
      vms: [...snapshot.vms, vm('gone', 'u-gone', 1002)],
    });
    expect(result.rows.filter((row) => !row.ok).map((row) => row.key)).toEqual(['orphan-vms']);
  });
});

describe('trimmedByHistoryLimit', () => {
  const entry = (id: number, type: 'provision' | 'deprovision' = 'provision'): ProvisioningJob => ({
    jobID: String(id),
    type,
    timestamp: '2026-01-01T11:00:00Z',
    state: 'Succeeded',
  });
  const full = Array.from({ length: 10 }, (_, i) => entry(2000 + i));

  it.each([
    { case: 'older than every entry of a full history', history: full, id: 1500, trimmed: true },
    { case: 'newer than an entry trimming would have dropped first', history: full, id: 2005, trimmed: false },
    { case: 'missing from a history with room', history: full.slice(1), id: 1500, trimmed: false },
    {
      // The latest deprovision entry is kept however old it is: it does not make a newer missing job "lost".
      case: 'older than all but the protected latest deprovision',
      history: [entry(1000, 'deprovision'), ...full.slice(1)],
      id: 1500,
      trimmed: true,
    },
  ])('$case: $trimmed', ({ history, id, trimmed }) => {
    expect(trimmedByHistoryLimit(history, { id, launchedAt: NOW.getTime() }, 10)).toBe(trimmed);
  });

  it('counts a trimmed job as accounted for, not lost', () => {
    const snapshot = healthy();
    const history = Array.from({ length: 10 }, (_, i) => provisionJob(2000 + i, spec()));
    const result = evaluate({
      ...snapshot,
      instances: [instance('live', 'u-live', history)],
      jobs: [...history.map((h) => job(Number(h.jobID), 'u-live', 'live')), job(1500, 'u-live', 'live')],
    });
    expect(result.rows.find((row) => row.key === 'lost-job-records')).toMatchObject({ ok: true });
    expect(result.trimmedJobRecords).toBe(1);
  });
});

describe('the notification path', () => {
  const NOW_S = NOW.getTime() / 1000;
  const arn = (name: string) =>
    `arn:aws:states:us-east-1:123456789012:execution:cloudkit-provisioner-local-provision:${name}`;

  /** Notifications on: forged requests all answered right, a lie about job 1001 recorded as AAP says, rows expired. */
  function withNotifications(): ChaosSnapshot {
    return {
      ...healthy(),
      notifications: {
        forged: { sent: 40, unexpected: 0, samples: [] },
        lies: [{ jobId: 1001, claimed: 'failed', actualThen: 'running' }],
        waiters: [{ job: 'job:1001', execution: arn('provision-x'), expiresAt: NOW_S - 1 }],
        aapFailures: [],
      },
    };
  }
  const notifications = (s: ChaosSnapshot) => s.notifications as NonNullable<ChaosSnapshot['notifications']>;

  it('a healthy run with notifications passes every check, and a polling-only one has no notification rows', () => {
    const result = evaluate(withNotifications());
    expect(result.rows.filter((row) => !row.ok)).toEqual([]);
    expect(result.rows.find((row) => row.key === 'waiters-left')).toMatchObject({
      value: '0 (+1 expired, for the TTL)',
    });
    expect(evaluate(healthy()).rows.map((row) => row.key)).not.toContain('waiters-left');
  });

  it('a waiter of a RUNNING execution is no leftover', () => {
    const s = withNotifications();
    const result = evaluate({
      ...s,
      executions: [{ name: 'provision-y', stateMachineName: 'provision', status: 'RUNNING' }],
      notifications: {
        ...notifications(s),
        waiters: [{ job: 'job:1001', execution: arn('provision-y'), expiresAt: NOW_S + 600 }],
      },
    });
    expect(result.rows.find((row) => row.key === 'waiters-left')).toMatchObject({ ok: true, value: '0' });
  });

  const notificationBreaches: Breach[] = [
    {
      name: 'a bad token answered other than 401',
      breaks: 'forged-notifications-answered',
      mutate: (s) => ({
        ...s,
        notifications: {
          ...notifications(s),
          forged: { sent: 40, unexpected: 1, samples: ['bad-token (another token): 200, expected 401'] },
        },
      }),
    },
    {
      name: 'a lie about a job recorded instead of what AAP says',
      breaks: 'forged-lies-recorded',
      // A later job converged the instance: only the lied-about job's record is wrong.
      mutate: (s) => ({
        ...s,
        instances: [instance('live', 'u-live', [provisionJob(1001, spec(), 'Failed'), provisionJob(1004, spec())])],
        jobs: [...s.jobs, job(1004, 'u-live', 'live')],
      }),
    },
    {
      name: 'a waiter still armed for an execution that ended',
      breaks: 'waiters-left',
      mutate: (s) => ({
        ...s,
        notifications: {
          ...notifications(s),
          waiters: [{ job: 'job:1002', execution: arn(`deprovision-${NS}-gone-abc`), expiresAt: NOW_S + 1500 }],
        },
      }),
    },
    {
      name: "one of AAP's notifications refused by the receiver",
      breaks: 'aap-notifications-refused',
      mutate: (s) => ({
        ...s,
        notifications: {
          ...notifications(s),
          aapFailures: ['notification 3 (job 1001): Error sending webhook notification: 401'],
        },
      }),
    },
  ];

  it.each(notificationBreaches)('$name fails "$breaks" and nothing else', ({ breaks, mutate }) => {
    const result = evaluate(mutate(withNotifications()));
    const failed = result.rows.filter((row) => !row.ok);
    expect(failed.map((row) => row.key)).toEqual([breaks]);
    for (const row of failed) expect(row.details.length).toBeGreaterThan(0);
  });

  it('names the instance whose job a believed lie is about, and the waiter row of an ended execution', () => {
    const believed = evaluate(notificationBreaches[1]?.mutate(withNotifications()) as ChaosSnapshot);
    expect(believed.rows.find((row) => row.key === 'forged-lies-recorded')).toMatchObject({
      value: '1 of 1',
      subjects: ['live'],
    });
    const left = evaluate(notificationBreaches[2]?.mutate(withNotifications()) as ChaosSnapshot);
    expect(left.rows.find((row) => row.key === 'waiters-left')?.subjects).toEqual(['gone']);
  });

  it('a lie about a job purged since is judged by the status it ended with', () => {
    const s = withNotifications();
    const purged = { ...s, jobs: s.jobs.map((j) => (j.id === 1001 ? { ...j, purged: true } : j)) };
    expect(evaluate(purged).rows.find((row) => row.key === 'forged-lies-recorded')).toMatchObject({ ok: true });
    const misrecorded = notificationBreaches[1]?.mutate(purged) as ChaosSnapshot;
    expect(evaluate(misrecorded).rows.find((row) => row.key === 'forged-lies-recorded')).toMatchObject({ ok: false });
  });

  it('a lie about a job whose record is not terminal yet is not judged (its poll has not read AAP since)', () => {
    const s = withNotifications();
    const running = evaluate({
      ...s,
      instances: [instance('live', 'u-live', [provisionJob(1001, spec(), 'Running')])],
    });
    expect(running.rows.find((row) => row.key === 'forged-lies-recorded')).toMatchObject({ ok: true });
  });
});
