import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, PREFIXES, startFastSimulator, templateId } from './helpers';

interface NotificationTemplateBody {
  id: number;
  url: string;
  name: string;
  organization: number;
  notification_type: string;
  notification_configuration: Record<string, unknown>;
  messages: Record<string, unknown> | null;
}

interface ListBody<T> {
  count: number;
  next: string | null;
  results: T[];
}

/** The recorded create request, pointed at a receiver of our own. */
function createRequest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const recorded = readAapFixture<Record<string, unknown>>('notification_template_webhook_create_request.json');
  return { ...recorded, ...overrides };
}

const webhookConfig = (extra: Record<string, unknown> = {}) => ({
  url: 'http://127.0.0.1:9/hook',
  headers: { Authorization: 'Bearer t' },
  ...extra,
});

describe('AAP simulator: notification template API', () => {
  let sim: AapSimulator;

  beforeAll(async () => {
    // Given as options, not addTemplate: reset() between tests keeps them.
    sim = await startFastSimulator({
      templates: [
        { name: 'other-org-template', organization: { id: 3, name: 'Tenants' } },
        { name: 'a-workflow', kind: 'workflow' },
      ],
    });
  });
  afterAll(() => sim.close());
  beforeEach(() => sim.reset());

  const create = (body: unknown) =>
    call<NotificationTemplateBody>(sim, '/api/v2/notification_templates/', { method: 'POST', body });

  it('creates a webhook template from the recorded request: 201, Location, defaults kept, password hidden', async () => {
    const reply = await create(
      createRequest({
        notification_configuration: { ...webhookConfig(), username: 'aap', password: 's3cret' },
      }),
    );
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/api/v2/notification_templates/${reply.json.id}/`);
    expect(reply.json).toMatchObject({
      type: 'notification_template',
      name: 'orchestrator-callback',
      organization: 1,
      notification_type: 'webhook',
      notification_configuration: {
        url: 'http://127.0.0.1:9/hook',
        http_method: 'POST',
        disable_ssl_verification: false,
        username: 'aap',
        password: '$encrypted$',
        headers: { Authorization: 'Bearer t' },
      },
    });
    const recorded = createRequest().messages as Record<string, { body: string } | null>;
    expect((reply.json.messages as Record<string, { body: string }>).success?.body).toBe(recorded.success?.body);
  });

  it.each<[string, Record<string, unknown>, unknown]>([
    ['no organization', { organization: undefined }, { organization: ['This field is required.'] }],
    [
      'an organization that does not exist',
      { organization: 99 },
      { organization: ['Invalid pk "99" - object does not exist.'] },
    ],
    ['no name', { name: undefined }, { name: ['This field is required.'] }],
    [
      'an unknown type',
      { notification_type: 'carrier-pigeon' },
      { notification_type: ['"carrier-pigeon" is not a valid choice.'] },
    ],
    [
      'a type the simulator does not simulate',
      { notification_type: 'email' },
      { notification_type: ['The AAP simulator has webhook notification templates only; "email" is not simulated.'] },
    ],
    [
      'no headers',
      { notification_configuration: { url: 'http://127.0.0.1:9/hook' } },
      { __all__: ["Missing required fields for Notification Configuration: ['headers']."] },
    ],
    [
      'neither url nor headers',
      { notification_configuration: {} },
      { __all__: ["Missing required fields for Notification Configuration: ['url', 'headers']."] },
    ],
    [
      'headers that are not an object',
      { notification_configuration: webhookConfig({ headers: 'Authorization: x' }) },
      { __all__: ["Configuration field 'headers' incorrect type, expected object."] },
    ],
    [
      'a GET webhook',
      { notification_configuration: webhookConfig({ http_method: 'GET' }) },
      { __all__: ["HTTP method must be either 'POST' or 'PUT'."] },
    ],
    [
      'extra_vars_dict in a body (recorded)',
      { messages: { success: { body: '{"vars": {{ job.extra_vars_dict | tojson }}}' } } },
      readAapFixture('notification_template_400_extra_vars_dict.json'),
    ],
  ])('refuses %s with AWX’s 400', async (_name, overrides, expected) => {
    const body = createRequest({ notification_configuration: webhookConfig(), ...overrides });
    for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete body[key];
    const reply = await create(body);
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual(expected);
  });

  it('refuses a second template of the same name in the same organization', async () => {
    const body = createRequest({ notification_configuration: webhookConfig() });
    expect((await create(body)).status).toBe(201);
    const again = await create(body);
    expect(again.status).toBe(400);
    expect(again.json).toEqual({ __all__: ['Notification template with this Organization and Name already exists.'] });
    expect((await create({ ...body, organization: 3 })).status).toBe(201);
  });

  it('lists with ?name= and pages like the other lists, under both prefixes', async () => {
    for (const name of ['cb-a', 'cb-b', 'cb-c']) {
      await create(createRequest({ name, notification_configuration: webhookConfig() }));
    }
    for (const prefix of PREFIXES) {
      const byName = await call<ListBody<NotificationTemplateBody>>(sim, `${prefix}notification_templates/?name=cb-b`);
      expect(byName.json.count).toBe(1);
      expect(byName.json.results[0]).toMatchObject({ name: 'cb-b', url: expect.stringMatching(`^${prefix}`) });
      const paged = await call<ListBody<NotificationTemplateBody>>(sim, `${prefix}notification_templates/?page_size=2`);
      expect(paged.json.count).toBe(3);
      expect(paged.json.results.map((t) => t.name)).toEqual(['cb-a', 'cb-b']);
      expect(paged.json.next).toBe(`${prefix}notification_templates/?page=2&page_size=2`);
    }
    const secret = await call(sim, '/api/v2/notification_templates/?notification_configuration__icontains=Bearer');
    expect(secret.status).toBe(403);
  });

  it('patches (keeping a stored password sent back as $encrypted$), then deletes', async () => {
    const created = await create(
      createRequest({ notification_configuration: webhookConfig({ username: 'u', password: 'p' }) }),
    );
    const path = `/api/v2/notification_templates/${created.json.id}/`;
    const patched = await call<NotificationTemplateBody>(sim, path, {
      method: 'PATCH',
      body: {
        description: 'changed',
        notification_configuration: { ...created.json.notification_configuration, url: 'http://127.0.0.1:9/other' },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      description: 'changed',
      notification_configuration: { url: 'http://127.0.0.1:9/other', password: '$encrypted$' },
    });
    const badPatch = await call(sim, path, { method: 'PATCH', body: { notification_configuration: {} } });
    expect(badPatch.status).toBe(400);
    expect((await call(sim, path, { method: 'DELETE' })).status).toBe(204);
    expect((await call(sim, path)).json).toEqual({ detail: 'No NotificationTemplate matches the given query.' });
  });

  it.each([
    ['job_templates', 'osac-create-compute-instance', 'job'],
    ['workflow_job_templates', 'a-workflow', 'workflow'],
    ['organizations', null, null],
  ] as const)('attaches and detaches on %s idempotently (204 each time)', async (parentPath, name, kind) => {
    const nt = await create(createRequest({ notification_configuration: webhookConfig() }));
    const parentId = name === null || kind === null ? 1 : await templateId(sim, name, kind);
    for (const event of ['started', 'success', 'error']) {
      const path = `/api/v2/${parentPath}/${parentId}/notification_templates_${event}/`;
      const listed = async () =>
        (await call<ListBody<NotificationTemplateBody>>(sim, path)).json.results.map((t) => t.id);
      expect(await listed()).toEqual([]);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const attach = await call(sim, path, { method: 'POST', body: { id: nt.json.id } });
        expect([attach.status, attach.text]).toEqual([204, '']);
      }
      expect(await listed()).toEqual([nt.json.id]);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const detach = await call(sim, path, { method: 'POST', body: { id: nt.json.id, disassociate: true } });
        expect(detach.status).toBe(204);
      }
      expect(await listed()).toEqual([]);
    }
  });

  it('detaches whenever disassociate is present, even false (AWX tests the key, not its value)', async () => {
    const nt = await create(createRequest({ notification_configuration: webhookConfig() }));
    const path = `/api/v2/job_templates/${await templateId(sim, 'osac-create-compute-instance')}/notification_templates_error/`;
    await call(sim, path, { method: 'POST', body: { id: nt.json.id } });
    const detach = await call(sim, path, { method: 'POST', body: { id: nt.json.id, disassociate: false } });
    expect(detach.status).toBe(204);
    expect((await call<ListBody<unknown>>(sim, path)).json.count).toBe(0);
  });

  it.each<[string, unknown, number, unknown]>([
    ['an unknown template', { id: 999 }, 400, { detail: 'NotificationTemplate matching query does not exist.' }],
    ['an id that is not an integer', { id: 'one' }, 400, { msg: '"id" field must be an integer.' }],
    ['a detach without id', { disassociate: true }, 400, { msg: '"id" is required to disassociate' }],
  ])('refuses attaching %s', async (_name, body, status, expected) => {
    const id = await templateId(sim, 'osac-create-compute-instance');
    const reply = await call(sim, `/api/v2/job_templates/${id}/notification_templates_success/`, {
      method: 'POST',
      body,
    });
    expect([reply.status, reply.json]).toEqual([status, expected]);
  });

  it('answers 404 for the attach list of a template that does not exist', async () => {
    const reply = await call(sim, '/api/v2/job_templates/999/notification_templates_success/');
    expect([reply.status, reply.json]).toEqual([404, { detail: 'No JobTemplate matches the given query.' }]);
  });

  it('lists organizations: Default and those of the templates', async () => {
    const list = await call<ListBody<{ id: number; name: string }>>(sim, '/api/v2/organizations/');
    expect(list.json.results.map((o) => [o.id, o.name])).toEqual([
      [1, 'Default'],
      [3, 'Tenants'],
    ]);
    const detail = await call<{ name: string }>(sim, '/api/v2/organizations/3/');
    expect(detail.json.name).toBe('Tenants');
    expect((await call(sim, '/api/v2/organizations/42/')).status).toBe(404);
  });
});
