import { InvalidResponse, TemplateNotFound } from '../../../lib/aap';
import { AapNotificationTemplates } from '../../../lib/aap/notification-templates/api';
import { NOTIFICATION_BODY, type WantedNotifications } from '../../../lib/aap/notification-templates/plan';
import { applyNotificationSetup } from '../../../lib/aap/notification-templates/setup';
import { AapFixtureServer } from '../../support/aap-fixture-server';
import { API_PREFIXES, type ApiPrefix, aapFixture } from '../../support/aap-fixtures';
import { caught, TOKEN } from '../client/harness';
import { DEPROVISION, FakeAwx, PROVISION } from './fake-awx';

const NOTIFICATION_TOKEN = 'ntf-8d1c3e9a7b2f4c60a5e1d9b3f7c2a8e4';
const wanted: WantedNotifications = {
  name: 'cloudkit-provisioner',
  callbackUrl: 'https://api.example.com/v1/aap/notifications',
  token: NOTIFICATION_TOKEN,
};
const TEMPLATE_NAMES = [PROVISION, DEPROVISION];

const writes = (server: AapFixtureServer) =>
  server.requests
    .filter((request) => request.method !== 'GET')
    .map((request) => ({ method: request.method, path: request.path, body: JSON.parse(request.body || 'null') }));

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function apiFor(prefix: ApiPrefix): AapNotificationTemplates {
  return new AapNotificationTemplates(
    { baseUrl: `${server.origin}${prefix}`, token: TOKEN, timeoutMs: 2000 },
    { sleep: async () => undefined, random: () => 0.5 },
  );
}

describe.each(API_PREFIXES)('configure-aap against AAP under %s', (prefix) => {
  const p = `${prefix}/v2`;

  it('creates the webhook and attaches it to both events of both templates; a second run changes nothing', async () => {
    const awx = new FakeAwx(server, prefix);
    const api = apiFor(prefix);

    const first = await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure');

    expect(first.changed).toBe(true);
    const created = writes(server)[0];
    expect(created).toEqual({
      method: 'POST',
      path: `${p}/notification_templates/`,
      body: {
        name: 'cloudkit-provisioner',
        description: expect.any(String),
        organization: 1,
        notification_type: 'webhook',
        notification_configuration: {
          url: wanted.callbackUrl,
          http_method: 'POST',
          headers: { Authorization: `Bearer ${NOTIFICATION_TOKEN}` },
          username: '',
          password: '',
          disable_ssl_verification: false,
        },
        messages: {
          started: null,
          success: { message: null, body: NOTIFICATION_BODY },
          error: { message: null, body: NOTIFICATION_BODY },
          workflow_approval: null,
        },
      },
    });
    // The shape AWX was verified to accept (the recorded create request), with our own values.
    const recorded = aapFixture<Record<string, Record<string, unknown>>>(
      'notification_template_webhook_create_request.json',
    );
    expect(Object.keys(created?.body).sort()).toEqual(Object.keys(recorded).sort());
    expect(Object.keys(created?.body.notification_configuration).sort()).toEqual(
      Object.keys(recorded.notification_configuration ?? {}).sort(),
    );
    expect(writes(server).slice(1)).toEqual([
      { method: 'POST', path: `${p}/job_templates/7/notification_templates_success/`, body: { id: 9 } },
      { method: 'POST', path: `${p}/job_templates/7/notification_templates_error/`, body: { id: 9 } },
      { method: 'POST', path: `${p}/workflow_job_templates/12/notification_templates_success/`, body: { id: 9 } },
      { method: 'POST', path: `${p}/workflow_job_templates/12/notification_templates_error/`, body: { id: 9 } },
    ]);
    expect(first.lines).toEqual([
      'created notification template "cloudkit-provisioner" (id 9): webhook POST https://api.example.com/v1/aap/notifications, Authorization: Bearer ****, body {id, type, status}',
      `attached notification template "cloudkit-provisioner" (id 9) to the success notifications of job template "${PROVISION}" (id 7)`,
      `attached notification template "cloudkit-provisioner" (id 9) to the error notifications of job template "${PROVISION}" (id 7)`,
      `attached notification template "cloudkit-provisioner" (id 9) to the success notifications of workflow job template "${DEPROVISION}" (id 12)`,
      `attached notification template "cloudkit-provisioner" (id 9) to the error notifications of workflow job template "${DEPROVISION}" (id 12)`,
    ]);
    // The notification template is looked up where it would be created: the provision template's organization.
    const lookup = server.requestsTo('GET', `${p}/notification_templates/`)[0];
    expect(lookup?.query.get('name')).toBe('cloudkit-provisioner');
    expect(lookup?.query.get('organization')).toBe('1');
    expect(awx.attachedTo('job_templates', 7, 'success')).toEqual([9]);

    server.requests.length = 0;
    const second = await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure');
    expect(second.changed).toBe(false);
    expect(writes(server)).toEqual([]);
    expect(second.lines).toEqual([
      `already configured: notification template "cloudkit-provisioner" (id 9) is attached to the success and error notifications of job template "${PROVISION}" (id 7) and workflow job template "${DEPROVISION}" (id 12)`,
    ]);
    api.close();
  });

  it('patches a notification template whose callback URL or token changed, whole, and attaches only what is missing', async () => {
    const awx = new FakeAwx(server, prefix);
    const api = apiFor(prefix);
    await applyNotificationSetup(api, TEMPLATE_NAMES, { ...wanted, token: 'old-token' }, 'configure');
    awx.attached.set('workflow_job_templates/12/error', []);
    awx.patchable(9);
    server.requests.length = 0;

    const result = await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure');

    expect(writes(server)).toEqual([
      {
        method: 'PATCH',
        path: `${p}/notification_templates/9/`,
        body: {
          notification_configuration: {
            url: wanted.callbackUrl,
            http_method: 'POST',
            headers: { Authorization: `Bearer ${NOTIFICATION_TOKEN}` },
            username: '',
            password: '',
            disable_ssl_verification: false,
          },
        },
      },
      { method: 'POST', path: `${p}/workflow_job_templates/12/notification_templates_error/`, body: { id: 9 } },
    ]);
    expect(result.lines[0]).toBe(
      'updated notification template "cloudkit-provisioner" (id 9): notification_configuration.headers',
    );
    expect(result.lines.join('\n')).not.toContain(NOTIFICATION_TOKEN);
    expect((await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure')).changed).toBe(false);
    api.close();
  });

  it('--remove detaches from every event of both templates and keeps the notification template', async () => {
    const awx = new FakeAwx(server, prefix);
    const api = apiFor(prefix);
    await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure');
    awx.attached.set('job_templates/7/success', [3, 9]);
    server.requests.length = 0;

    const removed = await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'remove');

    expect(writes(server)).toEqual(
      [
        `${p}/job_templates/7/notification_templates_success/`,
        `${p}/job_templates/7/notification_templates_error/`,
        `${p}/workflow_job_templates/12/notification_templates_success/`,
        `${p}/workflow_job_templates/12/notification_templates_error/`,
      ].map((path) => ({ method: 'POST', path, body: { id: 9, disassociate: true } })),
    );
    expect(awx.attachedTo('job_templates', 7, 'success')).toEqual([3]);
    expect(awx.notificationTemplates).toHaveLength(1);
    expect(removed.lines.at(-1)).toBe(
      'kept notification template "cloudkit-provisioner" (id 9) itself: delete it in AAP if nothing else uses it',
    );

    server.requests.length = 0;
    const again = await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'remove');
    expect(writes(server)).toEqual([]);
    expect(again.lines[0]).toBe(
      `notification template "cloudkit-provisioner" (id 9) is not attached to job template "${PROVISION}" (id 7) and workflow job template "${DEPROVISION}" (id 12): nothing to remove`,
    );
    api.close();
  });
});

describe('AAP errors', () => {
  it("names the call and quotes AAP's message when a create is refused", async () => {
    const awx = new FakeAwx(server, '/api');
    awx.createStatus = 400;
    const api = apiFor('/api');

    const error = await caught(() => applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure'));

    expect(error).toBeInstanceOf(InvalidResponse);
    expect(error.message).toBe(
      "POST /api/v2/notification_templates/ answered HTTP 400: messages: Field 'extra_vars_dict' unavailable; " +
        "messages: Webhook body for 'success' is not valid. The following gave an error (extra_vars_dict).",
    );
    // Sent once: a create is not idempotent.
    expect(server.requestsTo('POST', '/api/v2/notification_templates/')).toHaveLength(1);
    api.close();
  });

  it('says which template name was not found, as a launch would', async () => {
    new FakeAwx(server, '/api');
    const api = apiFor('/api');
    const error = await caught(() => applyNotificationSetup(api, ['no-such-template'], wanted, 'configure'));
    expect(error).toBeInstanceOf(TemplateNotFound);
    expect(error.message).toContain('No AAP job template or workflow job template is named "no-such-template"');
    api.close();
  });

  it('retries an attach that met a 503 (associating is idempotent)', async () => {
    const awx = new FakeAwx(server, '/api');
    const api = apiFor('/api');
    const attach = '/api/v2/job_templates/7/notification_templates_success/';
    server.on('POST', attach, { status: 503, body: { detail: 'busy' } }, () => {
      awx.attached.set('job_templates/7/success', [9]);
      return { status: 204 };
    });

    await applyNotificationSetup(api, TEMPLATE_NAMES, wanted, 'configure');

    expect(server.requestsTo('POST', attach)).toHaveLength(2);
    api.close();
  });
});
