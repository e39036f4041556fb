import type { z } from 'zod';
import { describeIssues } from '../runtime/issues';
import { type Logger, SILENT_LOGGER } from '../runtime/logger';
import {
  CredentialsIgnored,
  InvalidResponse,
  JobNotFound,
  LaunchRejected,
  TemplateNotFound,
  TooManyCandidates,
} from './errors';
import { errorForStatus } from './failures';
import { type AapJob, toAapJob } from './job';
import { buildLaunchBody, type LaunchInput, type LaunchResult, parseLaunchInput, readLaunchCreated } from './launch';
import {
  candidateQuery,
  type FindLaunchedJobsInput,
  isCandidate,
  type LaunchSearch,
  parseFindLaunchedJobsInput,
  payloadUidOf,
} from './launched-jobs';
import { type AapClientDeps, type AapClientOptions, resolveAapClientOptions } from './options';
import { listAll, listPages } from './pages';
import type { AapPort, CancelOutcome } from './port';
import { type AapResponse, collectAapMessages, parseBody } from './response';
import { AapCancelCheck, AapJobDetail, AapJobRef, AapJobSummary, AapTemplateSummary } from './schemas';
import {
  type AapTemplateRef,
  jobCollectionPath,
  jobKindOf,
  organizationFilter,
  selectTemplate,
  TEMPLATE_LOOKUP_ORDER,
  templateCollectionPath,
} from './templates';
import { type AapRequest, type AapTransport, createAapTransport } from './transport';

export type { CancelOutcome };

/** AAP's MAX_PAGE_SIZE: larger page sizes are silently capped to it. */
const MAX_PAGE_SIZE = 200;
/** The most ids one `id__in` request can return in one page. */
export const JOBS_BATCH_SIZE = MAX_PAGE_SIZE;

/**
 * Client for the AAP controller (AWX) API: template lookup, launch, job status and cancel. One instance per Lambda
 * container: it caches template ids and keeps connections alive between invocations.
 */
export class AapClient implements AapPort {
  private readonly transport: AapTransport;
  private readonly logger: Logger;
  private readonly organization: string | number | undefined;
  private readonly templates = new Map<string, AapTemplateRef>();

  constructor(options: AapClientOptions, deps: AapClientDeps = {}) {
    const resolved = resolveAapClientOptions(options);
    this.logger = resolved.logger ?? SILENT_LOGGER;
    this.organization = resolved.organization;
    this.transport = createAapTransport(resolved, this.logger, deps);
  }

  /**
   * Resolves a template name to its id: job templates first, then workflow job templates. Cached per instance;
   * a launch that meets a 404 drops the entry.
   */
  async findTemplate(name: string): Promise<AapTemplateRef> {
    assertTemplateName(name);
    const cached = this.templates.get(name);
    if (cached) return cached;

    const searched: string[] = [];
    for (const type of TEMPLATE_LOOKUP_ORDER) {
      const { items, endpoint } = await this.listAll(
        templateCollectionPath(type),
        { name, ...organizationFilter(this.organization) },
        AapTemplateSummary,
      );
      searched.push(endpoint);
      const template = selectTemplate(name, type, items, {
        endpoint,
        organizationConfigured: this.organization !== undefined,
      });
      if (template) {
        this.templates.set(name, template);
        this.logger.debug('AAP template resolved', { template: name, id: template.id, type: template.type });
        return template;
      }
    }
    throw new TemplateNotFound(name, searched);
  }

  invalidateTemplate(name: string): void {
    this.templates.delete(name);
  }

  /**
   * Launches the template with the body `buildLaunchBody` makes: the object in the envelope(s) `jobVars` names,
   * `cloudkit_cluster` and `credentials` when given.
   * Never retried: a launch is not idempotent. Errors that leave the job's existence open say so with
   * `launchOutcomeUnknown`; a VariablesIgnored or CredentialsIgnored error carries the id of the job it nonetheless created.
   */
  async launch(templateName: string, input: LaunchInput): Promise<LaunchResult> {
    const parsed = parseLaunchInput(input);
    const { credentials } = parsed;
    const template = await this.findTemplate(templateName);
    if (template.type === 'workflow_job_template' && credentials !== undefined && credentials.length > 0) {
      // Not a workflow launch field: AAP would start the workflow without them and say nothing.
      throw new CredentialsIgnored(templateName, template.id, undefined, 'workflow_job', ['credentials']);
    }
    const response = await this.transport.send({
      method: 'POST',
      path: `${templateCollectionPath(template.type)}${template.id}/launch/`,
      data: buildLaunchBody(parsed),
      idempotent: false,
    });
    const { status } = response;
    if (status >= 200 && status < 300) {
      const launched = readLaunchCreated(response, template);
      this.logger.info('AAP job launched', { template: templateName, ...launched });
      return launched;
    }
    if (status === 400 || status === 415) {
      throw new LaunchRejected(templateName, template.id, status, collectAapMessages(response.body));
    }
    if (status === 404) {
      // The cached id went stale (template deleted or recreated): the next launch looks the name up again.
      this.invalidateTemplate(templateName);
      throw new TemplateNotFound(templateName, [response.endpoint], 404);
    }
    throw errorForStatus(response, { launch: true });
  }

  /** Reads one job. A purged job is JobNotFound, which callers treat as terminal with an unknown outcome. */
  async getJob(ref: AapJobRef): Promise<AapJob> {
    const { id, kind } = parseJobRef(ref);
    const response = await this.jobRequest({ id, kind }, 'GET', '');
    if (response.status === 404) throw new JobNotFound(id, kind, response.endpoint);
    if (response.status !== 200) throw errorForStatus(response);
    const detail = parseBody(AapJobDetail, response);
    if (detail.id !== id) {
      throw new InvalidResponse(`${response.endpoint} answered with ${kind} ${detail.id}, not ${id}`, 'INVALID_BODY', {
        status: response.status,
      });
    }
    return toAapJob(detail, kind);
  }

  /**
   * Reads many jobs (not workflow jobs) with `id__in`, 200 ids per request. Ids AAP does not return (purged) are
   * absent from the map. The list view has no `result_traceback`: `errorDetail` is the explanation alone.
   */
  async getJobs(ids: readonly number[]): Promise<Map<number, AapJob>> {
    const wanted = [...new Set(ids.map((id) => parseJobRef({ id, kind: 'job' }).id))];
    const jobs = new Map<number, AapJob>();
    for (let start = 0; start < wanted.length; start += JOBS_BATCH_SIZE) {
      const batch = wanted.slice(start, start + JOBS_BATCH_SIZE);
      const { items } = await this.listAll(
        jobCollectionPath('job'),
        { id__in: batch.join(','), page_size: JOBS_BATCH_SIZE },
        AapJobDetail,
      );
      const inBatch = new Set(batch);
      for (const item of items) if (inBatch.has(item.id)) jobs.set(item.id, toAapJob(item, 'job'));
    }
    return jobs;
  }

  /**
   * Requests cancellation. 202 → `accepted` (still active: poll until terminal); 405 → `not-cancelable` (already
   * terminal); 404 → `gone`. A 403 is what a non-superuser gets for a job that is already terminal, so the job is
   * read to tell that apart from a real permission problem.
   */
  async cancelJob(ref: AapJobRef): Promise<CancelOutcome> {
    const job = parseJobRef(ref);
    const response = await this.jobRequest(job, 'POST', 'cancel/');
    const outcome = await this.cancelOutcome(job, response);
    this.logger.info('AAP cancel requested', { jobId: job.id, kind: job.kind, outcome });
    return outcome;
  }

  /** `can_cancel`: whether AAP still considers the job active. */
  async canCancel(ref: AapJobRef): Promise<boolean> {
    const job = parseJobRef(ref);
    const response = await this.jobRequest(job, 'GET', 'cancel/');
    if (response.status === 404) throw new JobNotFound(job.id, job.kind, response.endpoint);
    if (response.status !== 200) throw errorForStatus(response);
    return parseBody(AapCancelCheck, response).can_cancel;
  }

  /**
   * The jobs AAP created from `templateName` since `since` for the object whose uid is `payloadUid`, oldest first:
   * how a launch whose outcome is unknown (a lost response, a Lambda that died before recording the id) is settled.
   * AAP cannot filter on extra_vars, so each candidate's detail is read and its payload compared; more than `limit`
   * candidates is a TooManyCandidates error rather than an unbounded scan. Only reads: retried like any GET.
   */
  async findLaunchedJobs(input: FindLaunchedJobsInput): Promise<AapJob[]> {
    const search = parseFindLaunchedJobsInput(input);
    const template = await this.findTemplate(search.templateName);
    const kind = jobKindOf(template.type);
    const candidates = await this.listCandidates(template, search);
    const launched: AapJob[] = [];
    for (const id of candidates) {
      const job = await this.getJobIfPresent({ id, kind });
      // extraVars() throws on a payload it cannot read: a job skipped unread could be the one being looked for.
      if (job && payloadUidOf(job.extraVars()) === search.payloadUid) launched.push(job);
    }
    this.logger.info('AAP launched jobs searched', {
      template: search.templateName,
      since: search.since.toISOString(),
      candidates: candidates.length,
      jobIds: launched.map((job) => job.id),
    });
    return launched;
  }

  /** Drops pooled connections (tests, shutdown). The client stays usable. */
  close(): void {
    this.transport.close();
  }

  private async cancelOutcome(job: AapJobRef, response: AapResponse): Promise<CancelOutcome> {
    if (response.status >= 200 && response.status < 300) return 'accepted';
    if (response.status === 405) return 'not-cancelable';
    if (response.status === 404) return 'gone';
    if (response.status !== 403) throw errorForStatus(response);
    try {
      const current = await this.getJob(job);
      if (current.terminal) return 'not-cancelable';
    } catch (error) {
      if (error instanceof JobNotFound) return 'gone';
      throw error;
    }
    throw errorForStatus(response);
  }

  /** GET/POST on a job or on its `cancel/` sub-resource. Cancel POSTs are idempotent: repeating one is harmless. */
  private jobRequest(job: AapJobRef, method: AapRequest['method'], subPath: '' | 'cancel/'): Promise<AapResponse> {
    return this.transport.send({
      method,
      path: `${jobCollectionPath(job.kind)}${job.id}/${subPath}`,
      ...(method === 'POST' ? { data: {} } : {}),
      idempotent: true,
    });
  }

  /** Ids of the jobs a launch search must read, checked against the bound before any detail is fetched. */
  private async listCandidates(template: AapTemplateRef, search: LaunchSearch): Promise<number[]> {
    const { templateName, since, until, limit } = search;
    const path = jobCollectionPath(jobKindOf(template.type));
    const ids: number[] = [];
    const query = candidateQuery(template, since, MAX_PAGE_SIZE, until);
    for await (const page of this.listPages(path, query, AapJobSummary)) {
      for (const item of page.results) if (isCandidate(item, template, since, until)) ids.push(item.id);
      const found = Math.max(page.count ?? 0, ids.length);
      if (found > limit) throw new TooManyCandidates(templateName, since.toISOString(), limit, found, page.endpoint);
    }
    return ids;
  }

  /** A job listed a moment ago may have been purged since: it is then no longer anyone's concern. */
  private async getJobIfPresent(ref: AapJobRef): Promise<AapJob | undefined> {
    try {
      return await this.getJob(ref);
    } catch (error) {
      if (error instanceof JobNotFound) return undefined;
      throw error;
    }
  }

  private listAll<T extends z.ZodType>(path: string, params: Record<string, string | number>, item: T) {
    return listAll(this.transport, path, params, item);
  }

  private listPages<T extends z.ZodType>(path: string, params: Record<string, string | number>, item: T) {
    return listPages(this.transport, path, params, item);
  }
}

function parseJobRef(ref: unknown): AapJobRef {
  const parsed = AapJobRef.safeParse(ref);
  if (!parsed.success) throw new TypeError(`Invalid AAP job reference: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

function assertTemplateName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name.trim().length === 0) {
    throw new TypeError('AAP template name must be a non-empty string');
  }
}
