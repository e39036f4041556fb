import {
  type AapNotificationState,
  describeAction,
  type ExistingNotificationTemplate,
  NOTIFICATION_BODY,
  NOTIFICATION_MESSAGES,
  type NotificationAction,
  NotificationSetupConflict,
  planNotificationSetup,
  type TemplateAttachments,
  type WantedNotifications,
  webhookConfiguration,
} from '../../../lib/aap/notification-templates/plan';
import type { AapTemplateRef } from '../../../lib/aap/templates';

const TOKEN = 'ntf-8d1c3e9a7b2f4c60a5e1d9b3f7c2a8e4';
const wanted: WantedNotifications = {
  name: 'cloudkit-provisioner',
  callbackUrl: 'https://api.example.com/v1/aap/notifications',
  token: TOKEN,
};
const provision: AapTemplateRef = { id: 7, type: 'job_template', name: 'osac-create-compute-instance' };
const deprovision: AapTemplateRef = { id: 12, type: 'workflow_job_template', name: 'osac-delete-compute-instance' };
const NT = 9;

const configured: ExistingNotificationTemplate = {
  id: NT,
  name: 'cloudkit-provisioner',
  notificationType: 'webhook',
  // As AWX shows it: the password masked (blank here, so not set), the headers as stored.
  configuration: { ...webhookConfiguration(wanted) },
  messages: {
    started: null,
    success: { message: null, body: NOTIFICATION_BODY },
    error: { message: null, body: NOTIFICATION_BODY },
    workflow_approval: null,
  },
};

function attachments(
  template: AapTemplateRef,
  ids: Partial<Record<'started' | 'success' | 'error', number[]>>,
): TemplateAttachments {
  return { template, attached: { started: ids.started ?? [], success: ids.success ?? [], error: ids.error ?? [] } };
}

const fullyAttached = [
  attachments(provision, { success: [3, NT], error: [NT] }),
  attachments(deprovision, { success: [NT], error: [NT, 4] }),
];

function state(overrides: Partial<AapNotificationState> = {}): AapNotificationState {
  return { notificationTemplate: configured, organization: 1, templates: fullyAttached, ...overrides };
}

/** An action as one comparable line (the create/update bodies are checked separately). */
function summary(action: NotificationAction): string {
  switch (action.kind) {
    case 'create':
      return `create org ${action.body.organization}`;
    case 'update':
      return `update ${action.id}: ${action.changes.join(', ')}`;
    default:
      return `${action.kind} ${action.template.id} ${action.event}`;
  }
}

const withConfiguration = (configuration: Record<string, unknown>): ExistingNotificationTemplate => ({
  ...configured,
  configuration: { ...configured.configuration, ...configuration },
});

describe('planNotificationSetup: configure', () => {
  it.each<[string, AapNotificationState, string[]]>([
    ['a configured AAP: nothing to do', state(), []],
    [
      'nothing in AAP yet: create, then attach both events of both templates',
      state({ notificationTemplate: undefined, templates: [attachments(provision, {}), attachments(deprovision, {})] }),
      ['create org 1', 'attach 7 success', 'attach 7 error', 'attach 12 success', 'attach 12 error'],
    ],
    [
      'the template exists but is attached nowhere',
      state({ templates: [attachments(provision, { success: [3] }), attachments(deprovision, {})] }),
      ['attach 7 success', 'attach 7 error', 'attach 12 success', 'attach 12 error'],
    ],
    [
      'one event missing on one template',
      state({
        templates: [
          attachments(provision, { success: [NT], error: [NT] }),
          attachments(deprovision, { success: [NT] }),
        ],
      }),
      ['attach 12 error'],
    ],
    [
      'attached to started by hand: detached (it would wake waiting executions when a job starts)',
      state({
        templates: [
          attachments(provision, { started: [NT], success: [NT], error: [NT] }),
          fullyAttached[1] as TemplateAttachments,
        ],
      }),
      ['detach 7 started'],
    ],
    [
      'a callback URL that moved',
      state({ notificationTemplate: withConfiguration({ url: 'https://old.example.com/v1/aap/notifications' }) }),
      [`update ${NT}: notification_configuration.url`],
    ],
    [
      'another token in the headers',
      state({ notificationTemplate: withConfiguration({ headers: { Authorization: 'Bearer old-token' } }) }),
      [`update ${NT}: notification_configuration.headers`],
    ],
    [
      'an extra header',
      state({
        notificationTemplate: withConfiguration({ headers: { Authorization: `Bearer ${TOKEN}`, 'X-Other': '1' } }),
      }),
      [`update ${NT}: notification_configuration.headers`],
    ],
    [
      'a password set (AWX shows $encrypted$): Basic auth would replace our Authorization header',
      state({ notificationTemplate: withConfiguration({ password: '$encrypted$' }) }),
      [`update ${NT}: notification_configuration.password`],
    ],
    [
      'PUT instead of POST, and TLS verification off',
      state({ notificationTemplate: withConfiguration({ http_method: 'PUT', disable_ssl_verification: true }) }),
      [`update ${NT}: notification_configuration.http_method, notification_configuration.disable_ssl_verification`],
    ],
    [
      'the default body (no custom body: it would carry extra_vars)',
      state({ notificationTemplate: { ...configured, messages: { started: null, success: null, error: null } } }),
      [`update ${NT}: messages.success, messages.error`],
    ],
    [
      'http_method in lower case is the same method',
      state({ notificationTemplate: withConfiguration({ http_method: 'post' }) }),
      [],
    ],
    [
      'one template serving both provision and deprovision: attached once',
      state({ notificationTemplate: undefined, templates: [attachments(provision, {}), attachments(provision, {})] }),
      ['create org 1', 'attach 7 success', 'attach 7 error'],
    ],
  ])('%s', (_name, current, expected) => {
    expect(planNotificationSetup(current, wanted, 'configure').map(summary)).toEqual(expected);
  });

  it('creates the webhook with our body, the bearer header and no Basic auth', () => {
    const [create] = planNotificationSetup(state({ notificationTemplate: undefined }), wanted, 'configure');
    expect(create).toEqual({
      kind: 'create',
      body: {
        name: 'cloudkit-provisioner',
        description: expect.any(String),
        organization: 1,
        notification_type: 'webhook',
        notification_configuration: {
          url: wanted.callbackUrl,
          http_method: 'POST',
          headers: { Authorization: `Bearer ${TOKEN}` },
          username: '',
          password: '',
          disable_ssl_verification: false,
        },
        messages: NOTIFICATION_MESSAGES,
      },
    });
  });

  it('the body names the job and nothing else: never extra_vars or job_metadata', () => {
    expect(NOTIFICATION_BODY).toBe(
      '{"id": {{ job.id }}, "type": {{ job.type | tojson }}, "status": {{ job.status | tojson }}}',
    );
    expect(NOTIFICATION_MESSAGES.started).toBeNull();
  });

  it('patches only the part that differs, whole (AWX replaces a JSON field)', () => {
    const [update] = planNotificationSetup(
      state({ notificationTemplate: withConfiguration({ url: 'https://old.example.com/' }) }),
      wanted,
      'configure',
    );
    expect(update).toEqual({
      kind: 'update',
      id: NT,
      changes: ['notification_configuration.url'],
      patch: { notification_configuration: webhookConfiguration(wanted) },
    });
    const [messagesOnly] = planNotificationSetup(
      state({ notificationTemplate: { ...configured, messages: null } }),
      wanted,
      'configure',
    );
    expect(messagesOnly).toMatchObject({ kind: 'update', patch: { messages: NOTIFICATION_MESSAGES } });
    expect(messagesOnly?.kind === 'update' && 'notification_configuration' in messagesOnly.patch).toBe(false);
  });

  it('refuses to turn a notification template of another type into a webhook', () => {
    const email = { ...configured, notificationType: 'email' };
    expect(() => planNotificationSetup(state({ notificationTemplate: email }), wanted, 'configure')).toThrow(
      new NotificationSetupConflict(
        'notification template "cloudkit-provisioner" (id 9) is of type email, not webhook: choose another name with --name, or delete it in AAP',
      ),
    );
  });

  it('refuses to create one when the provision template has no organization', () => {
    expect(() =>
      planNotificationSetup(state({ notificationTemplate: undefined, organization: null }), wanted, 'configure'),
    ).toThrow(/job template "osac-create-compute-instance" \(id 7\) has no organization/);
  });
});

describe('planNotificationSetup: remove', () => {
  it.each<[string, AapNotificationState, string[]]>([
    [
      'detaches every event of both templates, leaving others attached',
      state({
        templates: [
          attachments(provision, { started: [NT], success: [3, NT], error: [NT] }),
          fullyAttached[1] as TemplateAttachments,
        ],
      }),
      ['detach 7 started', 'detach 7 success', 'detach 7 error', 'detach 12 success', 'detach 12 error'],
    ],
    ['no notification template: nothing to do', state({ notificationTemplate: undefined }), []],
    [
      'already detached: nothing to do',
      state({ templates: [attachments(provision, { success: [3] }), attachments(deprovision, { error: [4] })] }),
      [],
    ],
    [
      'a stale configuration is left as it is',
      state({
        notificationTemplate: withConfiguration({ url: 'https://old.example.com/' }),
        templates: [attachments(provision, { success: [NT] })],
      }),
      ['detach 7 success'],
    ],
  ])('%s', (_name, current, expected) => {
    expect(planNotificationSetup(current, wanted, 'remove').map(summary)).toEqual(expected);
  });
});

describe('describeAction', () => {
  it.each<[NotificationAction, string]>([
    [
      planNotificationSetup(state({ notificationTemplate: undefined }), wanted, 'configure')[0] as NotificationAction,
      'created notification template "cloudkit-provisioner" (id 9): webhook POST https://api.example.com/v1/aap/notifications, Authorization: Bearer ****, body {id, type, status}',
    ],
    [
      { kind: 'update', id: NT, changes: ['notification_configuration.headers'], patch: {} },
      'updated notification template "cloudkit-provisioner" (id 9): notification_configuration.headers',
    ],
    [
      { kind: 'attach', template: provision, event: 'success' },
      'attached notification template "cloudkit-provisioner" (id 9) to the success notifications of job template "osac-create-compute-instance" (id 7)',
    ],
    [
      { kind: 'detach', template: deprovision, event: 'error' },
      'detached notification template "cloudkit-provisioner" (id 9) from the error notifications of workflow job template "osac-delete-compute-instance" (id 12)',
    ],
  ])('%#: never prints the token', (action, line) => {
    const described = describeAction(action, 'cloudkit-provisioner', NT);
    expect(described).toBe(line);
    expect(described).not.toContain(TOKEN);
  });
});
