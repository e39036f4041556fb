import { NOTIFICATION_BODY } from '../../lib/aap/notification-templates/plan';
import {
  configureLocalNotifications,
  LocalNotificationsError,
  type LocalNotificationsInput,
  NOTIFICATION_ROUTE_KEY,
} from '../../local/system/notifications';
import { FakeAwx } from '../aap/notification-templates/fake-awx';
import { AapFixtureServer } from '../support/aap-fixture-server';

const NOTIFICATION_TOKEN = 'local-aap-notification-token-under-test';

let server: AapFixtureServer;
beforeAll(async () => {
  server = await AapFixtureServer.start();
});
afterEach(() => server.reset());
afterAll(() => server.close());

function input(overrides: Partial<LocalNotificationsInput> = {}): LocalNotificationsInput {
  return {
    enabled: true,
    explicit: false,
    gatewayUrl: 'http://127.0.0.1:40123',
    routeKeys: ['POST /v1/clusters/{cluster}/events', NOTIFICATION_ROUTE_KEY],
    aapUrl: `${server.origin}/api/controller`,
    aapToken: 'local-aap-sim-token',
    token: NOTIFICATION_TOKEN,
    env: {},
    ...overrides,
  };
}

describe('npm start configures AAP notifications', () => {
  it('points AAP at the gateway’s receiver route, with the dev token, for both templates', async () => {
    const awx = new FakeAwx(server, '/api/controller');

    const result = await configureLocalNotifications(input());

    expect(result).toEqual({
      state: 'on',
      callbackUrl: 'http://127.0.0.1:40123/v1/aap/notifications',
      changes: expect.arrayContaining([expect.stringMatching(/^created notification template "cloudkit-provisioner"/)]),
    });
    expect(awx.notificationTemplates[0]).toMatchObject({
      notification_configuration: {
        url: 'http://127.0.0.1:40123/v1/aap/notifications',
        headers: { Authorization: `Bearer ${NOTIFICATION_TOKEN}` },
      },
      messages: { success: { body: NOTIFICATION_BODY }, error: { body: NOTIFICATION_BODY } },
    });
    expect(awx.attachedTo('job_templates', 7, 'success')).toEqual([9]);
    expect(awx.attachedTo('workflow_job_templates', 12, 'error')).toEqual([9]);
  });

  it('uses the template names the tasks use', async () => {
    new FakeAwx(server, '/api/controller');
    const result = await configureLocalNotifications(input({ env: { AAP_PROVISION_TEMPLATE: 'elsewhere' } }));
    expect(result).toMatchObject({ state: 'off', reason: expect.stringContaining('"elsewhere"') });
  });

  it('AAP_NOTIFICATIONS=off: asks AAP nothing', async () => {
    await expect(configureLocalNotifications(input({ enabled: false }))).resolves.toEqual({
      state: 'off',
      reason: 'AAP_NOTIFICATIONS=off',
    });
    expect(server.requests).toEqual([]);
  });

  it('without the receiver route, falls back to polling and says why', async () => {
    new FakeAwx(server, '/api/controller');
    const result = await configureLocalNotifications(input({ routeKeys: ['POST /v1/clusters/{cluster}/events'] }));
    expect(result).toEqual({
      state: 'off',
      reason:
        'AAP could not be configured: the gateway serves no POST /v1/aap/notifications (serverless.yml declares no receiver route)',
    });
    expect(server.requests).toEqual([]);
  });

  it('an AAP without the notification API: polling, naming the call (by default)', async () => {
    new FakeAwx(server, '/api/controller');
    server.on('GET', '/api/controller/v2/notification_templates/', { status: 404, body: { detail: 'Not found.' } });
    const result = await configureLocalNotifications(input());
    expect(result).toMatchObject({
      state: 'off',
      reason: expect.stringContaining('GET /api/controller/v2/notification_templates/'),
    });
  });

  it('AAP_NOTIFICATIONS=on: the same failure fails the start', async () => {
    new FakeAwx(server, '/api/controller');
    server.on('GET', '/api/controller/v2/notification_templates/', { status: 404, body: { detail: 'Not found.' } });
    await expect(configureLocalNotifications(input({ explicit: true }))).rejects.toThrow(LocalNotificationsError);
    await expect(configureLocalNotifications(input({ explicit: true }))).rejects.toThrow(
      /^AAP_NOTIFICATIONS=on, but AAP could not be configured: GET \/api\/controller\/v2\/notification_templates\/\?name=cloudkit-provisioner&organization=1 answered HTTP 404/,
    );
  });
});
