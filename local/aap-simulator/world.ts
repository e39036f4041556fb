import { type ExtraVars, vmPlace } from './extra-vars';
import type { FaultState } from './faults';
import { type PlaybookRun, runPlaybook } from './playbooks';
import {
  type JobOutcome,
  type Organization,
  type PlaybookGeneration,
  PlaybookSettings,
  type TemplateKind,
  type TemplateSpecInput,
} from './schemas';
import { buildTemplate, describeIssue, type Template } from './templates';
import {
  type EffectJob,
  findOrphans,
  type Violation,
  type VmRecord,
  violationsAtLaunch,
  vmIdentity,
} from './violations';
import { pythonJsonDumps } from './wire-format';

export type AwxJobStatus = 'new' | 'pending' | 'waiting' | 'running' | 'successful' | 'failed' | 'error' | 'canceled';

/** AWX `CAN_CANCEL` / `ACTIVE_STATES`. */
const ACTIVE_STATUSES: ReadonlySet<AwxJobStatus> = new Set(['new', 'pending', 'waiting', 'running']);

export function isActiveStatus(status: AwxJobStatus): boolean {
  return ACTIVE_STATUSES.has(status);
}

/** AWX forces `failed = status in (failed, error, canceled)` on every save. */
export function isFailedStatus(status: AwxJobStatus): boolean {
  return status === 'failed' || status === 'error' || status === 'canceled';
}

interface TerminalDetail {
  traceback: string;
  explanation: string;
}

/** Job ids start well away from template ids, so a client that mixes the two up fails loudly. */
const FIRST_JOB_ID = 1001;
const ERROR_TRACEBACK =
  'Traceback (most recent call last):\n  File "/var/lib/awx/venv/awx/lib64/python3.11/site-packages/awx/main/tasks/jobs.py", line 604, in run\n    res = receptor_job.run()\n...\nRuntimeError: Pod Failed: ImagePullBackOff (simulated)\n';

/** One unified job (a job or a workflow job) and the timers that drive it. */
export interface SimJob {
  readonly id: number;
  readonly kind: TemplateKind;
  readonly template: Template;
  status: AwxJobStatus;
  readonly created: number;
  modified: number;
  started: number | null;
  finished: number | null;
  canceledOn: number | null;
  /** The merged variables as AWX stores them: a JSON string. */
  readonly extraVars: string;
  /** The launch-time credential ids the job runs with (accepted only when the template prompts for them). */
  readonly credentials: readonly number[];
  /** Unscaled seconds in `running`: the template's, unless the launch asked for its own. */
  readonly runningSeconds: number;
  jobExplanation: string;
  resultTraceback: string;
  eventProcessingFinished: boolean;
  hostStatusCounts: Record<string, number> | null;
  playbookCounts: { play_count: number; task_count: number };
  readonly outcome: { status: JobOutcome } & TerminalDetail;
  /** null for templates without an effect. */
  readonly target: PlaybookRun | null;
  effectApplied: boolean;
  cancelRequested: boolean;
  /** Set while hangJobs holds the job in `running`: what to do once it is released. */
  held: 'completion' | 'cancel' | null;
  purged: boolean;
  /** Every status the job took, with when: lets tests assert order and timing without racing a poller. */
  readonly transitions: Array<{ status: AwxJobStatus; time: number }>;
  readonly timers: Set<NodeJS.Timeout>;
}

/** What `GET /_sim/jobs` and `world.jobs()` report: the simulator's view, not the AWX serializer's. */
export interface JobView {
  id: number;
  type: 'job' | 'workflow_job';
  templateId: number;
  templateName: string;
  status: AwxJobStatus;
  effect: Template['effect'];
  /** `namespace/name` of the VM the job acts on, on `cluster`. */
  vmKey: string | null;
  /** The cluster the launch named (`cloudkit_cluster`); '' when none, null when the job has no VM target. */
  cluster?: string | null;
  uid: string | null;
  targetError: string | null;
  effectApplied: boolean;
  cancelRequested: boolean;
  held: boolean;
  purged: boolean;
  launchedAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  canceledOn: number | null;
  transitions: Array<{ status: AwxJobStatus; time: number }>;
  extraVars: string;
  /** The launch-time credential ids the job runs with. */
  credentials?: number[];
}

export interface WorldOptions {
  now: () => number;
  timeScale: number;
  faults: FaultState;
  templates: readonly TemplateSpecInput[];
  /** The playbooks of templates that do not name theirs. */
  playbooks: PlaybookGeneration;
  /** A job reached a state that fires notifications (AWX `send_notification_templates`). */
  onNotificationEvent?: (job: SimJob, event: 'started' | 'success' | 'error') => void;
}

/**
 * The simulated controller plus the infrastructure its playbooks touch: templates, jobs moving through their
 * states on timers, the VMs create/delete jobs make and remove, and the ordering violations seen on the way.
 */
export class World {
  private readonly now: () => number;
  private readonly timeScale: number;
  private readonly faults: FaultState;
  private readonly initialTemplates: readonly TemplateSpecInput[];
  private readonly playbooks: PlaybookGeneration;
  private readonly onNotificationEvent: NonNullable<WorldOptions['onNotificationEvent']>;
  private templates = new Map<number, Template>();
  private nextTemplateId = 1;
  private readonly jobs = new Map<number, SimJob>();
  private nextJobId = FIRST_JOB_ID;
  /** By place (`cluster/namespace/name`): the same namespace/name on two clusters is two VMs. */
  private readonly vmsByPlace = new Map<string, VmRecord>();
  private violationLog: Violation[] = [];
  /** First delete-vm launch per object identity (cluster/namespace/name#uid). */
  private readonly deleteLaunches = new Map<string, number>();
  private readonly reportedOrphans = new Set<string>();

  constructor(options: WorldOptions) {
    this.now = options.now;
    this.timeScale = options.timeScale;
    this.faults = options.faults;
    this.initialTemplates = options.templates;
    this.playbooks = options.playbooks;
    this.onNotificationEvent = options.onNotificationEvent ?? (() => {});
    this.installInitialTemplates();
    this.faults.onChange(() => this.releaseHeldJobs());
  }

  // ---- templates ----

  addTemplate(spec: unknown): Template {
    const template = buildTemplate(spec, this.nextTemplateId, this.now(), this.playbooks);
    const clash = [...this.templates.values()].find(
      (t) => t.kind === template.kind && t.name === template.name && t.organization.id === template.organization.id,
    );
    if (clash) {
      throw new Error(
        `a ${template.kind} template named '${template.name}' already exists in organization ${template.organization.id} (id ${clash.id})`,
      );
    }
    this.nextTemplateId += 1;
    this.templates.set(template.id, template);
    return template;
  }

  /**
   * Installs another generation of playbooks (and job environment) on a template; jobs launched from now on run
   * them. Undefined when there is no such template.
   */
  configurePlaybooks(id: number, input: unknown): Template | undefined {
    const template = this.templates.get(id);
    if (template === undefined) return undefined;
    const parsed = PlaybookSettings.safeParse(input);
    if (!parsed.success) {
      throw new Error(`invalid playbook settings: ${parsed.error.issues.map(describeIssue).join('; ')}`);
    }
    if (parsed.data.playbooks !== undefined) template.playbooks = parsed.data.playbooks;
    if (parsed.data.storageRequestedTier !== undefined) {
      template.storageRequestedTier = parsed.data.storageRequestedTier;
    }
    return template;
  }

  listTemplates(kind: TemplateKind): Template[] {
    return [...this.templates.values()].filter((t) => t.kind === kind);
  }

  template(id: number, kind: TemplateKind): Template | undefined {
    const template = this.templates.get(id);
    return template?.kind === kind ? template : undefined;
  }

  /** `Default` (id 1) and every organization a template belongs to: the simulator's organizations. */
  organizations(): Organization[] {
    const byId = new Map<number, Organization>([[1, { id: 1, name: 'Default' }]]);
    for (const t of this.templates.values())
      if (!byId.has(t.organization.id)) byId.set(t.organization.id, t.organization);
    return [...byId.values()].sort((a, b) => a.id - b.id).map((o) => ({ ...o }));
  }

  organization(id: number): Organization | undefined {
    return this.organizations().find((o) => o.id === id);
  }

  // ---- jobs ----

  listJobs(kind: TemplateKind): SimJob[] {
    return [...this.jobs.values()].filter((job) => job.kind === kind && !job.purged);
  }

  job(id: number, kind: TemplateKind): SimJob | undefined {
    const job = this.jobs.get(id);
    return job && job.kind === kind && !job.purged ? job : undefined;
  }

  /** Jobs of one template, newest first (AWX recent_jobs / last_job). */
  jobsOfTemplate(templateId: number): SimJob[] {
    return [...this.jobs.values()].filter((job) => job.template.id === templateId && !job.purged).reverse();
  }

  launch(
    template: Template,
    vars: ExtraVars,
    runningSeconds: number = template.durations.running,
    credentials: readonly number[] = [],
  ): SimJob {
    const now = this.now();
    const failNext = this.faults.takeFailNext(template.name);
    const outcome = failNext
      ? { status: 'failed' as const, traceback: failNext.traceback, explanation: failNext.explanation }
      : {
          status: template.outcome,
          traceback:
            template.outcome === 'successful' ? '' : (template.traceback ?? defaultTraceback(template.outcome)),
          explanation: template.outcome === 'error' ? 'Job terminated due to error' : '',
        };
    const job: SimJob = {
      id: this.nextJobId++,
      kind: template.kind,
      template,
      // The launch response already shows `pending`: AWX's signal_start runs before the 201 is written.
      status: 'pending',
      created: now,
      modified: now,
      started: null,
      finished: null,
      canceledOn: null,
      extraVars: pythonJsonDumps(vars),
      credentials: [...credentials],
      runningSeconds,
      jobExplanation: '',
      resultTraceback: '',
      eventProcessingFinished: false,
      hostStatusCounts: null,
      playbookCounts: { play_count: 0, task_count: 0 },
      outcome,
      target:
        template.effect === 'none'
          ? null
          : runPlaybook(vars, {
              generation: template.playbooks,
              effect: template.effect,
              requestedStorageTier: template.storageRequestedTier,
            }),
      effectApplied: false,
      cancelRequested: false,
      held: null,
      purged: false,
      transitions: [{ status: 'pending', time: now }],
      timers: new Set(),
    };
    this.recordLaunchViolations(job, now);
    this.jobs.set(job.id, job);
    const { pending, waiting } = template.durations;
    // A workflow job has no `waiting` of its own: the task manager moves it to running in one pass.
    if (job.kind === 'workflow') this.schedule(job, pending + waiting, () => this.enterRunning(job));
    else this.schedule(job, pending, () => this.enterWaiting(job));
    return job;
  }

  /** AWX `UnifiedJob.cancel`: 'not-cancelable' once terminal (the view answers 405/403). */
  cancel(job: SimJob): 'accepted' | 'not-cancelable' {
    if (!isActiveStatus(job.status)) return 'not-cancelable';
    if (job.cancelRequested) return 'accepted'; // the cancel flag is set only once
    const now = this.now();
    job.cancelRequested = true;
    job.canceledOn = now;
    job.modified = now;
    if (job.kind === 'job' && job.status !== 'running') {
      // No dispatcher task to signal yet: AWX saves `canceled` inside the POST; the job never starts.
      this.finish(job, 'canceled', { traceback: '', explanation: '' }, 0);
      return 'accepted';
    }
    // A workflow that has not started will not start now; a running job keeps running until the signal lands,
    // and any task already dispatched inside that delay still completes.
    if (job.status !== 'running') this.clearTimers(job);
    this.schedule(job, this.faults.cancelDelaySeconds(), () => this.finalizeCancel(job));
    return 'accepted';
  }

  /** The job disappears from the API (404 everywhere); the world keeps it, like a cleanup job deleting rows. */
  purge(id: number): boolean {
    const job = this.jobs.get(id);
    if (!job || job.purged) return false;
    job.purged = true;
    return true;
  }

  // ---- world state ----

  vms(): VmRecord[] {
    return [...this.vmsByPlace.values()].map((vm) => ({ ...vm }));
  }

  violations(): Violation[] {
    return this.violationLog.map((v) => ({ ...v, jobIds: [...v.jobIds] }));
  }

  /** Records (once per VM) and returns the VMs left behind for ComputeInstances that are not in `liveKeys`. */
  checkOrphans(liveKeys: Iterable<string>): Violation[] {
    const orphans = findOrphans(this.vms(), new Set(liveKeys), this.now());
    for (const orphan of orphans) {
      const reportKey = `${vmPlace({ cluster: orphan.cluster, key: orphan.vmKey })}#${orphan.jobIds.join(',')}`;
      if (this.reportedOrphans.has(reportKey)) continue;
      this.reportedOrphans.add(reportKey);
      this.violationLog.push(orphan);
    }
    return orphans;
  }

  jobViews(): JobView[] {
    return [...this.jobs.values()].map((job) => ({
      id: job.id,
      type: job.kind === 'job' ? 'job' : 'workflow_job',
      templateId: job.template.id,
      templateName: job.template.name,
      status: job.status,
      effect: job.template.effect,
      vmKey: job.target?.target?.key ?? null,
      cluster: job.target?.target?.cluster ?? null,
      uid: job.target?.target?.uid ?? null,
      targetError: job.target && !job.target.ok ? job.target.reason : null,
      effectApplied: job.effectApplied,
      cancelRequested: job.cancelRequested,
      held: job.held !== null,
      purged: job.purged,
      launchedAt: job.created,
      startedAt: job.started,
      finishedAt: job.finished,
      canceledOn: job.canceledOn,
      transitions: job.transitions.map((t) => ({ ...t })),
      extraVars: job.extraVars,
      credentials: [...job.credentials],
    }));
  }

  /** Back to the state at start: initial templates, no jobs, VMs or violations. Job ids keep counting up. */
  reset(): void {
    this.dispose();
    this.jobs.clear();
    this.vmsByPlace.clear();
    this.violationLog = [];
    this.deleteLaunches.clear();
    this.reportedOrphans.clear();
    this.installInitialTemplates();
  }

  /** Stops every timer; the world stays readable. */
  dispose(): void {
    for (const job of this.jobs.values()) this.clearTimers(job);
  }

  // ---- lifecycle ----

  private installInitialTemplates(): void {
    this.templates = new Map();
    this.nextTemplateId = 1;
    for (const spec of this.initialTemplates) this.addTemplate(spec);
  }

  private schedule(job: SimJob, unscaledSeconds: number, step: () => void): void {
    const timer = setTimeout(
      () => {
        job.timers.delete(timer);
        step();
      },
      unscaledSeconds * 1000 * this.timeScale,
    );
    // Timers never keep the process alive on their own; the HTTP server does that while it is open.
    timer.unref();
    job.timers.add(timer);
  }

  private clearTimers(job: SimJob): void {
    for (const timer of job.timers) clearTimeout(timer);
    job.timers.clear();
  }

  private setStatus(job: SimJob, status: AwxJobStatus, now: number): void {
    job.status = status;
    job.modified = now;
    job.transitions.push({ status, time: now });
  }

  private enterWaiting(job: SimJob): void {
    this.setStatus(job, 'waiting', this.now());
    this.schedule(job, job.template.durations.waiting, () => this.enterRunning(job));
  }

  private enterRunning(job: SimJob): void {
    const now = this.now();
    this.setStatus(job, 'running', now);
    job.started = now;
    job.playbookCounts = { play_count: 1, task_count: 1 };
    const running = job.runningSeconds;
    if (job.target) this.schedule(job, running * job.template.effectAt, () => this.runEffectTask(job));
    this.schedule(job, running, () => this.completeRun(job));
    this.onNotificationEvent(job, 'started');
  }

  private runEffectTask(job: SimJob): void {
    const target = job.target;
    if (!target) return;
    if (!target.ok) {
      // A task of the play failed before it touched the VM: its FAILED! line is what the job shows.
      this.finish(job, 'failed', { traceback: target.traceback, explanation: '' });
      return;
    }
    const place = vmPlace(target.target);
    if (job.template.effect === 'create-vm' && !this.vmsByPlace.has(place)) {
      const { key, cluster, namespace, name, uid } = target.target;
      this.vmsByPlace.set(place, { key, cluster, namespace, name, uid, createdByJob: job.id, createdAt: this.now() });
    } else if (job.template.effect === 'delete-vm') {
      this.vmsByPlace.delete(place);
    }
    job.effectApplied = true;
    job.playbookCounts = { play_count: 1, task_count: job.playbookCounts.task_count + 1 };
  }

  private completeRun(job: SimJob): void {
    if (this.faults.isHung(job.id, job.template.name)) {
      job.held = 'completion';
      return;
    }
    // With the cancel flag set the runner reports the run as canceled, even if its last task just finished.
    if (job.cancelRequested) this.finish(job, 'canceled', { traceback: '', explanation: '' });
    else this.finish(job, job.outcome.status, job.outcome);
  }

  private finalizeCancel(job: SimJob): void {
    if (this.faults.isHung(job.id, job.template.name)) {
      job.held = 'cancel';
      return;
    }
    this.finish(job, 'canceled', { traceback: '', explanation: '' });
  }

  private releaseHeldJobs(): void {
    for (const job of this.jobs.values()) {
      if (job.held === null || this.faults.isHung(job.id, job.template.name)) continue;
      const held = job.held;
      job.held = null;
      if (held === 'cancel' || job.cancelRequested) this.finalizeCancel(job);
      else this.completeRun(job);
    }
  }

  private finish(
    job: SimJob,
    status: 'successful' | 'failed' | 'error' | 'canceled',
    detail: TerminalDetail,
    eventProcessingSeconds = job.template.durations.eventProcessing,
  ): void {
    this.clearTimers(job);
    const now = this.now();
    this.setStatus(job, status, now);
    job.finished = now;
    job.held = null;
    job.resultTraceback = detail.traceback;
    job.jobExplanation = detail.explanation;
    const counts = hostStatusCounts(job, status);
    // AWX: `error` also for a job canceled while running; nothing at all for one canceled before it started.
    const event = status === 'successful' ? 'success' : job.started === null && status === 'canceled' ? null : 'error';
    // A workflow job notifies at once; a job once its events are stored (the notification waits for the stats).
    if (event !== null && job.kind === 'workflow') this.onNotificationEvent(job, event);
    const storeEvents = () => {
      job.eventProcessingFinished = true;
      job.hostStatusCounts = counts;
      if (event !== null && job.kind === 'job') this.onNotificationEvent(job, event);
    };
    if (eventProcessingSeconds === 0) storeEvents();
    else this.schedule(job, eventProcessingSeconds, storeEvents);
  }

  private recordLaunchViolations(job: SimJob, now: number): void {
    const launched = effectJob(job);
    if (!launched) return;
    const active = [...this.jobs.values()]
      .filter((other) => isActiveStatus(other.status))
      .map(effectJob)
      .filter((other): other is EffectJob => other !== null);
    this.violationLog.push(...violationsAtLaunch(launched, active, this.deleteLaunches, now));
    const identity = vmIdentity(launched.target);
    if (launched.effect === 'delete-vm' && !this.deleteLaunches.has(identity)) {
      this.deleteLaunches.set(identity, job.id);
    }
  }
}

function effectJob(job: SimJob): EffectJob | null {
  const effect = job.template.effect;
  if (effect === 'none' || !job.target?.ok) return null;
  return { jobId: job.id, effect, target: job.target.target };
}

function defaultTraceback(outcome: JobOutcome): string {
  return outcome === 'error' ? ERROR_TRACEBACK : '';
}

/** AWX counts each host once; null when no stats were ever produced (never ran, runner error), {} when canceled. */
function hostStatusCounts(job: SimJob, status: AwxJobStatus): Record<string, number> | null {
  if (job.started === null || status === 'error') return null;
  if (status === 'canceled') return {};
  if (status === 'failed') return { failures: 1 };
  return job.effectApplied ? { changed: 1 } : { ok: 1 };
}
