import {
  type AapJobKind,
  type AapTemplateType,
  CredentialsIgnored,
  JobNotFound,
  TemplateNotFound,
  TooManyCandidates,
  VariablesIgnored,
} from './errors';
import { type AapJob, toAapJob } from './job';
import { mapAapStatus } from './job-status';
import { buildLaunchBody, type LaunchInput, type LaunchResult, parseLaunchInput } from './launch';
import { type FindLaunchedJobsInput, parseFindLaunchedJobsInput, payloadUidOf } from './launched-jobs';
import type { AapPort, CancelOutcome } from './port';
import type { AapJobRef } from './schemas';
import { type AapTemplateRef, jobCollectionPath, jobKindOf, templateCollectionPath } from './templates';

type MemoryTemplateEntry = AapTemplateRef & { askVariables: boolean; askCredentials: boolean };

export interface MemoryTemplate {
  name: string;
  type?: AapTemplateType;
  /** "Prompt on launch" for Variables; false: AAP creates the job without them (VariablesIgnored). Default true. */
  askVariablesOnLaunch?: boolean;
  /** "Prompt on launch" for Credentials; false: AAP creates the job without them (CredentialsIgnored). Default true. */
  askCredentialsOnLaunch?: boolean;
}

/** AAP's own status words: `pending`, `waiting`, `running`, `successful`, `failed`, `error`, `canceled`. */
export type AapStatus = string;

export interface MemoryJob {
  readonly id: number;
  readonly kind: AapJobKind;
  readonly template: AapTemplateRef;
  readonly created: Date;
  status: AapStatus;
  started: string | null;
  finished: string | null;
  explanation: string;
  traceback: string;
  /** What the launch sent and AAP kept (nothing when it ignored the variables). */
  readonly extraVars: Record<string, unknown>;
  readonly credentials: readonly number[];
  cancelRequested: boolean;
  purged: boolean;
}

/**
 * The AAP port in memory, honouring the contract `AapClient` has with a real controller: templates by name (job
 * templates before workflow job templates), a launch that AAP turns into a job even when it ignores fields it does
 * not prompt for (VariablesIgnored / CredentialsIgnored carrying that job's id), workflow templates that take no
 * launch-time credentials, jobs whose status a test moves on, purged jobs that are JobNotFound, cancel answering
 * accepted (202) for an active job, not-cancelable (405) for a finished one and gone (404) for a purged one, and
 * the launch search by template, creation window and payload uid with its candidate bound.
 */
export class MemoryAap implements AapPort {
  readonly #templates = new Map<string, MemoryTemplateEntry>();
  readonly #jobs = new Map<number, MemoryJob>();
  readonly #now: () => Date;
  readonly #refusals: unknown[] = [];
  #nextId = 100;
  /** Every launch AAP received, in order, with the body it was sent. */
  readonly launches: Array<{ template: string; body: ReturnType<typeof buildLaunchBody> }> = [];
  /** Every cancel request, by job id. */
  readonly cancels: number[] = [];

  constructor(templates: readonly MemoryTemplate[] = [], options: { now?: () => Date } = {}) {
    this.#now = options.now ?? (() => new Date());
    for (const [index, template] of templates.entries()) this.addTemplate(template, index + 1);
  }

  addTemplate(template: MemoryTemplate, id = this.#templates.size + 1): void {
    this.#templates.set(template.name, {
      id,
      type: template.type ?? 'job_template',
      name: template.name,
      askVariables: template.askVariablesOnLaunch ?? true,
      askCredentials: template.askCredentialsOnLaunch ?? true,
    });
  }

  removeTemplate(name: string): void {
    this.#templates.delete(name);
  }

  /** The next launch fails with `error` instead of reaching AAP (LaunchRejected, a Transient timeout, …). */
  refuseNextLaunch(error: unknown): void {
    this.#refusals.push(error);
  }

  /** Moves a job on, as AAP would: `running`, `successful`, `failed` (with an explanation), … */
  setStatus(id: number, status: AapStatus, detail: { explanation?: string; traceback?: string } = {}): void {
    const job = this.job(id);
    job.status = status;
    const now = this.#now().toISOString();
    if (status !== 'pending' && status !== 'waiting') job.started ??= now;
    if (mapAapStatus(status).terminal) job.finished ??= now;
    job.explanation = detail.explanation ?? job.explanation;
    job.traceback = detail.traceback ?? job.traceback;
  }

  /** AAP's cleanup removed the job: every read of it is a 404 from now on. */
  purge(id: number): void {
    this.job(id).purged = true;
  }

  /** A job as AAP holds it (purged or not); throws for an id never launched. */
  job(id: number): MemoryJob {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job ${id} was launched`);
    return job;
  }

  /** Jobs as launched, oldest first. */
  jobs(): MemoryJob[] {
    return [...this.#jobs.values()];
  }

  async findTemplate(name: string): Promise<AapTemplateRef> {
    const template = this.#templates.get(name);
    if (!template) {
      throw new TemplateNotFound(name, [
        templateCollectionPath('job_template'),
        templateCollectionPath('workflow_job_template'),
      ]);
    }
    return { id: template.id, type: template.type, name: template.name };
  }

  async launch(templateName: string, input: LaunchInput): Promise<LaunchResult> {
    const parsed = parseLaunchInput(input);
    const { credentials } = parsed;
    const ref = await this.findTemplate(templateName);
    const template = this.#templates.get(templateName) as MemoryTemplateEntry;
    const kind = jobKindOf(ref.type);
    if (ref.type === 'workflow_job_template' && credentials !== undefined && credentials.length > 0) {
      throw new CredentialsIgnored(templateName, ref.id, undefined, 'workflow_job', ['credentials']);
    }
    if (this.#refusals.length > 0) throw this.#refusals.shift();
    const body = buildLaunchBody(parsed);
    this.launches.push({ template: templateName, body: structuredClone(body) });
    const ignored = [
      ...(template.askVariables ? [] : ['extra_vars']),
      ...(template.askCredentials || body.credentials === undefined ? [] : ['credentials']),
    ];
    const id = this.#nextId++;
    this.#jobs.set(id, {
      id,
      kind,
      template: ref,
      created: this.#now(),
      status: 'pending',
      started: null,
      finished: null,
      explanation: '',
      traceback: '',
      extraVars: ignored.includes('extra_vars') ? {} : structuredClone(body.extra_vars),
      credentials: ignored.includes('credentials') ? [] : [...(body.credentials ?? [])],
      cancelRequested: false,
      purged: false,
    });
    if (ignored.length > 0) {
      const Ignored = ignored.includes('extra_vars') ? VariablesIgnored : CredentialsIgnored;
      throw new Ignored(templateName, ref.id, id, kind, ignored);
    }
    return { jobId: id, kind, templateId: ref.id };
  }

  async getJob(ref: AapJobRef): Promise<AapJob> {
    const job = this.#present(ref);
    return toAapJob(
      {
        id: job.id,
        name: job.template.name,
        status: job.status,
        failed: job.status === 'failed' || job.status === 'error',
        started: job.started,
        finished: job.finished,
        elapsed:
          job.started === null
            ? 0
            : (Date.parse(job.finished ?? this.#now().toISOString()) - Date.parse(job.started)) / 1000,
        job_explanation: job.explanation,
        result_traceback: job.traceback,
        extra_vars: JSON.stringify(job.extraVars),
      },
      job.kind,
    );
  }

  async cancelJob(ref: AapJobRef): Promise<CancelOutcome> {
    this.cancels.push(ref.id);
    const job = this.#jobs.get(ref.id);
    if (!job || job.purged || job.kind !== ref.kind) return 'gone';
    if (mapAapStatus(job.status).terminal) return 'not-cancelable';
    job.cancelRequested = true;
    // A job not running yet has nothing to signal: AAP saves `canceled` within the request. A running one (and any
    // workflow) is signalled; dispatched tasks run on, and it turns `canceled` later (a test says when).
    if (job.kind === 'job' && job.status !== 'running') this.setStatus(job.id, 'canceled');
    return 'accepted';
  }

  async findLaunchedJobs(input: FindLaunchedJobsInput): Promise<AapJob[]> {
    const search = parseFindLaunchedJobsInput(input);
    const template = await this.findTemplate(search.templateName);
    const candidates = this.jobs().filter(
      (job) =>
        !job.purged &&
        job.template.id === template.id &&
        job.template.type === template.type &&
        job.created >= search.since &&
        (search.until === undefined || job.created < search.until),
    );
    if (candidates.length > search.limit) {
      throw new TooManyCandidates(
        search.templateName,
        search.since.toISOString(),
        search.limit,
        candidates.length,
        jobCollectionPath(jobKindOf(template.type)),
      );
    }
    const launched: AapJob[] = [];
    for (const job of candidates) {
      if (payloadUidOf(job.extraVars) === search.payloadUid) launched.push(await this.getJob(job));
    }
    return launched;
  }

  #present(ref: AapJobRef): MemoryJob {
    const job = this.#jobs.get(ref.id);
    if (!job || job.purged || job.kind !== ref.kind) {
      throw new JobNotFound(ref.id, ref.kind, `${jobCollectionPath(ref.kind)}${ref.id}/`);
    }
    return job;
  }
}
