import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AapSimulator } from '../../../local/aap-simulator';
import { readAapFixture } from '../../support/fixtures';
import { call, launchJob, sortedKeys, startFastSimulator, templateId, waitFor, waitForJobStatus } from './helpers';

/** The body the product configures AAP to send (issue 13 design). */
const PRODUCT_BODY = '{"id": {{ job.id }}, "type": {{ job.type | tojson }}, "status": {{ job.status | tojson }}}';

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  at: number;
}

/** A real HTTP receiver on an ephemeral port: records every request, answers with `status`. */
class Receiver {
  readonly requests: Received[] = [];
  status = 200;
  /** Paths answered with a redirect instead of `status`. */
  readonly redirects = new Map<string, { status: number; location: string }>();
  private server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      this.requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: text === '' ? undefined : JSON.parse(text),
        at: Date.now(),
      });
      const redirect = this.redirects.get(req.url ?? '');
      if (redirect) res.writeHead(redirect.status, { Location: redirect.location }).end();
      else res.writeHead(this.status).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  forJob(id: number): Received[] {
    return this.requests.filter((r) => (r.body as { id?: number } | undefined)?.id === id);
  }
}

interface NotificationBody {
  id: number;
  status: string;
  error: string;
  notifications_sent: number;
  notification_template: number;
  body: unknown;
}

describe('AAP simulator: webhook notifications delivered as AWX sends them', () => {
  let sim: AapSimulator;
  let receiver: Receiver;
  let receiverUrl: string;

  beforeAll(async () => {
    receiver = new Receiver();
    receiverUrl = await receiver.start();
    const quick = { pending: 1, waiting: 1, running: 5, eventProcessing: 5 };
    sim = await startFastSimulator({
      templates: [
        { name: 'ends-ok', durations: quick },
        { name: 'ends-failed', outcome: 'failed', durations: quick },
        { name: 'long-running', durations: { ...quick, running: 100_000 } },
        { name: 'long-pending', durations: { ...quick, pending: 100_000 } },
        { name: 'release-pipeline', kind: 'workflow', durations: quick },
        { name: 'elsewhere', organization: { id: 3, name: 'Tenants' }, durations: quick },
      ],
    });
  });
  afterAll(async () => {
    await sim.close();
    await receiver.close();
  });
  beforeEach(() => {
    sim.reset();
    receiver.requests.length = 0;
    receiver.status = 200;
    receiver.redirects.clear();
  });

  async function createTemplate(overrides: Record<string, unknown> = {}, configuration: Record<string, unknown> = {}) {
    const body = {
      name: 'cloudkit-provisioner',
      organization: 1,
      notification_type: 'webhook',
      notification_configuration: {
        url: `${receiverUrl}/v1/aap/notifications`,
        headers: { Authorization: 'Bearer receiver-token' },
        ...configuration,
      },
      messages: { started: null, success: { body: PRODUCT_BODY }, error: { body: PRODUCT_BODY } },
      ...overrides,
    };
    const reply = await call<{ id: number }>(sim, '/api/v2/notification_templates/', { method: 'POST', body });
    if (reply.status !== 201) throw new Error(`create answered ${reply.status}: ${reply.text}`);
    return reply.json.id;
  }

  async function attach(parent: string, parentId: number, ntId: number, events = ['success', 'error']) {
    for (const event of events) {
      const reply = await call(sim, `/api/v2/${parent}/${parentId}/notification_templates_${event}/`, {
        method: 'POST',
        body: { id: ntId },
      });
      expect(reply.status).toBe(204);
    }
  }

  const attachToJobTemplate = async (name: string, ntId: number, events?: string[]) =>
    attach('job_templates', await templateId(sim, name), ntId, events);

  const notificationsOf = async (jobId: number, path = 'jobs') =>
    (await call<{ results: NotificationBody[] }>(sim, `/api/v2/${path}/${jobId}/notifications/`)).json.results;

  /** Enough real time for a notification that would come to have come (jobs here last milliseconds). */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

  it('sends success with the product body, headers and user agent, and records it successful', async () => {
    const nt = await createTemplate();
    await attachToJobTemplate('ends-ok', nt);
    const id = await launchJob(sim, 'ends-ok');
    const [request] = await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 1,
    );
    expect(request?.body).toEqual({ id, type: 'job', status: 'successful' });
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/aap/notifications');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer receiver-token',
      'content-type': 'application/json',
      'user-agent': 'AWX 24.6.1 (open)',
    });
    // The job is terminal (and its events stored) before its notification leaves.
    const job = await call<{ status: string; event_processing_finished: boolean }>(sim, `/api/v2/jobs/${id}/`);
    expect(job.json).toMatchObject({ status: 'successful', event_processing_finished: true });
    const [notification] = await waitFor(
      () => notificationsOf(id),
      (list) => list[0]?.status === 'successful',
    );
    expect(notification).toMatchObject({ notification_template: nt, error: '', notifications_sent: 1 });
    await settle();
    expect(receiver.forJob(id)).toHaveLength(1);
  });

  it('sends error for a failed job', async () => {
    await attachToJobTemplate('ends-failed', await createTemplate());
    const id = await launchJob(sim, 'ends-failed');
    const [request] = await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 1,
    );
    expect(request?.body).toEqual({ id, type: 'job', status: 'failed' });
  });

  it('sends started when the job runs, and error (canceled) when it is canceled while running', async () => {
    const everyEvent = {
      started: { body: PRODUCT_BODY },
      success: { body: PRODUCT_BODY },
      error: { body: PRODUCT_BODY },
    };
    await attachToJobTemplate('long-running', await createTemplate({ messages: everyEvent }), [
      'started',
      'success',
      'error',
    ]);
    const id = await launchJob(sim, 'long-running');
    await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 1,
    );
    expect((await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' })).status).toBe(202);
    const got = await waitFor(
      () => receiver.forJob(id),
      (list) => list.length === 2,
    );
    expect(got.map((r) => r.body)).toEqual([
      { id, type: 'job', status: 'running' },
      { id, type: 'job', status: 'canceled' },
    ]);
  });

  it('sends nothing at all for a job canceled while pending', async () => {
    await attachToJobTemplate('long-pending', await createTemplate(), ['started', 'success', 'error']);
    const id = await launchJob(sim, 'long-pending');
    expect((await call(sim, `/api/v2/jobs/${id}/cancel/`, { method: 'POST' })).status).toBe(202);
    await waitForJobStatus(sim, id, ['canceled']);
    await settle();
    expect(receiver.forJob(id)).toEqual([]);
    expect(await notificationsOf(id)).toEqual([]);
  });

  it('sends for workflow jobs (type workflow_job) from the workflow template', async () => {
    const nt = await createTemplate();
    await attach('workflow_job_templates', await templateId(sim, 'release-pipeline', 'workflow'), nt);
    const wfjtId = await templateId(sim, 'release-pipeline', 'workflow');
    const launched = await call<{ workflow_job: number }>(sim, `/api/v2/workflow_job_templates/${wfjtId}/launch/`, {
      method: 'POST',
      body: {},
    });
    const id = launched.json.workflow_job;
    const [request] = await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 1,
    );
    expect(request?.body).toEqual({ id, type: 'workflow_job', status: 'successful' });
    expect(await notificationsOf(id, 'workflow_jobs')).toHaveLength(1);
  });

  it('inherits the organization’s templates, once per template however often it is attached', async () => {
    const nt = await createTemplate();
    await attach('organizations', 1, nt);
    await attachToJobTemplate('ends-ok', nt);
    const inDefault = await launchJob(sim, 'ends-ok');
    const inTenants = await launchJob(sim, 'elsewhere');
    await waitFor(
      () => receiver.forJob(inDefault),
      (got) => got.length === 1,
    );
    await waitForJobStatus(sim, inTenants, ['successful']);
    await settle();
    expect(receiver.forJob(inDefault)).toHaveLength(1);
    expect(receiver.forJob(inTenants)).toEqual([]);
  });

  it('sends the default body (job_metadata) when the template has none, shaped like the recorded ones', async () => {
    await attachToJobTemplate('ends-ok', await createTemplate({ messages: null }), ['started', 'success']);
    const id = await launchJob(sim, 'ends-ok', { cloudkit_note: 'x' });
    const [started, success] = await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 2,
    );
    expect(sortedKeys(started?.body)).toEqual(sortedKeys(readAapFixture('webhook_default_body_job_started.json')));
    expect(sortedKeys(success?.body)).toEqual(sortedKeys(readAapFixture('webhook_default_body_job_success.json')));
    expect(started?.body).toMatchObject({ status: 'running', finished: null, hosts: {}, created_by: 'admin' });
    const body = success?.body as Record<string, unknown>;
    expect(body).toMatchObject({ id, status: 'successful', url: `${sim.url}/#/jobs/playbook/${id}` });
    expect(body.finished).toMatch(/\+00:00$/);
    expect(JSON.parse(body.extra_vars as string)).toMatchObject({ cloudkit_note: 'x' });
  });

  it('sends the workflow default body with the recorded keys', async () => {
    const nt = await createTemplate({ messages: null });
    const wfjtId = await templateId(sim, 'release-pipeline', 'workflow');
    await attach('workflow_job_templates', wfjtId, nt, ['success']);
    const launched = await call<{ workflow_job: number }>(sim, `/api/v2/workflow_job_templates/${wfjtId}/launch/`, {
      method: 'POST',
      body: {},
    });
    const [request] = await waitFor(
      () => receiver.forJob(launched.json.workflow_job),
      (got) => got.length === 1,
    );
    expect(sortedKeys(request?.body)).toEqual(sortedKeys(readAapFixture('webhook_default_body_workflow_success.json')));
  });

  it('sends {} for a body that renders to invalid JSON, and renders quotes in names safely with tojson', async () => {
    const broken = '{"id": {{ job.id }}, "name": "{{ job.name }}", "finished": "{{ job.finished }}"';
    const safe = '{"id": {{ job.id }}, "name": {{ job.name | tojson }}, "finished": {{ job.finished | tojson }}}';
    await attachToJobTemplate(
      'long-running',
      await createTemplate({ name: 'broken', messages: { started: { body: broken } } }),
      ['started'],
    );
    await attachToJobTemplate(
      'long-running',
      await createTemplate({ name: 'safe', messages: { started: { body: safe } } }),
      ['started'],
    );
    const id = await launchJob(sim, 'long-running');
    const got = await waitFor(
      () => receiver.requests.filter((r) => r.body !== undefined),
      (list) => list.length === 2,
    );
    expect(got.map((r) => r.body)).toEqual(expect.arrayContaining([{}, { id, name: 'long-running', finished: null }]));
  });

  it('sends PUT with Basic auth when configured', async () => {
    const nt = await createTemplate({}, { http_method: 'PUT', username: 'aap', password: 'pw' });
    await attachToJobTemplate('ends-ok', nt, ['success']);
    const id = await launchJob(sim, 'ends-ok');
    const [request] = await waitFor(
      () => receiver.forJob(id),
      (got) => got.length === 1,
    );
    expect(request?.method).toBe('PUT');
    expect(request?.headers.authorization).toBe(`Basic ${Buffer.from('aap:pw').toString('base64')}`);
  });

  it('records a failed notification on a receiver error and on a refused connection, without retrying', async () => {
    receiver.status = 503;
    await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
    const id = await launchJob(sim, 'ends-ok');
    const [failed] = await waitFor(
      () => notificationsOf(id),
      (list) => list[0]?.status === 'failed',
    );
    expect(failed).toMatchObject({ error: 'Error sending webhook notification: 503', notifications_sent: 0 });
    await settle();
    expect(receiver.forJob(id)).toHaveLength(1);

    const closed = new Receiver();
    const closedUrl = await closed.start();
    await closed.close();
    const unreachable = await createTemplate({ name: 'unreachable' }, { url: `${closedUrl}/hook` });
    await attachToJobTemplate('ends-failed', unreachable, ['error']);
    const other = await launchJob(sim, 'ends-failed');
    const [refused] = await waitFor(
      () => notificationsOf(other),
      (list) => list[0]?.status === 'failed',
    );
    expect(refused?.error).toMatch(/^Error sending webhook notification: ECONNREFUSED/);
    const detail = await call<NotificationBody>(sim, `/api/v2/notifications/${refused?.id}/`);
    expect(detail.json).toMatchObject({ status: 'failed', body: { id: other, type: 'job', status: 'failed' } });
  });

  it('follows 301/307 redirects (same method and body) and gives up after five requests', async () => {
    receiver.redirects.set('/v1/aap/notifications', { status: 307, location: '/moved' });
    await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
    const id = await launchJob(sim, 'ends-ok');
    const got = await waitFor(
      () => receiver.forJob(id),
      (list) => list.length === 2,
    );
    expect(got.map((r) => [r.method, r.path])).toEqual([
      ['POST', '/v1/aap/notifications'],
      ['POST', '/moved'],
    ]);
    await waitFor(
      () => notificationsOf(id),
      (list) => list[0]?.status === 'successful',
    );

    receiver.redirects.set('/loop', { status: 301, location: '/loop' });
    const looping = await createTemplate({ name: 'looping' }, { url: `${receiverUrl}/loop` });
    await attachToJobTemplate('ends-failed', looping, ['error']);
    const other = await launchJob(sim, 'ends-failed');
    const [failed] = await waitFor(
      () => notificationsOf(other),
      (list) => list[0]?.status === 'failed',
    );
    expect(failed?.error).toBe(
      `Webhook notification max number of retries [5] exceeded. Failed to send webhook notification to ${receiverUrl}/loop`,
    );
    expect(receiver.forJob(other)).toHaveLength(5);
  });

  it('sends a test notification: 202 shaped like the recorded one, the receiver gets {"body": …}', async () => {
    const nt = await createTemplate();
    const reply = await call<NotificationBody & { notification: number }>(
      sim,
      `/api/v2/notification_templates/${nt}/test/`,
      { method: 'POST' },
    );
    expect(reply.status).toBe(202);
    expect(sortedKeys(reply.json)).toEqual(sortedKeys(readAapFixture('notification_test_202.json')));
    expect(reply.json).toMatchObject({ notification: reply.json.id, status: 'pending', notification_template: nt });
    const text = `Test Notification ${nt} ${sim.url}`;
    expect(reply.json.body).toBe(text);
    const [request] = await waitFor(
      () => receiver.requests,
      (got) => got.length === 1,
    );
    expect(request?.body).toEqual({ body: text });
    const detail = await waitFor(
      async () => (await call<NotificationBody>(sim, `/api/v2/notifications/${reply.json.id}/`)).json,
      (n) => n.status === 'successful',
    );
    expect(detail.body).toBe(text);
  });

  describe('fault knobs', () => {
    it('loses a notification: no request, recorded failed "lost (simulated)"', async () => {
      sim.setFaults({ notifications: { lostFraction: 1 } });
      await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
      const id = await launchJob(sim, 'ends-ok');
      const [lost] = await waitFor(
        () => notificationsOf(id),
        (list) => list[0]?.status === 'failed',
      );
      expect(lost?.error).toBe('lost (simulated)');
      await settle();
      expect(receiver.forJob(id)).toEqual([]);
      expect(sim.notifications().deliveries).toEqual({ lost: 1, delayed: 0, duplicated: 0 });
      expect(sim.notifications().records.map((r) => r.status)).toEqual(['failed']);
    });

    it('duplicates a notification: two requests, one notification recorded as sent once', async () => {
      sim.setFaults({ notifications: { duplicateFraction: 1 } });
      await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
      const id = await launchJob(sim, 'ends-ok');
      const got = await waitFor(
        () => receiver.forJob(id),
        (list) => list.length === 2,
      );
      expect(got[0]?.body).toEqual(got[1]?.body);
      const notifications = await notificationsOf(id);
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({ status: 'successful', notifications_sent: 1 });
      // AWX records one send; only the simulator's count shows the second request.
      expect(sim.notifications().deliveries).toEqual({ lost: 0, delayed: 0, duplicated: 1 });
    });

    it('delays a notification by the scaled delay', async () => {
      // 40 simulated seconds at timeScale 0.01: 400 ms after the job's events are stored (50 ms after it ends).
      sim.setFaults({ notifications: { delaySeconds: { min: 40, max: 40 } } });
      await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
      const id = await launchJob(sim, 'ends-ok');
      const [request] = await waitFor(
        () => receiver.forJob(id),
        (got) => got.length === 1,
      );
      const finishedAt = sim.world.jobs().find((job) => job.id === id)?.finishedAt ?? Number.NaN;
      // Timers may fire a millisecond early by Date.now.
      expect(request?.at).toBeGreaterThanOrEqual(finishedAt + 50 + 400 - 2);
      expect(sim.notifications().deliveries).toEqual({ lost: 0, delayed: 1, duplicated: 0 });
    });

    it('draws the same fates for the same seed, and other fates for another seed', async () => {
      const fates = async (seed: number) => {
        sim.reset();
        receiver.requests.length = 0;
        sim.setFaults({ seed, notifications: { lostFraction: 0.5 } });
        await attachToJobTemplate('ends-ok', await createTemplate(), ['success']);
        const ids: number[] = [];
        for (let i = 0; i < 8; i += 1) ids.push(await launchJob(sim, 'ends-ok'));
        const statuses: string[] = [];
        for (const id of ids) {
          const [n] = await waitFor(
            () => notificationsOf(id),
            (list) => list[0] !== undefined && list[0].status !== 'pending',
          );
          statuses.push(n?.status ?? '');
        }
        return statuses;
      };
      const first = await fates(7);
      expect(first).toContain('failed');
      expect(first).toContain('successful');
      expect(await fates(7)).toEqual(first);
      expect(await fates(8)).not.toEqual(first);
    });

    it.each([
      [{ delaySeconds: { min: 2, max: 1 } }, /delaySeconds.min must not exceed delaySeconds.max/],
      [{ lostFraction: 1.5 }, /notifications\.lostFraction/],
      [{ duplicateFraction: -0.1 }, /notifications\.duplicateFraction/],
      [{ dropFraction: 0.5 }, /notifications: Unrecognized key/],
    ])('refuses the notification faults %j, naming what is wrong', (notifications, message) => {
      expect(() => sim.setFaults({ notifications } as never)).toThrow(message);
    });
  });
});

describe('AAP simulator: a receiver that never answers', () => {
  it('does not hold close() (AWX sets no timeout; the simulator aborts what is under way)', async () => {
    const hanging = createServer(() => {
      // Reads the request and never answers.
    });
    await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
    const { port } = hanging.address() as AddressInfo;
    const sim = await startFastSimulator({
      templates: [{ name: 'ends-ok', durations: { pending: 0, waiting: 0, running: 1, eventProcessing: 0 } }],
    });
    try {
      const created = await call<{ id: number }>(sim, '/api/v2/notification_templates/', {
        method: 'POST',
        body: {
          name: 'hangs',
          organization: 1,
          notification_type: 'webhook',
          notification_configuration: { url: `http://127.0.0.1:${port}/`, headers: {} },
        },
      });
      const jt = await templateId(sim, 'ends-ok');
      await call(sim, `/api/v2/job_templates/${jt}/notification_templates_success/`, {
        method: 'POST',
        body: { id: created.json.id },
      });
      const id = await launchJob(sim, 'ends-ok');
      await waitFor(
        async () => (await call<{ results: unknown[] }>(sim, `/api/v2/jobs/${id}/notifications/`)).json.results,
        (list) => list.length === 1,
      );
      const closingStarted = Date.now();
      await sim.close();
      expect(Date.now() - closingStarted).toBeLessThan(2000);
    } finally {
      await sim.close();
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    }
  });
});
