import {
  checkBearer,
  describeNotification,
  describeNotificationFailure,
  MAX_NOTIFICATION_BYTES,
  NOTIFIED_OUTPUT,
  NotificationTokenUnavailable,
  parseNotification,
  receiveNotification,
} from '../../lib/notifications';
import type { TaskTokenStore } from '../../lib/notifications/waiters';
import { arm, bearer, FixedToken, memoryPorts, NOW_MS, notificationBody, TOKEN } from './support';

const bytes = (text: string) => Buffer.from(text, 'utf8');
const request = (body: string | undefined, headers: Record<string, string> = bearer(), isBase64Encoded = false) => ({
  headers,
  body,
  isBase64Encoded,
});
const json = (response: { body: string }) => JSON.parse(response.body) as Record<string, unknown>;

describe('parseNotification', () => {
  it.each([
    ['a job', notificationBody(42, 'job', 'successful'), { id: 42, kind: 'job' }, 'successful'],
    ['a workflow job', notificationBody(9, 'workflow_job', 'failed'), { id: 9, kind: 'workflow_job' }, 'failed'],
    [
      'extra fields (a hand-made body)',
      JSON.stringify({ id: 3, type: 'job', status: 'error', url: 'https://aap/jobs/3', extra: { a: 1 } }),
      { id: 3, kind: 'job' },
      'error',
    ],
  ])('accepts %s', (_what, body, job, status) => {
    expect(parseNotification(bytes(body))).toEqual({ ok: true, job, status });
  });

  it.each([
    ['id 0', notificationBody(0), 'id: expected a positive job id'],
    ['a negative id', notificationBody(-4), 'id: expected a positive job id'],
    ['a fractional id', notificationBody(1.5), 'id: expected a whole number'],
    ['an id as text', notificationBody('12'), 'id: expected the job id as a number'],
    ['no id', JSON.stringify({ type: 'job', status: 'successful' }), 'id: required'],
    ['another type', notificationBody(5, 'project_update'), 'type: expected "job" or "workflow_job"'],
    ['no type', JSON.stringify({ id: 5, status: 'successful' }), 'type: required'],
    ['no status', JSON.stringify({ id: 5, type: 'job' }), 'status: required'],
    ['a status as a number', notificationBody(5, 'job', 3), 'status: expected the job status as a string'],
    ['an array', '[1,2]', 'body: expected a JSON object'],
    ['AAP default for a non-JSON body', '{}', 'id: required'],
  ])('refuses %s, naming the field', (_what, body, issue) => {
    const parsed = parseNotification(bytes(body));
    expect(parsed).toMatchObject({ ok: false, reason: 'invalid_body' });
    expect(parsed.ok ? '' : parsed.message).toContain(issue);
  });

  it.each([
    ['not JSON', bytes('id=5')],
    ['empty', bytes('')],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
  ])('refuses a body that is %s', (_what, body) => {
    expect(parseNotification(body)).toEqual({
      ok: false,
      reason: 'malformed_json',
      message: 'body is not valid UTF-8 JSON',
      issues: [],
    });
  });
});

describe('checkBearer', () => {
  it.each([
    [undefined, 'missing'],
    ['', 'malformed'],
    ['Bearer', 'malformed'],
    ['Bearer ', 'malformed'],
    [`Basic ${TOKEN}`, 'malformed'],
    [`Bearer ${TOKEN} extra`, 'malformed'],
    [`Bearer ${TOKEN}`, 'ok'],
    [`bearer ${TOKEN}`, 'ok'],
    [`Bearer   ${TOKEN} `, 'ok'],
    [`Bearer ${TOKEN}x`, 'mismatch'],
    [`Bearer ${TOKEN.slice(0, -1)}`, 'mismatch'],
    ['Bearer someone-else', 'mismatch'],
  ])('%j → %s', (authorization, expected) => {
    expect(checkBearer(authorization, TOKEN)).toBe(expected);
  });
});

describe('receiveNotification', () => {
  it('resumes every waiter of the job with the fixed output and disarms them; other jobs keep theirs', async () => {
    const ports = memoryPorts();
    const provision = await arm(ports, { id: 42, kind: 'job' }, 'provision');
    const deprovision = await arm(ports, { id: 42, kind: 'job' }, 'deprovision');
    const otherJob = await arm(ports, { id: 43, kind: 'job' }, 'other');
    const sameIdWorkflow = await arm(ports, { id: 42, kind: 'workflow_job' }, 'workflow');

    const result = await receiveNotification(request(notificationBody(42, 'job', 'failed')), ports);

    expect(result.response.statusCode).toBe(200);
    expect(json(result.response)).toEqual({ resumed: 2, gone: 0 });
    expect(result.outcome).toEqual({
      kind: 'handled',
      job: { id: 42, kind: 'job' },
      status: 'failed',
      waiters: 2,
      resumed: 2,
      gone: 0,
    });
    expect(ports.tasks.calls.sort((a, b) => a.token.localeCompare(b.token))).toEqual(
      [deprovision, provision].map((w) => ({ token: w.token, output: { notified: true } })),
    );
    expect(ports.store.all()).toEqual(expect.arrayContaining([otherJob, sameIdWorkflow]));
    expect(ports.store.all()).toHaveLength(2);
  });

  it('the output is fixed: nothing of the body reaches an execution', async () => {
    const ports = memoryPorts();
    await arm(ports, { id: 8, kind: 'job' }, 'p');
    const body = JSON.stringify({ id: 8, type: 'job', status: 'successful', notified: false, token: 'x' });
    await receiveNotification(request(body), ports);
    expect(ports.tasks.calls.map((c) => c.output)).toEqual([NOTIFIED_OUTPUT]);
    expect(NOTIFIED_OUTPUT).toEqual({ notified: true });
  });

  it('an unknown job, a duplicate and a late notification are answered 200 and change nothing', async () => {
    const ports = memoryPorts();
    const unknown = await receiveNotification(request(notificationBody(999)), ports);
    expect({ status: unknown.response.statusCode, body: json(unknown.response) }).toEqual({
      status: 200,
      body: { resumed: 0, gone: 0 },
    });

    await arm(ports, { id: 5, kind: 'workflow_job' }, 'p');
    const first = await receiveNotification(request(notificationBody(5, 'workflow_job')), ports);
    const duplicate = await receiveNotification(request(notificationBody(5, 'workflow_job')), ports);
    expect(json(first.response)).toEqual({ resumed: 1, gone: 0 });
    expect(json(duplicate.response)).toEqual({ resumed: 0, gone: 0 });
    expect(ports.tasks.calls).toHaveLength(1);

    // Late: the execution already went on (the fallback poll saw the end), its token no longer waits.
    const late = await arm(ports, { id: 6, kind: 'job' }, 'p');
    ports.tasks.waiting.delete(late.token);
    const answer = await receiveNotification(request(notificationBody(6)), ports);
    expect({ status: answer.response.statusCode, body: json(answer.response) }).toEqual({
      status: 200,
      body: { resumed: 0, gone: 1 },
    });
    expect(ports.store.all()).toEqual([]);
  });

  it('an expired waiter is not resumed', async () => {
    const ports = memoryPorts();
    await arm(ports, { id: 11, kind: 'job' }, 'p', { expiresAt: NOW_MS / 1000 - 1 });
    const result = await receiveNotification(request(notificationBody(11)), ports);
    expect(json(result.response)).toEqual({ resumed: 0, gone: 0 });
    expect(ports.tasks.calls).toEqual([]);
  });

  it('takes the body base64-encoded, as API Gateway passes it for some media types', async () => {
    const ports = memoryPorts();
    await arm(ports, { id: 12, kind: 'job' }, 'p');
    const encoded = Buffer.from(notificationBody(12)).toString('base64');
    const result = await receiveNotification(request(encoded, bearer(), true), ports);
    expect(json(result.response)).toEqual({ resumed: 1, gone: 0 });
  });

  it.each([
    ['text', 'x'.repeat(MAX_NOTIFICATION_BYTES + 1), false],
    ['multi-byte text', 'é'.repeat(MAX_NOTIFICATION_BYTES / 2 + 1), false],
    ['base64', Buffer.alloc(MAX_NOTIFICATION_BYTES + 1).toString('base64'), true],
  ])('refuses a %s body over the limit with 413, before reading the token', async (_what, body, base64) => {
    const ports = memoryPorts();
    const result = await receiveNotification(request(body, {}, base64), ports);
    expect(result.response.statusCode).toBe(413);
    expect(result.outcome).toMatchObject({ kind: 'rejected', reason: 'too_large' });
    expect(ports.token.reads).toBe(0);
  });

  it('accepts a body of exactly the limit (then judges it)', async () => {
    const padded = JSON.stringify({ id: 1, type: 'job', status: 'successful', pad: '' });
    const body = padded.replace('"pad":""', `"pad":"${'p'.repeat(MAX_NOTIFICATION_BYTES - padded.length)}"`);
    expect(Buffer.byteLength(body)).toBe(MAX_NOTIFICATION_BYTES);
    expect((await receiveNotification(request(body), memoryPorts())).response.statusCode).toBe(200);
  });

  it.each([
    ['no Authorization', {}, 'missing'],
    ['Basic credentials', { authorization: 'Basic YWFwOnNlY3JldA==' }, 'malformed'],
    ['another token', bearer('not-the-token'), 'mismatch'],
  ])('answers %s with 401 and WWW-Authenticate: Bearer, whatever the body', async (_what, headers, detail) => {
    const ports = memoryPorts();
    await arm(ports, { id: 42, kind: 'job' }, 'p');
    for (const body of [notificationBody(42), 'not json', notificationBody(0)]) {
      const result = await receiveNotification(request(body, headers), ports);
      expect(result.response).toMatchObject({ statusCode: 401, headers: { 'www-authenticate': 'Bearer' } });
      expect(result.outcome).toEqual({ kind: 'rejected', reason: 'unauthenticated', detail });
    }
    expect(ports.tasks.calls).toEqual([]);
    expect(ports.store.all()).toHaveLength(1);
  });

  it('answers a bad body 400, naming the field, and resumes nothing', async () => {
    const ports = memoryPorts();
    const result = await receiveNotification(request(notificationBody(7, 'inventory_update')), ports);
    expect(result.response.statusCode).toBe(400);
    expect(json(result.response)).toEqual({
      message: 'invalid notification: type: expected "job" or "workflow_job"',
      issues: [{ path: 'type', message: 'expected "job" or "workflow_job"' }],
    });
    const malformed = await receiveNotification(request('{'), ports);
    expect({ status: malformed.response.statusCode, body: json(malformed.response) }).toEqual({
      status: 400,
      body: { message: 'body is not valid UTF-8 JSON' },
    });
  });

  it('answers 503 when the token cannot be read, saying why in the outcome only', async () => {
    const ports = memoryPorts({
      token: new FixedToken(new NotificationTokenUnavailable('secret x: cannot be read: AccessDeniedException')),
    });
    const result = await receiveNotification(request(notificationBody(1)), ports);
    expect(result.response.statusCode).toBe(503);
    expect(json(result.response)).toEqual({ message: 'notification could not be handled; the job is still polled' });
    expect(result.outcome).toEqual({
      kind: 'unavailable',
      reason: 'token_unavailable',
      detail: 'NotificationTokenUnavailable: secret x: cannot be read: AccessDeniedException',
    });
  });

  it('answers 503 when the table cannot be read', async () => {
    const ports = memoryPorts();
    const failing: TaskTokenStore = {
      arm: ports.store.arm.bind(ports.store),
      disarm: ports.store.disarm.bind(ports.store),
      waitersFor: async () => {
        throw Object.assign(new Error('Throughput exceeds the current capacity'), {
          name: 'ProvisionedThroughputExceededException',
        });
      },
    };
    const result = await receiveNotification(request(notificationBody(1)), { ...ports, store: failing });
    expect(result.response.statusCode).toBe(503);
    expect(result.outcome).toEqual({
      kind: 'unavailable',
      reason: 'store_failed',
      detail: 'ProvisionedThroughputExceededException',
      job: { id: 1, kind: 'job' },
    });
  });

  it('resumes the waiters it can when Step Functions fails for one, keeps that one armed, and answers 503', async () => {
    const ports = memoryPorts();
    const ok = await arm(ports, { id: 20, kind: 'job' }, 'ok');
    const throttled = await arm(ports, { id: 20, kind: 'job' }, 'throttled');
    ports.tasks.failing.add(throttled.token);
    const result = await receiveNotification(request(notificationBody(20)), ports);
    expect(result.response.statusCode).toBe(503);
    expect(result.outcome).toEqual({
      kind: 'unavailable',
      reason: 'resume_failed',
      detail: 'resume_failed: SendTaskSuccessFailed(ThrottlingException)',
      job: { id: 20, kind: 'job' },
      resumed: 1,
      failed: 1,
    });
    expect(ports.tasks.waiting.has(ok.token)).toBe(false);
    // The fallback poll ends its wait; its waiter expires or the next arm replaces it.
    expect(ports.store.all()).toEqual([throttled]);
  });

  it('answers 503 when a resumed waiter cannot be disarmed, never naming its token', async () => {
    const ports = memoryPorts();
    const w = await arm(ports, { id: 21, kind: 'job' }, 'p');
    const store: TaskTokenStore = {
      arm: ports.store.arm.bind(ports.store),
      waitersFor: ports.store.waitersFor.bind(ports.store),
      disarm: async (waiter) => {
        throw Object.assign(new Error(`invalid value ${waiter.token}`), { name: 'ValidationException' });
      },
    };
    const result = await receiveNotification(request(notificationBody(21)), { ...ports, store });
    expect(result.outcome).toMatchObject({ kind: 'unavailable', reason: 'store_failed', resumed: 1, failed: 1 });
    expect(JSON.stringify(result)).not.toContain(w.token);
    expect(JSON.stringify(describeNotification(result))).not.toContain(w.token);
  });
});

describe('describeNotification: one log line and one metric per request', () => {
  it('counts handled, rejected (by reason) and unavailable notifications, never a token', async () => {
    const ports = memoryPorts();
    const w = await arm(ports, { id: 30, kind: 'job' }, 'p');
    const handled = describeNotification(await receiveNotification(request(notificationBody(30)), ports));
    expect(handled).toMatchObject({
      level: 'info',
      metric: 'AapNotificationHandled',
      dimensions: {},
      attributes: { status: 200, job: { id: 30, kind: 'job' }, jobStatus: 'successful', resumed: 1, waiters: 1 },
    });
    const rejected = describeNotification(await receiveNotification(request('{}', bearer('wrong')), ports));
    expect(rejected).toMatchObject({
      level: 'info',
      metric: 'AapNotificationRejected',
      dimensions: { reason: 'unauthenticated' },
    });
    const down = describeNotification(
      await receiveNotification(request('{}'), memoryPorts({ token: new FixedToken(new Error('down')) })),
    );
    expect(down).toMatchObject({ level: 'error', metric: 'AapNotificationUnavailable' });
    expect(describeNotificationFailure(new Error('bug'))).toMatchObject({ metric: 'AapNotificationUnavailable' });
    for (const record of [handled, rejected, down]) {
      expect(JSON.stringify(record)).not.toContain(TOKEN);
      expect(JSON.stringify(record)).not.toContain(w.token);
    }
  });
});
