/**
 * Notification templates and notifications as AWX stores, validates and serializes them
 * (`NotificationTemplateSerializer.validate_messages`/`validate`, `WebhookBackend.init_parameters`,
 * `NotificationSerializer`). Only webhooks are simulated: the one type the product configures.
 */
import type { Organization } from './schemas';
import { SIM_USER } from './serializers';
import { checkTemplate } from './webhook-body';
import { awxDateTime, pythonTypeName } from './wire-format';

export type NotificationEvent = 'started' | 'success' | 'error';
export const NOTIFICATION_EVENTS: readonly NotificationEvent[] = ['started', 'success', 'error'];

export interface NotificationTemplate {
  id: number;
  name: string;
  description: string;
  organization: Organization;
  notificationType: 'webhook';
  /** As stored: defaults filled in, the password in clear (shown `$encrypted$`). */
  configuration: Record<string, unknown>;
  messages: Record<string, unknown> | null;
  created: number;
  modified: number;
}

export type NotificationStatus = 'pending' | 'successful' | 'failed';

/** One `Notification`: a send of one template for one job event. */
export interface NotificationRecord {
  id: number;
  template: { id: number; name: string; description: string };
  /** null for a test notification. */
  job: { kind: 'job' | 'workflow'; id: number } | null;
  created: number;
  modified: number;
  status: NotificationStatus;
  error: string;
  notificationsSent: number;
  recipients: string;
  /** As AWX stores it: the rendered text of a job notification, `{"body": …}` for a test. */
  body: unknown;
}

/** `NotificationTemplate.NOTIFICATION_TYPES`. */
const NOTIFICATION_TYPES = [
  'email',
  'slack',
  'twilio',
  'pagerduty',
  'grafana',
  'webhook',
  'mattermost',
  'rocketchat',
  'irc',
  'awssns',
];

type ParamType = 'string' | 'bool' | 'password' | 'object';

/** `WebhookBackend.init_parameters`, in its order (the order of "Missing required fields" lists). */
const WEBHOOK_PARAMETERS: ReadonlyArray<{ field: string; type: ParamType; default?: unknown }> = [
  { field: 'url', type: 'string' },
  { field: 'http_method', type: 'string', default: 'POST' },
  { field: 'disable_ssl_verification', type: 'bool', default: false },
  { field: 'username', type: 'string', default: '' },
  { field: 'password', type: 'password', default: '' },
  { field: 'headers', type: 'object' },
];

const ENCRYPTED = '$encrypted$';
const DEFAULT_MESSAGES = { started: null, success: null, error: null, workflow_approval: null };

function hasType(value: unknown, type: ParamType): boolean {
  switch (type) {
    case 'string':
    case 'password':
      return typeof value === 'string';
    case 'bool':
      return typeof value === 'boolean';
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
}

const pythonClass = (value: unknown) => `<class '${pythonTypeName(value)}'>`;
const isDict = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** `validate_messages`: structure first, then every message rendered against the stub, then webhook bodies. */
export function validateMessages(messages: unknown, notificationType: unknown): string[] {
  if (messages === null) return [];
  const errors: string[] = [];
  const collected: string[] = [];
  if (!isDict(messages)) {
    errors.push(`Expected dict for 'messages' field, found ${pythonClass(messages)}`);
  } else {
    for (const [event, eventMessages] of Object.entries(messages)) {
      if (!['started', 'success', 'error', 'changed', 'workflow_approval'].includes(event)) {
        errors.push(
          `Event '${event}' invalid, must be one of 'started', 'success', 'error', 'changed', or 'workflow_approval'`,
        );
        continue;
      }
      if (eventMessages === null) continue;
      if (!isDict(eventMessages)) {
        errors.push(`Expected dict for event '${event}', found ${pythonClass(eventMessages)}`);
        continue;
      }
      // workflow_approval nests one level more; the simulator has no approvals, so its texts are not rendered.
      if (event === 'workflow_approval') continue;
      for (const [messageType, message] of Object.entries(eventMessages)) {
        if (messageType !== 'message' && messageType !== 'body') {
          errors.push(`Message type '${messageType}' invalid, must be either 'message' or 'body'`);
          continue;
        }
        if (message === null) continue;
        if (typeof message !== 'string') {
          errors.push(`Expected string for '${messageType}', found ${pythonClass(message)}, `);
          continue;
        }
        if (messageType === 'message' && message.includes('\n')) {
          errors.push(`Messages cannot contain newlines (found newline in ${event} event)`);
          continue;
        }
        collected.push(message);
      }
    }
  }
  for (const message of collected) {
    const check = checkTemplate(message);
    if (check.ok) continue;
    if (check.kind === 'unavailable') errors.push(`Field '${check.detail}' unavailable`);
    else if (check.kind === 'syntax') errors.push(`Unable to render message '${message}': ${check.detail}`);
  }
  if (notificationType === 'webhook' && isDict(messages)) {
    for (const [event, eventMessages] of Object.entries(messages)) {
      if (!isDict(eventMessages)) continue;
      const body = eventMessages.body;
      if (typeof body !== 'string' || body === '') continue;
      const check = checkTemplate(body);
      if (!check.ok) {
        errors.push(`Webhook body for '${event}' is not valid. The following gave an error (${check.detail}).`);
      }
    }
  }
  return errors;
}

export interface TemplateInput {
  name: string;
  description: string;
  organization: Organization;
  configuration: Record<string, unknown>;
  messages: Record<string, unknown> | null;
}

export interface ValidationContext {
  organization(id: number): Organization | undefined;
  /** Another template (not `exceptId`) already has this name in this organization. */
  nameTaken(name: string, organizationId: number, exceptId: number | undefined): boolean;
}

export type TemplateValidation =
  | { ok: true; value: TemplateInput }
  | { ok: false; errors: Record<string, string[]>; unsupported?: boolean };

/** The create (no `existing`) or PATCH of a notification template: DRF field errors, then `validate`'s `__all__`. */
export function validateTemplate(
  data: Record<string, unknown>,
  existing: NotificationTemplate | undefined,
  ctx: ValidationContext,
): TemplateValidation {
  const fieldErrors: Record<string, string[]> = {};
  const required = (field: string) => existing === undefined && !(field in data);

  let name = existing?.name ?? '';
  if (required('name')) fieldErrors.name = ['This field is required.'];
  else if ('name' in data) {
    const given = data.name;
    if (given === null) fieldErrors.name = ['This field may not be null.'];
    else if (typeof given !== 'string' && typeof given !== 'number') fieldErrors.name = ['Not a valid string.'];
    else if (String(given).trim() === '') fieldErrors.name = ['This field may not be blank.'];
    else if (String(given).length > 512) fieldErrors.name = ['Ensure this field has no more than 512 characters.'];
    else name = String(given).trim();
  }

  let description = existing?.description ?? '';
  if ('description' in data) {
    if (typeof data.description !== 'string') fieldErrors.description = ['Not a valid string.'];
    else description = data.description;
  }

  let organization = existing?.organization;
  if (required('organization')) fieldErrors.organization = ['This field is required.'];
  else if ('organization' in data) {
    const given = data.organization;
    if (given === null) fieldErrors.organization = ['This field may not be null.'];
    else if (typeof given !== 'number' || !Number.isInteger(given)) {
      fieldErrors.organization = [`Incorrect type. Expected pk value, received ${pythonTypeName(given)}.`];
    } else {
      organization = ctx.organization(given);
      if (!organization) fieldErrors.organization = [`Invalid pk "${given}" - object does not exist.`];
    }
  }

  const notificationType = 'notification_type' in data ? data.notification_type : existing?.notificationType;
  let unsupported = false;
  if (required('notification_type')) fieldErrors.notification_type = ['This field is required.'];
  else if ('notification_type' in data) {
    if (typeof notificationType !== 'string' || !NOTIFICATION_TYPES.includes(notificationType)) {
      fieldErrors.notification_type = [`"${String(notificationType)}" is not a valid choice.`];
    } else if (notificationType !== 'webhook') {
      unsupported = true;
      fieldErrors.notification_type = [
        `The AAP simulator has webhook notification templates only; "${notificationType}" is not simulated.`,
      ];
    }
  }

  const configGiven = 'notification_configuration' in data;
  if (configGiven && !isDict(data.notification_configuration)) {
    fieldErrors.notification_configuration = [
      `Expected a dictionary of items but got type "${pythonTypeName(data.notification_configuration)}".`,
    ];
  }

  let messages: Record<string, unknown> | null = existing === undefined ? { ...DEFAULT_MESSAGES } : existing.messages;
  if ('messages' in data) {
    const messageErrors = validateMessages(data.messages, notificationType);
    if (messageErrors.length > 0) fieldErrors.messages = messageErrors;
    else messages = (data.messages as Record<string, unknown> | null) ?? null;
  }

  if (Object.keys(fieldErrors).length > 0) return { ok: false, errors: fieldErrors, unsupported };

  let configuration = existing?.configuration ?? {};
  if (configGiven) {
    const checked = validateWebhookConfiguration(data.notification_configuration as Record<string, unknown>, existing);
    if (!checked.ok) return { ok: false, errors: { __all__: checked.errors } };
    configuration = checked.configuration;
  }
  const org = organization as Organization;
  if (ctx.nameTaken(name, org.id, existing?.id)) {
    return {
      ok: false,
      errors: { __all__: ['Notification template with this Organization and Name already exists.'] },
    };
  }
  return { ok: true, value: { name, description, organization: org, configuration, messages } };
}

/** `NotificationTemplateSerializer.validate` over `WebhookBackend.init_parameters`. */
function validateWebhookConfiguration(
  given: Record<string, unknown>,
  existing: NotificationTemplate | undefined,
): { ok: true; configuration: Record<string, unknown> } | { ok: false; errors: string[] } {
  const configuration = { ...given };
  const errors: string[] = [];
  const missing: string[] = [];
  const wrongType: string[] = [];
  const keepStored: string[] = [];
  for (const param of WEBHOOK_PARAMETERS) {
    if (!(param.field in configuration)) {
      if ('default' in param) configuration[param.field] = param.default;
      else {
        missing.push(param.field);
        continue;
      }
    }
    const value = configuration[param.field];
    if (!hasType(value, param.type)) {
      wrongType.push(`Configuration field '${param.field}' incorrect type, expected ${param.type}.`);
      continue;
    }
    if (param.type === 'password' && value === ENCRYPTED && existing !== undefined) keepStored.push(param.field);
    if (param.field === 'http_method' && !['put', 'post'].includes((value as string).toLowerCase())) {
      errors.push("HTTP method must be either 'POST' or 'PUT'.");
    }
  }
  if (missing.length > 0) {
    errors.push(
      `Missing required fields for Notification Configuration: [${missing.map((f) => `'${f}'`).join(', ')}].`,
    );
  }
  errors.push(...wrongType);
  if (errors.length > 0) return { ok: false, errors };
  for (const field of keepStored) configuration[field] = existing?.configuration[field] ?? '';
  return { ok: true, configuration };
}

function displayConfiguration(configuration: Record<string, unknown>): Record<string, unknown> {
  const shown = { ...configuration };
  for (const param of WEBHOOK_PARAMETERS) {
    if (param.type === 'password' && typeof shown[param.field] === 'string' && shown[param.field] !== '') {
      shown[param.field] = ENCRYPTED;
    }
  }
  return shown;
}

export function serializeNotificationTemplate(
  nt: NotificationTemplate,
  recent: readonly NotificationRecord[],
  prefix: string,
) {
  const base = `${prefix}notification_templates/${nt.id}/`;
  return {
    id: nt.id,
    type: 'notification_template',
    url: base,
    related: {
      created_by: `${prefix}users/${SIM_USER.id}/`,
      modified_by: `${prefix}users/${SIM_USER.id}/`,
      test: `${base}test/`,
      notifications: `${base}notifications/`,
      copy: `${base}copy/`,
      organization: `${prefix}organizations/${nt.organization.id}/`,
    },
    summary_fields: {
      organization: { id: nt.organization.id, name: nt.organization.name, description: '' },
      created_by: SIM_USER,
      modified_by: SIM_USER,
      user_capabilities: { edit: true, delete: true, copy: true },
      recent_notifications: recent
        .slice(-5)
        .reverse()
        .map((n) => ({ id: n.id, status: n.status, created: awxDateTime(n.created), error: n.error })),
    },
    created: awxDateTime(nt.created),
    modified: awxDateTime(nt.modified),
    name: nt.name,
    description: nt.description,
    organization: nt.organization.id,
    notification_type: nt.notificationType,
    notification_configuration: displayConfiguration(nt.configuration),
    messages: nt.messages,
  };
}

/** `NotificationSerializer.get_body` for webhooks: a dict's `body`, text that is a JSON object parsed, else as is. */
function displayBody(body: unknown): unknown {
  if (isDict(body)) return 'body' in body ? body.body : body;
  if (typeof body === 'string') {
    try {
      const parsed: unknown = JSON.parse(body);
      if (isDict(parsed)) return parsed;
    } catch {
      // not JSON: shown as stored
    }
  }
  return body;
}

export function serializeNotification(n: NotificationRecord, prefix: string) {
  return {
    id: n.id,
    type: 'notification',
    url: `${prefix}notifications/${n.id}/`,
    related: { notification_template: `${prefix}notification_templates/${n.template.id}/` },
    summary_fields: { notification_template: { ...n.template } },
    created: awxDateTime(n.created),
    modified: awxDateTime(n.modified),
    notification_template: n.template.id,
    error: n.error,
    status: n.status,
    notifications_sent: n.notificationsSent,
    notification_type: 'webhook',
    recipients: n.recipients,
    body: displayBody(n.body),
  };
}
