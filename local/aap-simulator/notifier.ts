/**
 * The simulator's notification side: notification templates, what they are attached to, the Notifications sent,
 * and webhook delivery when a job reaches a state (AWX `send_notification_templates` → `WebhookBackend`).
 * One attempt per send, no retry; the fault knobs can lose, delay or duplicate a send.
 */
import { AWX_VERSION } from './api';
import type { FaultState } from './faults';
import {
  type NotificationEvent,
  type NotificationRecord,
  type NotificationTemplate,
  type TemplateInput,
  type TemplateValidation,
  type ValidationContext,
  validateTemplate,
} from './notification-templates';
import type { Organization, TemplateKind } from './schemas';
import { SIM_INVENTORY, SIM_PROJECT, SIM_USER, serializeJob, serializeWorkflowJob } from './serializers';
import {
  allowListedJob,
  DEFAULT_WEBHOOK_BODY,
  type NotificationContext,
  renderBody,
  UnrenderableBody,
  webhookPayload,
} from './webhook-body';
import { awxDateTime, pythonJsonDumps } from './wire-format';
import type { SimJob } from './world';

/** What notification templates attach to (`notification_templates_<event>` on each). */
export type NotificationParent = { kind: 'job_template' | 'workflow_job_template' | 'organization'; id: number };

/** AWX sets no timeout; this cap only keeps close() from waiting on a receiver that never answers. */
const DELIVERY_CAP_MS = 30_000;
/** `WebhookBackend.send_messages` follows only these, within `MAX_RETRIES` requests in all. */
const FOLLOWED_REDIRECTS = new Set([301, 307]);
const MAX_ATTEMPTS = 5;

export interface NotifierOptions {
  now: () => number;
  timeScale: number;
  faults: FaultState;
}

type SendOutcome = { sent: number } | { error: string };

/** What the fault knobs did to the sends so far (a duplicate is not recorded by AWX, so only counted here). */
export interface NotificationDeliveryCounts {
  lost: number;
  delayed: number;
  duplicated: number;
}

/** Python's `isoformat()` of an aware UTC datetime: `+00:00`, microseconds only when non-zero. */
function pythonIsoFormat(epochMs: number | null): string | null {
  return epochMs === null ? null : awxDateTime(epochMs).replace(/Z$/, '+00:00');
}

export class Notifier {
  private templates = new Map<number, NotificationTemplate>();
  private nextTemplateId = 1;
  private attachments = new Map<string, Set<number>>();
  private notifications: NotificationRecord[] = [];
  private nextNotificationId = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private abort = new AbortController();
  private counts: NotificationDeliveryCounts = { lost: 0, delayed: 0, duplicated: 0 };
  /** TOWER_URL_BASE: the origin UI links in bodies start with; set once the server listens. */
  uiBase = 'https://aap-simulator.invalid';

  constructor(private readonly options: NotifierOptions) {}

  // ---- notification templates ----

  listTemplates(): NotificationTemplate[] {
    return [...this.templates.values()];
  }

  template(id: number): NotificationTemplate | undefined {
    return this.templates.get(id);
  }

  validate(
    data: Record<string, unknown>,
    existing: NotificationTemplate | undefined,
    organization: (id: number) => Organization | undefined,
  ): TemplateValidation {
    const ctx: ValidationContext = {
      organization,
      nameTaken: (name, organizationId, exceptId) =>
        this.listTemplates().some((t) => t.name === name && t.organization.id === organizationId && t.id !== exceptId),
    };
    return validateTemplate(data, existing, ctx);
  }

  create(input: TemplateInput): NotificationTemplate {
    const now = this.options.now();
    const template: NotificationTemplate = {
      id: this.nextTemplateId++,
      ...input,
      notificationType: 'webhook',
      created: now,
      modified: now,
    };
    this.templates.set(template.id, template);
    return template;
  }

  update(template: NotificationTemplate, input: TemplateInput): NotificationTemplate {
    Object.assign(template, input, { modified: this.options.now() });
    return template;
  }

  /** Deleting a template detaches it everywhere (the M2M rows go with it). */
  delete(id: number): boolean {
    if (!this.templates.delete(id)) return false;
    for (const attached of this.attachments.values()) attached.delete(id);
    return true;
  }

  attached(parent: NotificationParent, event: NotificationEvent): NotificationTemplate[] {
    const ids = this.attachments.get(attachmentKey(parent, event)) ?? new Set<number>();
    return [...ids].sort((a, b) => a - b).flatMap((id) => this.templates.get(id) ?? []);
  }

  /** Attaching twice, or detaching what is not attached, changes nothing (AWX answers 204 either way). */
  setAttached(parent: NotificationParent, event: NotificationEvent, templateId: number, attached: boolean): void {
    const key = attachmentKey(parent, event);
    const ids = this.attachments.get(key) ?? new Set<number>();
    if (attached) ids.add(templateId);
    else ids.delete(templateId);
    this.attachments.set(key, ids);
  }

  // ---- notifications ----

  listNotifications(): NotificationRecord[] {
    return [...this.notifications];
  }

  deliveryCounts(): NotificationDeliveryCounts {
    return { ...this.counts };
  }

  notification(id: number): NotificationRecord | undefined {
    return this.notifications.find((n) => n.id === id);
  }

  notificationsOf(kind: TemplateKind, jobId: number): NotificationRecord[] {
    return this.notifications.filter((n) => n.job?.kind === kind && n.job.id === jobId);
  }

  notificationsOfTemplate(templateId: number): NotificationRecord[] {
    return this.notifications.filter((n) => n.template.id === templateId);
  }

  /** Called by the world as a job reaches `event`: every template of the job's template and organization fires. */
  jobEvent(job: SimJob, event: NotificationEvent): void {
    const parentKind = job.kind === 'job' ? 'job_template' : 'workflow_job_template';
    const fired = new Map<number, NotificationTemplate>();
    for (const parent of [
      { kind: parentKind, id: job.template.id } as const,
      { kind: 'organization', id: job.template.organization.id } as const,
    ]) {
      for (const template of this.attached(parent, event)) fired.set(template.id, template);
    }
    if (fired.size === 0) return;
    const context = this.context(job);
    for (const template of fired.values()) this.send(template, job, event, context);
  }

  /** Forgets every template, attachment and notification; sends still waiting are dropped. */
  reset(): void {
    this.stopDeliveries();
    this.abort = new AbortController();
    this.templates.clear();
    this.nextTemplateId = 1;
    this.attachments.clear();
    this.notifications = [];
    this.counts = { lost: 0, delayed: 0, duplicated: 0 };
  }

  /** Stops waiting sends and aborts those under way; resolves once none is left. */
  async close(): Promise<void> {
    this.stopDeliveries();
    await Promise.allSettled([...this.inFlight]);
  }

  private stopDeliveries(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.abort.abort();
  }

  // ---- delivery ----

  private context(job: SimJob): NotificationContext {
    const ctx = { prefix: '/api/v2/', now: this.options.now() };
    const serialized = job.kind === 'job' ? serializeJob(job, 'detail', ctx) : serializeWorkflowJob(job, 'detail', ctx);
    return {
      job: allowListedJob(serialized as unknown as Record<string, unknown>),
      job_friendly_name: job.kind === 'job' ? 'Job' : 'Workflow Job',
      url: this.uiUrl(job),
      job_metadata: JSON.stringify(this.notificationData(job), null, 4),
    };
  }

  private uiUrl(job: SimJob): string {
    return `${this.uiBase}/#/jobs/${job.kind === 'job' ? 'playbook' : 'workflow'}/${job.id}`;
  }

  /** `Job.notification_data` / `WorkflowJob.notification_data`: what the default body carries. */
  private notificationData(job: SimJob): Record<string, unknown> {
    const common = {
      id: job.id,
      name: job.template.name,
      url: this.uiUrl(job),
      created_by: SIM_USER.username,
      started: pythonIsoFormat(job.started),
      finished: pythonIsoFormat(job.finished),
      status: job.status,
      traceback: job.resultTraceback,
    };
    if (job.kind === 'workflow') {
      // The simulator's workflow jobs have no nodes, so the summary has no node lines.
      return { ...common, body: 'Workflow job summary:\n', inventory: null, limit: null, extra_vars: job.extraVars };
    }
    return {
      ...common,
      inventory: SIM_INVENTORY.name,
      project: SIM_PROJECT.name,
      playbook: job.template.playbook,
      credential: null,
      limit: '',
      extra_vars: job.extraVars,
      hosts: hostSummaries(job),
    };
  }

  private send(template: NotificationTemplate, job: SimJob, event: NotificationEvent, context: NotificationContext) {
    const custom = (template.messages?.[event] as { body?: unknown } | null | undefined)?.body;
    let rendered: string;
    try {
      rendered = renderBody(typeof custom === 'string' && custom !== '' ? custom : DEFAULT_WEBHOOK_BODY, context);
    } catch (error) {
      // AWX's task dies on this TypeError before it creates a Notification: nothing is sent or recorded.
      if (error instanceof UnrenderableBody) return;
      throw error;
    }
    this.dispatch(this.record(template, { kind: job.kind, id: job.id }, rendered), template, webhookPayload(rendered));
  }

  /** `POST notification_templates/{id}/test/`: AWX sends `{"body": "Test Notification <id> <TOWER_URL_BASE>"}`. */
  test(template: NotificationTemplate): NotificationRecord {
    const stored = { body: `Test Notification ${template.id} ${this.uiBase}` };
    const record = this.record(template, null, stored);
    this.dispatch(record, template, stored);
    return record;
  }

  private record(template: NotificationTemplate, job: NotificationRecord['job'], body: unknown): NotificationRecord {
    const now = this.options.now();
    const record: NotificationRecord = {
      id: this.nextNotificationId++,
      template: { id: template.id, name: template.name, description: template.description },
      job,
      created: now,
      modified: now,
      status: 'pending',
      error: '',
      notificationsSent: 0,
      recipients: String(template.configuration.url ?? ''),
      body,
    };
    this.notifications.push(record);
    return record;
  }

  /** One attempt, after the faults had their say: lost (never sent), delayed, or sent twice. */
  private dispatch(record: NotificationRecord, template: NotificationTemplate, payload: unknown): void {
    const delivery = this.options.faults.notificationDelivery();
    if (delivery.lost) {
      this.counts.lost += 1;
      this.settle(record, { error: 'lost (simulated)' });
      return;
    }
    if (delivery.duplicated) this.counts.duplicated += 1;
    const configuration = { ...template.configuration };
    const deliver = () => {
      const run = (async () => {
        const outcome = await this.post(configuration, payload);
        this.settle(record, outcome);
        if (delivery.duplicated) await this.post(configuration, payload);
      })();
      this.inFlight.add(run);
      run.finally(() => this.inFlight.delete(run));
    };
    const delayMs = delivery.delaySeconds * 1000 * this.options.timeScale;
    if (delayMs <= 0) {
      deliver();
      return;
    }
    this.counts.delayed += 1;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      deliver();
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private settle(record: NotificationRecord, outcome: SendOutcome): void {
    record.modified = this.options.now();
    if ('error' in outcome) {
      record.status = 'failed';
      record.error = outcome.error;
    } else {
      record.status = 'successful';
      record.notificationsSent = outcome.sent;
    }
  }

  /** `WebhookBackend.send_messages` for one message. */
  private async post(configuration: Record<string, unknown>, body: unknown): Promise<SendOutcome> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': `AWX ${AWX_VERSION} (open)`,
    };
    for (const [name, value] of Object.entries((configuration.headers as Record<string, unknown>) ?? {})) {
      if (typeof value !== 'string') {
        return {
          error: `Header part (${String(value)}) from ('${name}', ${String(value)}) must be of type str or bytes`,
        };
      }
      // The configured headers win over the defaults whatever their case (requests' CaseInsensitiveDict).
      for (const existing of Object.keys(headers)) {
        if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
      }
      headers[name] = value;
    }
    const username = String(configuration.username ?? '');
    const password = String(configuration.password ?? '');
    if (username !== '' || password !== '') {
      headers.Authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    const method = String(configuration.http_method ?? 'POST').toUpperCase();
    let url = String(configuration.url ?? '');
    const payload = pythonJsonDumps(body, false);
    try {
      // Up to MAX_ATTEMPTS requests, following 301/307 only; running out of them is an error.
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
        const response = await fetch(url, {
          method,
          headers,
          body: payload,
          redirect: 'manual',
          signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(DELIVERY_CAP_MS)]),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (FOLLOWED_REDIRECTS.has(response.status)) {
          const location = response.headers.get('location');
          if (location === null) return { error: `Webhook notification received redirect to a blank URL from ${url}` };
          url = new URL(location, url).toString();
          continue;
        }
        if (response.status >= 400) return { error: `Error sending webhook notification: ${response.status}` };
        // Any other 3xx (and 299) is not counted as sent, and is no error either.
        return { sent: response.status >= 200 && response.status < 299 ? 1 : 0 };
      }
      return {
        error: `Webhook notification max number of retries [${MAX_ATTEMPTS}] exceeded. Failed to send webhook notification to ${url}`,
      };
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      return { error: `Error sending webhook notification: ${reason} (${method} ${url})` };
    }
  }
}

function attachmentKey(parent: NotificationParent, event: NotificationEvent): string {
  return `${parent.kind}:${parent.id}:${event}`;
}

/** `job_host_summaries` by host: {} before the stats exist (a `started` event, a job that never ran). */
function hostSummaries(job: SimJob): Record<string, unknown> {
  const counts = job.hostStatusCounts;
  if (counts === null || job.finished === null || Object.keys(counts).length === 0) return {};
  return {
    localhost: {
      failed: (counts.failures ?? 0) > 0,
      changed: counts.changed ?? 0,
      dark: counts.dark ?? 0,
      failures: counts.failures ?? 0,
      ok: counts.ok ?? 0,
      processed: 1,
      skipped: 0,
      rescued: 0,
      ignored: 0,
    },
  };
}
