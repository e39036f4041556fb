import type { AapTemplateRef } from '../templates';

/**
 * The pure part of `cloudkit-provisioner configure-aap`: from what AAP holds now and what we want, the list of
 * changes. Applying them and re-reading AAP gives an empty plan; so does re-running on a configured AAP.
 */

/** Default name of the notification template (`--name`). */
export const DEFAULT_NOTIFICATION_TEMPLATE_NAME = 'cloudkit-provisioner';

/**
 * The body AAP renders for each notification: a hint naming the job and nothing more. Never AAP's default body,
 * which embeds the job's extra_vars: the whole ComputeInstance and any storage passwords.
 */
export const NOTIFICATION_BODY =
  '{"id": {{ job.id }}, "type": {{ job.type | tojson }}, "status": {{ job.status | tojson }}}';

export type NotificationEvent = 'started' | 'success' | 'error';
/** The events a job's end fires: success, and error (failed, error, canceled while running). */
export const ATTACHED_EVENTS = ['success', 'error'] as const satisfies readonly NotificationEvent[];
export const NOTIFICATION_EVENTS = ['started', 'success', 'error'] as const satisfies readonly NotificationEvent[];

export interface WantedNotifications {
  name: string;
  callbackUrl: string;
  /** The receiver's bearer token: compared, sent, never printed. */
  token: string;
}

/** A notification template as `GET {B}/notification_templates/?name=` shows it. */
export interface ExistingNotificationTemplate {
  id: number;
  name: string;
  notificationType: string;
  configuration: Readonly<Record<string, unknown>>;
  messages: unknown;
}

export interface TemplateAttachments {
  template: AapTemplateRef;
  /** Ids of the notification templates attached to each event of the template. */
  attached: Readonly<Record<NotificationEvent, readonly number[]>>;
}

export interface AapNotificationState {
  notificationTemplate: ExistingNotificationTemplate | undefined;
  /** The provision template's organization: where a new notification template goes. */
  organization: number | null | undefined;
  /** The provision and deprovision templates (once each, should they be one template). */
  templates: readonly TemplateAttachments[];
}

/** What `POST {B}/notification_templates/` takes and `PATCH` changes. */
export interface NotificationTemplateBody {
  name: string;
  description: string;
  organization: number;
  notification_type: 'webhook';
  notification_configuration: WebhookConfiguration;
  messages: NotificationMessages;
}

export interface WebhookConfiguration {
  url: string;
  http_method: 'POST';
  headers: { Authorization: string };
  username: '';
  password: '';
  disable_ssl_verification: false;
}

type Message = { message: null; body: string } | null;
export interface NotificationMessages {
  started: Message;
  success: Message;
  error: Message;
  workflow_approval: null;
}

export type NotificationAction =
  | { kind: 'create'; body: NotificationTemplateBody }
  | {
      kind: 'update';
      id: number;
      /** Which fields differ, for the report (`notification_configuration.headers`, never a value). */
      changes: readonly string[];
      patch: Partial<Pick<NotificationTemplateBody, 'notification_configuration' | 'messages'>>;
    }
  | { kind: 'attach' | 'detach'; template: AapTemplateRef; event: NotificationEvent };

/** What we have found in AAP cannot be made what we want without a person deciding; the message says what. */
export class NotificationSetupConflict extends Error {
  override readonly name = 'NotificationSetupConflict';
}

export function webhookConfiguration(wanted: WantedNotifications): WebhookConfiguration {
  return {
    url: wanted.callbackUrl,
    http_method: 'POST',
    headers: { Authorization: `Bearer ${wanted.token}` },
    // A username or password makes AWX send Basic auth, which replaces our Authorization header.
    username: '',
    password: '',
    disable_ssl_verification: false,
  };
}

export const NOTIFICATION_MESSAGES: NotificationMessages = {
  // Nothing on start: a job that starts has not ended, and waking the waiting execution then only costs a poll.
  started: null,
  success: { message: null, body: NOTIFICATION_BODY },
  error: { message: null, body: NOTIFICATION_BODY },
  workflow_approval: null,
};

/**
 * The changes that make AAP send our notification for both events of every template (`configure`), or stop
 * sending it (`remove`: detached from every event; the notification template itself is kept).
 */
export function planNotificationSetup(
  state: AapNotificationState,
  wanted: WantedNotifications,
  mode: 'configure' | 'remove',
): NotificationAction[] {
  const templates = uniqueTemplates(state.templates);
  const existing = state.notificationTemplate;
  if (mode === 'remove') {
    if (existing === undefined) return [];
    return templates.flatMap(({ template, attached }) =>
      NOTIFICATION_EVENTS.filter((event) => attached[event].includes(existing.id)).map((event) => ({
        kind: 'detach' as const,
        template,
        event,
      })),
    );
  }
  const actions: NotificationAction[] = [];
  if (existing === undefined) {
    const { organization } = state;
    if (typeof organization !== 'number') {
      const provision = templates[0]?.template;
      throw new NotificationSetupConflict(
        `${describeTemplate(provision)} has no organization, and a notification template needs one: ` +
          'give the template an organization in AAP',
      );
    }
    actions.push({
      kind: 'create',
      body: {
        name: wanted.name,
        description: 'Tells cloudkit-provisioner that a job ended (job id, type and status only)',
        organization,
        notification_type: 'webhook',
        notification_configuration: webhookConfiguration(wanted),
        messages: NOTIFICATION_MESSAGES,
      },
    });
  } else {
    if (existing.notificationType !== 'webhook') {
      throw new NotificationSetupConflict(
        `notification template "${existing.name}" (id ${existing.id}) is of type ${existing.notificationType}, not ` +
          'webhook: choose another name with --name, or delete it in AAP',
      );
    }
    const update = planUpdate(existing, wanted);
    if (update !== undefined) actions.push(update);
  }
  for (const { template, attached } of templates) {
    const has = (event: NotificationEvent) => existing !== undefined && attached[event].includes(existing.id);
    for (const event of ATTACHED_EVENTS) if (!has(event)) actions.push({ kind: 'attach', template, event });
    // Attached to `started` (by hand), it would wake every waiting execution when its job starts.
    if (has('started')) actions.push({ kind: 'detach', template, event: 'started' });
  }
  return actions;
}

function planUpdate(
  existing: ExistingNotificationTemplate,
  wanted: WantedNotifications,
): NotificationAction | undefined {
  const configuration = webhookConfiguration(wanted);
  const current = existing.configuration;
  const changes: string[] = [];
  const differs = (key: keyof WebhookConfiguration, same: boolean) => {
    if (!same) changes.push(`notification_configuration.${key}`);
  };
  differs('url', current.url === configuration.url);
  differs('http_method', String(current.http_method ?? 'POST').toUpperCase() === configuration.http_method);
  differs('headers', sameHeaders(current.headers, configuration.headers));
  differs('username', isBlank(current.username));
  // AWX shows a stored password as `$encrypted$`, so anything but blank means one is set.
  differs('password', isBlank(current.password));
  differs(
    'disable_ssl_verification',
    current.disable_ssl_verification === false || current.disable_ssl_verification == null,
  );
  const configurationChanged = changes.length > 0;
  const messages = (existing.messages ?? {}) as Record<string, unknown>;
  const stale = ATTACHED_EVENTS.filter((event) => bodyOf(messages[event]) !== NOTIFICATION_BODY);
  changes.push(...stale.map((event) => `messages.${event}`));
  const messagesChanged = stale.length > 0;
  if (changes.length === 0) return undefined;
  return {
    kind: 'update',
    id: existing.id,
    changes,
    patch: {
      ...(configurationChanged ? { notification_configuration: configuration } : {}),
      ...(messagesChanged ? { messages: NOTIFICATION_MESSAGES } : {}),
    },
  };
}

function sameHeaders(current: unknown, wanted: Record<string, string>): boolean {
  if (current === null || typeof current !== 'object' || Array.isArray(current)) return false;
  const entries = Object.entries(current);
  return entries.length === Object.keys(wanted).length && entries.every(([key, value]) => wanted[key] === value);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function bodyOf(message: unknown): unknown {
  return message !== null && typeof message === 'object' ? (message as { body?: unknown }).body : undefined;
}

function uniqueTemplates(templates: readonly TemplateAttachments[]): TemplateAttachments[] {
  const seen = new Set<string>();
  return templates.filter(({ template }) => {
    const key = `${template.type}:${template.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function describeTemplate(template: AapTemplateRef | undefined): string {
  if (template === undefined) return 'the provision template';
  const kind = template.type === 'job_template' ? 'job template' : 'workflow job template';
  return `${kind} "${template.name}" (id ${template.id})`;
}

/** One line per change; the token is never part of it. `id` is the notification template's, once known. */
export function describeAction(action: NotificationAction, name: string, id: number | undefined): string {
  const which = `notification template "${name}"${id === undefined ? '' : ` (id ${id})`}`;
  switch (action.kind) {
    case 'create': {
      const { url, http_method } = action.body.notification_configuration;
      return `created ${which}: webhook ${http_method} ${url}, Authorization: Bearer ****, body {id, type, status}`;
    }
    case 'update':
      return `updated ${which}: ${action.changes.join(', ')}`;
    case 'attach':
      return `attached ${which} to the ${action.event} notifications of ${describeTemplate(action.template)}`;
    case 'detach':
      return `detached ${which} from the ${action.event} notifications of ${describeTemplate(action.template)}`;
  }
}
