import {
  type ComputeInstance,
  desiredConfigVersion,
  isRestartPending,
  latestJob,
  nextAction,
  type ProvisioningJob,
} from '../../lib/computeinstance';
import type { JobView, Violation, VmRecord } from '../../local/aap-simulator';

/**
 * The product's claim, checked after a run from the records of the simulators themselves (AAP's jobs, VMs and
 * violations; the API server's objects; the engine's executions), never from our own logs. Pure: a snapshot in,
 * a table out, so every check can be shown to fail on a made-up breach.
 */

export interface LifecycleRecord {
  name: string;
  /** Undefined when the create itself never succeeded. */
  uid: string | undefined;
  deleteRequested: boolean;
  error?: string;
}

export interface ExecutionSummary {
  name: string;
  stateMachineName: string;
  status: string;
  error?: string;
  cause?: string;
}

export interface ChaosSnapshot {
  now: Date;
  finalizer: string;
  /** MAX_JOB_HISTORY the task functions ran with. */
  maxJobHistory: number;
  lifecycles: readonly LifecycleRecord[];
  /** Every ComputeInstance the API server still holds. */
  instances: readonly ComputeInstance[];
  jobs: readonly JobView[];
  vms: readonly VmRecord[];
  violations: readonly Violation[];
  executions: readonly ExecutionSummary[];
  /** 4xx answers of the webhook to events the cluster sent, and a sample of what it said. */
  webhookRefusals: { count: number; samples: readonly string[] };
  /** Events that got no 2xx/4xx answer through every retry: the intake itself was unavailable. */
  webhooksUndelivered: number;
  /** The notification path, in runs with AAP's notifications on (absent: polling alone, no rows). */
  notifications?: NotificationSnapshot;
}

/** A row of the job-waiters table, without its token. */
export interface WaiterRow {
  job: string;
  execution: string;
  /** Epoch seconds (the TTL attribute). */
  expiresAt: number;
}

export interface NotificationSnapshot {
  /** The forger's requests, and those the receiver answered otherwise than its contract says (samples). */
  forged: { sent: number; unexpected: number; samples: readonly string[] };
  /** Lies about real jobs the receiver accepted with the right token (it resumed whoever waited for them). */
  lies: readonly { jobId: number; claimed: string; actualThen: string }[];
  /** The job-waiters table after the run. */
  waiters: readonly WaiterRow[];
  /** AAP's own notifications that failed for another reason than the simulated loss: the receiver refused them. */
  aapFailures: readonly string[];
}

export type InvariantKey =
  | 'deleted-gone'
  | 'live-converged'
  | 'orphan-vms'
  | 'overlapping-jobs'
  | 'create-after-delete'
  | 'stuck-finalizers'
  | 'lost-job-records'
  | 'webhooks-refused'
  | 'webhooks-undelivered'
  | 'failed-executions'
  | 'simulator-anomalies'
  | 'harness-errors'
  | 'forged-notifications-answered'
  | 'forged-lies-recorded'
  | 'waiters-left'
  | 'aap-notifications-refused';

export interface InvariantRow {
  key: InvariantKey;
  invariant: string;
  value: string;
  expected: string;
  ok: boolean;
  /** One line per offending instance, job or execution. */
  details: string[];
  /** The instances (names) the details are about, for the evidence. */
  subjects: string[];
}

export interface Evaluation {
  rows: InvariantRow[];
  ok: boolean;
  /** Jobs missing from a history that is full: the 10-entry limit trimmed them, which is allowed. */
  trimmedJobRecords: number;
}

const key = (namespace: string | undefined, name: string | undefined) => `${namespace}/${name}`;

/**
 * Errors an execution may end with when the faults outlast its retries: AAP or the API server unreachable
 * (`Transient`), a 409 storm longer than the write's attempts (`Conflict`). The reconciler starts the next try.
 * Any other failure is a decision or a bound the product got wrong, faults or not.
 */
export const FAULT_ERRORS: ReadonlySet<string> = new Set(['Transient', 'Conflict']);

function describeJobs(instance: ComputeInstance): string {
  return (instance.status?.provisioningJobs ?? [])
    .map((job) => `${job.type}:${job.jobID || 'intent'}:${job.state}`)
    .join(' ');
}

/**
 * Jobs AAP reports `successful` although their VM task never ran. A real playbook cannot do that; the simulator
 * does when its event loop stalls longer than the gap between a job's effect timer and its completion timer (at
 * TIME_SCALE 0.01 the delete template's is 100 ms): Node then runs the later timer first and the job finishes with
 * its effect still pending. What follows from such a job (a VM a "successful" delete left, a "successful" create
 * that made none) is the simulator's doing, not the product's, and is reported apart.
 */
export function effectlessSuccesses(jobs: readonly JobView[]): JobView[] {
  return jobs.filter(
    (job) => job.status === 'successful' && job.effect !== 'none' && job.targetError === null && !job.effectApplied,
  );
}

/** The newest successful create-vm job of this object and the spec it was launched with (its payload). */
function appliedSpecVersion(jobs: readonly JobView[], uid: string): { job: number; version: string } | undefined {
  const applied = jobs.filter((job) => job.uid === uid && job.effect === 'create-vm' && job.status === 'successful');
  const newest = applied.at(-1);
  if (newest === undefined) return undefined;
  const vars = JSON.parse(newest.extraVars) as { ansible_eda?: { event?: { payload?: ComputeInstance } } };
  const spec = vars.ansible_eda?.event?.payload?.spec;
  return spec === undefined ? undefined : { job: newest.id, version: desiredConfigVersion(spec) };
}

/** Why a live instance has not converged on its current spec, or undefined when it has. */
function notConverged(
  instance: ComputeInstance | undefined,
  snapshot: ChaosSnapshot,
  vmsByUid: ReadonlyMap<string, VmRecord>,
): string | undefined {
  if (instance === undefined) return 'it is gone although it was never deleted';
  if (instance.metadata.deletionTimestamp !== undefined) return 'it is being deleted although it was never deleted';
  const next = nextAction({ instance, now: snapshot.now, finalizer: snapshot.finalizer });
  if (next.action !== 'Skip') return `the next action is still ${next.action} (jobs: ${describeJobs(instance)})`;
  if (isRestartPending(instance.spec, instance.status, snapshot.now)) {
    return `restart of ${instance.spec.restartRequestedAt} is still pending (last ${instance.status?.lastRestartedAt})`;
  }
  const uid = instance.metadata.uid as string;
  if (!vmsByUid.has(uid)) {
    const newest = snapshot.jobs
      .filter((j) => j.uid === uid && j.effect === 'create-vm' && j.status === 'successful')
      .at(-1);
    if (newest !== undefined && !newest.effectApplied) return undefined; // the simulator's anomaly, reported apart
    return 'status says applied but AAP holds no VM for it';
  }
  const applied = appliedSpecVersion(snapshot.jobs, uid);
  const desired = desiredConfigVersion(instance.spec);
  if (applied?.version !== desired) {
    return applied === undefined
      ? 'status says applied but AAP ran no successful create job for it'
      : `AAP's newest successful create job ${applied.job} applied config ${applied.version}, the spec is at ${desired}`;
  }
  return undefined;
}

/**
 * Is a job missing from this history explained by the history limit? Trimming drops the oldest entries except the
 * latest job of each type and unresolved launch intents, so it is only when the history is full and every entry it
 * could have dropped instead is newer than the missing job.
 */
export function trimmedByHistoryLimit(
  history: readonly ProvisioningJob[],
  job: Pick<JobView, 'id' | 'launchedAt'>,
  maxJobHistory: number,
): boolean {
  if (history.length < maxJobHistory) return false;
  const protectedEntries = new Set(
    [latestJob(history, 'provision'), latestJob(history, 'deprovision')].filter((entry) => entry !== undefined),
  );
  return history.every((entry) => {
    if (protectedEntries.has(entry)) return true;
    // AAP numbers jobs in launch order; an entry without an id (a launch that failed) is dated on the same clock.
    if (entry.jobID !== '') return Number(entry.jobID) > job.id;
    return Date.parse(entry.timestamp) >= job.launchedAt - 1000;
  });
}

export function evaluate(snapshot: ChaosSnapshot): Evaluation {
  const byUid = new Map<string, ComputeInstance>();
  for (const instance of snapshot.instances) byUid.set(instance.metadata.uid as string, instance);
  const liveKeys = new Map<string, string>();
  for (const instance of snapshot.instances) {
    liveKeys.set(key(instance.metadata.namespace, instance.metadata.name), instance.metadata.uid as string);
  }
  const vmsByUid = new Map(snapshot.vms.map((vm) => [vm.uid, vm]));
  const created = snapshot.lifecycles.filter((l) => l.uid !== undefined);
  const rows: InvariantRow[] = [];

  const deleted = created.filter((l) => l.deleteRequested);
  const stillThere = deleted.filter((l) => byUid.has(l.uid as string));
  const notGone = stillThere.map((l) => {
    const instance = byUid.get(l.uid as string) as ComputeInstance;
    const finalizers = instance.metadata.finalizers?.join(',') || 'none';
    return `${l.name}: still there (phase ${instance.status?.phase}, finalizers ${finalizers}, jobs ${describeJobs(instance)})`;
  });
  rows.push({
    key: 'deleted-gone',
    invariant: 'deleted instances gone',
    value: `${deleted.length - notGone.length}/${deleted.length}`,
    expected: `${deleted.length}/${deleted.length}`,
    ok: notGone.length === 0,
    details: notGone,
    subjects: stillThere.map((l) => l.name),
  });

  const live = created.filter((l) => !l.deleteRequested);
  const unconverged = live.flatMap((l) => {
    const why = notConverged(byUid.get(l.uid as string), snapshot, vmsByUid);
    return why === undefined ? [] : [{ name: l.name, line: `${l.name}: ${why}` }];
  });
  rows.push({
    key: 'live-converged',
    invariant: 'live instances converged on their last spec',
    value: `${live.length - unconverged.length}/${live.length}`,
    expected: `${live.length}/${live.length}`,
    ok: unconverged.length === 0,
    details: unconverged.map((u) => u.line),
    subjects: unconverged.map((u) => u.name),
  });

  const anomalies = effectlessSuccesses(snapshot.jobs);
  const effectlessDelete = new Set(anomalies.filter((j) => j.effect === 'delete-vm').map((j) => j.uid));
  const orphans = snapshot.vms.filter((vm) => liveKeys.get(vm.key) !== vm.uid && !effectlessDelete.has(vm.uid));
  rows.push({
    key: 'orphan-vms',
    invariant: 'orphan VMs',
    value: String(orphans.length),
    expected: '0',
    ok: orphans.length === 0,
    details: orphans.map(
      (vm) => `VM ${vm.key} (uid ${vm.uid}, created by job ${vm.createdByJob}): its instance is gone`,
    ),
    subjects: orphans.map((vm) => vm.name),
  });

  for (const [kind, rowKey, invariant] of [
    ['overlap', 'overlapping-jobs', 'overlapping provision/deprovision jobs'],
    ['create-after-delete', 'create-after-delete', 'provision jobs launched after a deprovision'],
  ] as const) {
    const found = snapshot.violations.filter((v) => v.kind === kind);
    rows.push({
      key: rowKey,
      invariant,
      value: String(found.length),
      expected: '0',
      ok: found.length === 0,
      details: found.map((v) => v.message),
      subjects: found.map((v) => v.vmKey.slice(v.vmKey.indexOf('/') + 1)),
    });
  }

  // Left Deleting: being deleted (or saying so in its phase) with our finalizer still on, so nothing else removes it.
  const stuck = snapshot.instances.filter(
    (i) =>
      (i.metadata.deletionTimestamp !== undefined || i.status?.phase === 'Deleting') &&
      (i.metadata.finalizers ?? []).includes(snapshot.finalizer),
  );
  rows.push({
    key: 'stuck-finalizers',
    invariant: 'instances left Deleting with the finalizer on',
    value: String(stuck.length),
    expected: '0',
    ok: stuck.length === 0,
    details: stuck.map(
      (i) =>
        `${i.metadata.name}: ${i.metadata.deletionTimestamp === undefined ? 'phase Deleting' : `deleting since ${i.metadata.deletionTimestamp}`}, jobs ${describeJobs(i)}`,
    ),
    subjects: stuck.map((i) => i.metadata.name),
  });

  let trimmed = 0;
  const lost: string[] = [];
  const lostFrom = new Set<string>();
  for (const instance of snapshot.instances) {
    const uid = instance.metadata.uid as string;
    const history = instance.status?.provisioningJobs ?? [];
    const recorded = new Set(history.map((entry) => entry.jobID));
    for (const job of snapshot.jobs) {
      if (job.uid !== uid || job.effect === 'none' || recorded.has(String(job.id))) continue;
      if (trimmedByHistoryLimit(history, job, snapshot.maxJobHistory)) trimmed++;
      else {
        lostFrom.add(instance.metadata.name);
        lost.push(
          `${instance.metadata.name}: AAP ${job.effect} job ${job.id} (${job.status}) is not in status.provisioningJobs [${describeJobs(instance)}]`,
        );
      }
    }
  }
  rows.push({
    key: 'lost-job-records',
    invariant: 'job records lost (instances still present)',
    value: trimmed > 0 ? `${lost.length} (+${trimmed} trimmed by the history limit)` : String(lost.length),
    expected: '0',
    ok: lost.length === 0,
    details: lost,
    subjects: [...lostFrom],
  });

  rows.push({
    key: 'webhooks-refused',
    invariant: 'cluster events the webhook refused (4xx)',
    value: String(snapshot.webhookRefusals.count),
    expected: '0',
    ok: snapshot.webhookRefusals.count === 0,
    details: [...snapshot.webhookRefusals.samples],
    subjects: [],
  });

  rows.push({
    key: 'webhooks-undelivered',
    invariant: 'cluster events the webhook never answered (5xx to the end)',
    value: String(snapshot.webhooksUndelivered),
    expected: '0',
    ok: snapshot.webhooksUndelivered === 0,
    details:
      snapshot.webhooksUndelivered === 0
        ? []
        : [
            `${snapshot.webhooksUndelivered} events got 5xx or no answer through every retry: the intake was unavailable`,
          ],
    subjects: [],
  });

  const failed = snapshot.executions.filter((e) => e.status === 'FAILED' || e.status === 'TIMED_OUT');
  const byError = new Map<string, number>();
  for (const execution of failed) {
    const name = execution.error ?? execution.status;
    byError.set(name, (byError.get(name) ?? 0) + 1);
  }
  const unexplained = failed.filter((e) => !FAULT_ERRORS.has(e.error ?? ''));
  const subjectOf = (execution: ExecutionSummary) =>
    snapshot.lifecycles.find((l) => execution.name.includes(`-${l.name}-`))?.name;
  rows.push({
    key: 'failed-executions',
    invariant: 'executions failed for a reason no injected fault explains',
    value:
      failed.length === 0
        ? '0'
        : `${unexplained.length} of ${failed.length} failed (${[...byError].map(([name, count]) => `${name} ×${count}`).join(', ')})`,
    expected: `0 (${[...FAULT_ERRORS].join(', ')}: reported)`,
    ok: unexplained.length === 0,
    details: unexplained.map((e) => `${e.name}: ${e.error ?? e.status}: ${(e.cause ?? '').slice(0, 400)}`),
    subjects: [...new Set(unexplained.map(subjectOf).filter((name) => name !== undefined))],
  });

  rows.push({
    key: 'simulator-anomalies',
    invariant: 'AAP simulator: successful jobs whose VM task never ran',
    value: String(anomalies.length),
    expected: 'reported',
    ok: true,
    details: anomalies.map(
      (j) => `job ${j.id} ${j.effect} of ${j.vmKey}: successful without its effect (not held against the product)`,
    ),
    subjects: [],
  });

  const harness = snapshot.lifecycles.filter((l) => l.error !== undefined);
  rows.push({
    key: 'harness-errors',
    invariant: 'lifecycles the user could not finish',
    value: String(harness.length),
    expected: '0',
    ok: harness.length === 0,
    details: harness.map((l) => `${l.name}: ${l.error}`),
    subjects: harness.map((l) => l.name),
  });

  if (snapshot.notifications !== undefined) rows.push(...notificationRows(snapshot, snapshot.notifications, byUid));

  return { rows, ok: rows.every((row) => row.ok), trimmedJobRecords: trimmed };
}

/** The state the product must record for a job AAP ended with this status. */
const RECORDED_STATE: Readonly<Record<string, ProvisioningJob['state']>> = {
  successful: 'Succeeded',
  failed: 'Failed',
  error: 'Failed',
  canceled: 'Canceled',
};
const TERMINAL_STATES: ReadonlySet<string> = new Set(Object.values(RECORDED_STATE));

function notificationRows(
  snapshot: ChaosSnapshot,
  notifications: NotificationSnapshot,
  byUid: ReadonlyMap<string, ComputeInstance>,
): InvariantRow[] {
  const rows: InvariantRow[] = [];
  const { forged } = notifications;
  rows.push({
    key: 'forged-notifications-answered',
    invariant: 'forged notifications answered otherwise than 401/413/400/200',
    value: `${forged.unexpected} of ${forged.sent}`,
    expected: '0',
    ok: forged.unexpected === 0,
    details: [...forged.samples],
    subjects: [],
  });

  // A lie may resume an execution early; its poll reads AAP, so what the status says must be what AAP says.
  const jobsById = new Map(snapshot.jobs.map((job) => [job.id, job]));
  const believed: { name: string; line: string }[] = [];
  const liedAbout = new Set<number>();
  for (const lie of notifications.lies) {
    if (liedAbout.has(lie.jobId)) continue;
    liedAbout.add(lie.jobId);
    const job = jobsById.get(lie.jobId);
    const instance = job?.uid === null || job === undefined ? undefined : byUid.get(job.uid);
    // A purged job answers 404 now, but the simulator's record keeps the status it ended with.
    const expected = job === undefined ? undefined : RECORDED_STATE[job.status];
    const entry = instance?.status?.provisioningJobs?.find((e) => e.jobID === String(lie.jobId));
    if (instance === undefined || entry === undefined || !TERMINAL_STATES.has(entry.state)) continue;
    if (entry.state !== expected) {
      believed.push({
        name: instance.metadata.name,
        line: `${instance.metadata.name}: job ${lie.jobId} recorded ${entry.state}, AAP says ${job?.status}${job?.purged ? ' (purged)' : ''} (a forged notification said ${lie.claimed} while it was ${lie.actualThen})`,
      });
    }
  }
  rows.push({
    key: 'forged-lies-recorded',
    invariant: 'jobs a forged notification lied about, recorded otherwise than AAP says',
    value: `${believed.length} of ${liedAbout.size}`,
    expected: '0',
    ok: believed.length === 0,
    details: believed.map((b) => b.line),
    subjects: believed.map((b) => b.name),
  });

  // Every wait ends by its notification (the receiver disarms), the arming read (disarmed) or its timeout (the row
  // expires a margin later): an unexpired row of an execution that ended is a waiter nobody will ever disarm.
  const running = new Set(snapshot.executions.filter((e) => e.status === 'RUNNING').map((e) => e.name));
  const nowSeconds = snapshot.now.getTime() / 1000;
  const left = notifications.waiters.filter(
    (w) => w.expiresAt > nowSeconds && !running.has(w.execution.slice(w.execution.lastIndexOf(':') + 1)),
  );
  const expired = notifications.waiters.filter((w) => w.expiresAt <= nowSeconds).length;
  const nameOf = (execution: string) =>
    snapshot.lifecycles.find((l) => execution.includes(`-${l.name}-`))?.name ?? undefined;
  rows.push({
    key: 'waiters-left',
    invariant: 'waiters left armed for executions that ended',
    value: expired > 0 ? `${left.length} (+${expired} expired, for the TTL)` : String(left.length),
    expected: '0',
    ok: left.length === 0,
    details: left.map(
      (w) =>
        `${w.job} waited on by ${w.execution.slice(w.execution.lastIndexOf(':') + 1)}: expires ${Math.round(w.expiresAt - nowSeconds)} s after the check`,
    ),
    subjects: [...new Set(left.map((w) => nameOf(w.execution)).filter((name) => name !== undefined))],
  });

  rows.push({
    key: 'aap-notifications-refused',
    invariant: "AAP's notifications the receiver failed (simulated losses apart)",
    value: String(notifications.aapFailures.length),
    expected: '0',
    ok: notifications.aapFailures.length === 0,
    details: [...notifications.aapFailures],
    subjects: [],
  });
  return rows;
}
