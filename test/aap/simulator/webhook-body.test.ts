import { validateMessages } from '../../../local/aap-simulator/notification-templates';
import {
  allowListedJob,
  checkTemplate,
  type NotificationContext,
  renderBody,
  UnrenderableBody,
  webhookPayload,
} from '../../../local/aap-simulator/webhook-body';
import { readAapFixture } from '../../support/fixtures';

/** The body the product configures AAP to send (issue 13 design). */
const PRODUCT_BODY = '{"id": {{ job.id }}, "type": {{ job.type | tojson }}, "status": {{ job.status | tojson }}}';

function contextFor(job: Record<string, unknown>): NotificationContext {
  return {
    job: allowListedJob(job),
    job_friendly_name: 'Job',
    url: 'https://aap.example.com/#/jobs/playbook/1234',
    job_metadata: JSON.stringify({ id: job.id, extra_vars: '{"a": 1}' }, null, 4),
  };
}

const runningJob = {
  id: 1234,
  type: 'job',
  name: 'deploy "app" <v2>',
  status: 'running',
  failed: false,
  started: '2024-11-05T14:02:14.901237Z',
  finished: null,
  elapsed: 3.5,
  artifacts: {},
  extra_vars: '{"secret": "x"}',
  summary_fields: { job_template: { id: 7, name: 'deploy-app' }, credentials: [{ id: 3 }] },
};

describe('AAP simulator: webhook bodies rendered as AWX renders them', () => {
  it('renders the product body to the JSON the receiver parses', () => {
    const rendered = renderBody(PRODUCT_BODY, contextFor(runningJob));
    expect(webhookPayload(rendered)).toEqual({ id: 1234, type: 'job', status: 'running' });
  });

  it.each([
    ['null finished through tojson', '{{ job.finished | tojson }}', 'null'],
    [
      'quotes and < > & in names, escaped as Jinja does',
      '{{ job.name | tojson }}',
      '"deploy \\"app\\" \\u003cv2\\u003e"',
    ],
    ['None printed inside quotes (the pitfall of §6.5)', '"{{ job.finished }}"', '"None"'],
    ['booleans printed as Python does', '{{ job.failed }}', 'False'],
    [
      'dicts through tojson with sorted keys and Python separators',
      '{{ job.summary_fields | tojson }}',
      '{"job_template": {"id": 7, "name": "deploy-app"}}',
    ],
    ['an absent field renders empty (ChainableUndefined)', '[{{ job.nothing_here.deeper }}]', '[]'],
    ['default() guards an absent field', '{{ job.nothing | default({}) | tojson }}', '{}'],
    ['top-level names', '{{ job_friendly_name }} {{ url }}', 'Job https://aap.example.com/#/jobs/playbook/1234'],
  ])('%s', (_name, template, expected) => {
    expect(renderBody(template, contextFor(runningJob))).toBe(expected);
  });

  it('keeps fields outside the allow-list out of the context', () => {
    const job = allowListedJob(runningJob);
    expect(job).not.toHaveProperty('extra_vars');
    expect(job.summary_fields).toEqual({ job_template: { id: 7, name: 'deploy-app' } });
  });

  it('refuses tojson of an absent field, as AWX’s TypeError (no notification is made)', () => {
    expect(() => renderBody('{{ job.artifacts | tojson }}', contextFor({ id: 1, type: 'workflow_job' }))).toThrow(
      UnrenderableBody,
    );
  });

  it.each([
    ['a dict is sent as is', '{"a": 1}', { a: 1 }],
    ['invalid JSON is sent as {}', '{"id": 1, "name": "x}', {}],
    ['other JSON is sent as the string literal of the text', '42', '42'],
    ['a JSON list too', '[1, 2]', '[1, 2]'],
  ])('format_body: %s', (_name, rendered, sent) => {
    expect(webhookPayload(rendered)).toEqual(sent);
  });

  it('renders the recorded custom body for the recorded job to the recorded webhook JSON', () => {
    const request = readAapFixture<{ messages: { success: { body: string } } }>(
      'notification_template_webhook_create_request.json',
    );
    const context: NotificationContext = {
      job: allowListedJob(readAapFixture('job_detail_successful.json')),
      job_friendly_name: 'Job',
      url: 'https://aap.example.com/#/jobs/playbook/1234',
      job_metadata: JSON.stringify(readAapFixture('webhook_default_body_job_success.json'), null, 4),
    };
    expect(webhookPayload(renderBody(request.messages.success.body, context))).toEqual(
      readAapFixture('webhook_custom_body_job_success.json'),
    );
  });

  it('embeds job_metadata as an object when the body is {{ job_metadata }}', () => {
    const sent = webhookPayload(renderBody('{{ job_metadata }}', contextFor(runningJob)));
    expect(sent).toEqual({ id: 1234, extra_vars: '{"a": 1}' });
  });
});

describe('AAP simulator: messages validated against the allow-list', () => {
  const webhook = (body: string) => ({ started: null, success: { message: null, body }, error: null });

  it('accepts the recorded example template and the product body', () => {
    const request = readAapFixture<{ messages: unknown }>('notification_template_webhook_create_request.json');
    expect(validateMessages(request.messages, 'webhook')).toEqual([]);
    expect(validateMessages(webhook(PRODUCT_BODY), 'webhook')).toEqual([]);
  });

  it('refuses extra_vars_dict with the recorded 400 messages', () => {
    const recorded = readAapFixture<{ messages: string[] }>('notification_template_400_extra_vars_dict.json');
    expect(validateMessages(webhook('{"vars": {{ job.extra_vars_dict | tojson }}}'), 'webhook')).toEqual(
      recorded.messages,
    );
  });

  it.each([
    ['job.extra_vars', '{{ job.extra_vars }}', 'extra_vars'],
    ['job_metadata indexed', '{{ job_metadata.extra_vars }}', 'extra_vars'],
    ['an unknown top-level name', '{{ nope }}', 'nope'],
    ['a guarded name outside the allow-list', '{{ job.extra_vars | default("") }}', 'extra_vars'],
  ])('refuses %s, naming the field', (_name, body, field) => {
    expect(validateMessages(webhook(body), 'webhook')).toEqual([
      `Field '${field}' unavailable`,
      `Webhook body for 'success' is not valid. The following gave an error (${field}).`,
    ]);
  });

  it('reports a syntax error and refuses bad structure', () => {
    const [syntax] = validateMessages(webhook('{{ job.id '), 'webhook');
    expect(syntax).toMatch(/^Unable to render message '\{\{ job\.id ': /);
    expect(validateMessages([], 'webhook')).toEqual(["Expected dict for 'messages' field, found <class 'list'>"]);
    expect(validateMessages({ finished: null }, 'webhook')).toEqual([
      "Event 'finished' invalid, must be one of 'started', 'success', 'error', 'changed', or 'workflow_approval'",
    ]);
    expect(validateMessages({ success: { text: 'x' } }, 'webhook')).toEqual([
      "Message type 'text' invalid, must be either 'message' or 'body'",
    ]);
  });

  it('allows every allow-listed field and the documented nested ones', () => {
    const body =
      '{"id": {{ job.id }}, "n": {{ job.summary_fields.job_template.name | tojson }}, "a": {{ job.artifacts | default({}) | tojson }}, "h": {{ job.host_status_counts | tojson }}, "m": {{ job_metadata }}}';
    expect(checkTemplate(body)).toEqual({ ok: true });
  });
});
