/**
 * Webhook bodies as AWX builds them: the Jinja context of a job notification (`JobNotificationMixin.context`), the
 * custom `messages.<event>.body` rendered with Jinja semantics (nunjucks, plus `tojson` and Python's `str()` for
 * printed values), the default body `{{ job_metadata }}`, `WebhookBackend.format_body`'s json.loads rules, and the
 * save-time check of a body against the allow-list (`NotificationTemplateSerializer.validate_messages`).
 */
import nunjucks from 'nunjucks';
import { pythonJsonDumps } from './wire-format';

/** `JobNotificationMixin.JOB_FIELDS_ALLOWED_LIST`: the serialized job fields a body may use. */
export const JOB_FIELDS_ALLOWED = [
  'id',
  'type',
  'url',
  'created',
  'modified',
  'name',
  'description',
  'job_type',
  'playbook',
  'forks',
  'limit',
  'verbosity',
  'job_tags',
  'force_handlers',
  'skip_tags',
  'start_at_task',
  'timeout',
  'use_fact_cache',
  'launch_type',
  'status',
  'failed',
  'started',
  'finished',
  'elapsed',
  'job_explanation',
  'execution_node',
  'controller_node',
  'allow_simultaneous',
  'scm_revision',
  'diff_mode',
  'job_slice_number',
  'job_slice_count',
  'custom_virtualenv',
  'approval_status',
  'approval_node_name',
  'workflow_url',
  'scm_branch',
  'artifacts',
  'host_status_counts',
  'summary_fields',
] as const;

const SUMMARY_FIELDS_ALLOWED = [
  'inventory',
  'project',
  'job_template',
  'unified_job_template',
  'instance_group',
  'created_by',
  'schedule',
  'labels',
] as const;

/** The names a body sees at the top level. */
const CONTEXT_NAMES = new Set(['job', 'job_friendly_name', 'url', 'job_metadata']);

export interface NotificationContext {
  job: Record<string, unknown>;
  job_friendly_name: string;
  url: string;
  /** `json.dumps(notification_data(), indent=4)`: a string, so it cannot be indexed. */
  job_metadata: string;
}

/** The allow-listed part of a serialized job (fields the job type lacks stay absent, as in AWX). */
export function allowListedJob(serialized: Record<string, unknown>): Record<string, unknown> {
  const job: Record<string, unknown> = {};
  for (const field of JOB_FIELDS_ALLOWED) {
    if (!(field in serialized)) continue;
    if (field === 'summary_fields') {
      const summary = serialized.summary_fields as Record<string, unknown>;
      job.summary_fields = Object.fromEntries(
        SUMMARY_FIELDS_ALLOWED.filter((key) => key in summary).map((key) => [key, summary[key]]),
      );
    } else job[field] = serialized[field];
  }
  return job;
}

/** A name the body uses that the context does not offer (Jinja's UndefinedError under `DescriptiveUndefined`). */
class FieldUnavailable extends Error {
  constructor(readonly field: string) {
    super(field);
    // nunjucks keeps only `<name>: <message>` of what a render throws; the name is how causeOf finds it again.
    this.name = 'FieldUnavailable';
  }
}

/** Jinja's `str()` of a printed value: `None`, `True`, Python reprs for lists and dicts. */
function pythonStr(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof String) return value.toString();
  return pythonRepr(value);
}

function pythonRepr(value: unknown): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    return `{${entries.map(([k, v]) => `${pythonRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** A value `tojson` cannot serialize: AWX's `ChainableUndefined` raises TypeError there and no notification is made. */
export class UnrenderableBody extends Error {
  override name = 'UnrenderableBody';
}

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/** Jinja's `tojson`: json.dumps with sorted keys, then `<`, `>`, `&`, `'` escaped for HTML. */
export function jinjaToJson(value: unknown): nunjucks.runtime.SafeString {
  if (value === undefined) throw new UnrenderableBody('Object of type ChainableUndefined is not JSON serializable');
  const text = pythonJsonDumps(sortKeysDeep(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/'/g, '\\u0027');
  return new nunjucks.runtime.SafeString(text);
}

// nunjucks prints values JavaScript's way (null as '', true as 'true'); while one of our renders runs, print them as
// Jinja does (Python's str()). Renders are synchronous, so the switch never leaks into another caller's output.
type SuppressValue = (value: unknown, autoescape: boolean) => unknown;
const runtime = nunjucks.runtime as unknown as { suppressValue: SuppressValue };
const nunjucksSuppressValue = runtime.suppressValue;
let renderingAsJinja = false;
runtime.suppressValue = (value, autoescape) => {
  if (!renderingAsJinja || value instanceof nunjucks.runtime.SafeString)
    return nunjucksSuppressValue(value, autoescape);
  return value === undefined ? '' : pythonStr(value);
};

function jinjaEnvironment(): nunjucks.Environment {
  // AWX's sandbox does not autoescape; an unknown name renders as '' at send time (ChainableUndefined).
  const env = new nunjucks.Environment(null, { autoescape: false });
  env.addFilter('tojson', jinjaToJson);
  return env;
}

const sendEnvironment = jinjaEnvironment();

function renderAsJinja(env: nunjucks.Environment, template: string, context: object): string {
  renderingAsJinja = true;
  try {
    return env.renderString(template, context);
  } finally {
    renderingAsJinja = false;
  }
}

/** nunjucks rethrows what a render throws as a Template render error carrying only `<name>: <message>`. */
function causeOf(error: unknown): unknown {
  if (error instanceof FieldUnavailable || error instanceof UnrenderableBody) return error;
  const message = error instanceof Error ? error.message : String(error);
  const unavailable = /FieldUnavailable: (.+)$/m.exec(message);
  if (unavailable?.[1]) return new FieldUnavailable(unavailable[1].trim());
  if (/ChainableUndefined is not JSON serializable/.test(message)) return new UnrenderableBody(message);
  return error;
}

/**
 * Renders a custom body for one job; throws UnrenderableBody where AWX's task would raise (then no notification
 * exists). A syntax error cannot reach here: the body was validated when the template was saved.
 */
export function renderBody(template: string, context: NotificationContext): string {
  try {
    return renderAsJinja(sendEnvironment, template, context);
  } catch (error) {
    const cause = causeOf(error);
    throw cause instanceof UnrenderableBody ? cause : new UnrenderableBody((error as Error).message);
  }
}

/** The object sent for a rendered body (`format_body` + `json.dumps`): a dict as is, other JSON as the text, else {}. */
export function webhookPayload(rendered: string): unknown {
  try {
    const parsed: unknown = JSON.parse(rendered);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : rendered;
  } catch {
    return {};
  }
}

/** The default webhook body of every event: `{{ job_metadata }}`. */
export const DEFAULT_WEBHOOK_BODY = '{{ job_metadata }}';

// ---- save-time validation ----

/** A stub object that refuses every key it does not have, naming it (DescriptiveUndefined on a missing field). */
function strictStub(fields: Record<string, unknown>): Record<string, unknown> {
  const ignored = new Set(['toJSON', 'then', '__keywords', 'constructor', 'toString', 'valueOf']);
  return new Proxy(fields, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || key in target || ignored.has(key)) return Reflect.get(target, key, receiver);
      throw new FieldUnavailable(key);
    },
  });
}

/** A stub string that refuses attributes: `job_metadata` is text, so `job_metadata.extra_vars` is unavailable. */
function strictString(text: string): string {
  const stub = new Proxy(new String(text), {
    get(target, key) {
      if (key === 'toString' || key === 'valueOf') return () => text;
      if (typeof key === 'symbol' || key === 'length' || /^\d+$/.test(key)) return Reflect.get(target, key);
      throw new FieldUnavailable(key);
    },
  });
  return stub as unknown as string;
}

/** `JobNotificationMixin.context_stub()`: every allow-listed field with a plausible value. */
function contextStub(): NotificationContext {
  const summary = (fields: Record<string, unknown>) => strictStub(fields);
  const stubValues: Record<string, unknown> = {
    id: 42,
    type: 'job',
    url: 'https://towerhost/api/v2/jobs/42/',
    created: '2019-08-29T21:50:56.548336Z',
    modified: '2019-08-29T21:50:56.548336Z',
    name: 'Stub JobTemplate',
    description: 'Sample job description',
    job_type: 'run',
    playbook: 'ping.yml',
    forks: 0,
    limit: '',
    verbosity: 0,
    job_tags: '',
    force_handlers: false,
    skip_tags: '',
    start_at_task: '',
    timeout: 0,
    use_fact_cache: false,
    launch_type: 'workflow',
    status: 'running',
    failed: false,
    started: '2019-07-29T17:38:14.137461Z',
    finished: '2019-07-29T17:38:31.123456Z',
    elapsed: 0.0,
    job_explanation: '',
    execution_node: 'awx',
    controller_node: '',
    allow_simultaneous: false,
    scm_revision: 'axyz',
    diff_mode: false,
    job_slice_number: 0,
    job_slice_count: 1,
    custom_virtualenv: 'my_venv',
    approval_status: 'approved',
    approval_node_name: 'Approve Me',
    workflow_url: '/#/jobs/workflow/1010',
    scm_branch: '',
    artifacts: strictStub({}),
    host_status_counts: strictStub({ skipped: 1, ok: 5, changed: 3, failures: 0, dark: 0, failed: false }),
    summary_fields: summary({
      inventory: summary({ id: 17, name: 'Stub Inventory', description: '', kind: '' }),
      project: summary({ id: 1, name: 'Stub project', description: '', status: 'successful', scm_type: 'git' }),
      job_template: summary({ id: 18, name: 'Stub JobTemplate', description: '' }),
      unified_job_template: summary({ id: 18, name: 'Stub JobTemplate', description: '', unified_job_type: 'job' }),
      instance_group: summary({ name: 'Stub instance group', id: 1 }),
      created_by: summary({ id: 1, username: 'admin', first_name: '', last_name: '' }),
      schedule: summary({ id: 1, name: 'Stub schedule', description: '', next_run: '2019-08-29T21:50:56.548336Z' }),
      labels: summary({ count: 0, results: [] }),
    }),
  };
  return {
    job: strictStub(stubValues),
    job_friendly_name: 'Job',
    url: 'https://towerhost/#/jobs/playbook/1010',
    job_metadata: strictString('{"id": 42, "name": "Stub JobTemplate"}'),
  };
}

/** The save-time environment: a top-level name outside the context fails, naming itself. */
function validationEnvironment(): nunjucks.Environment {
  const env = jinjaEnvironment();
  const holder = env as unknown as { globals: Record<string, unknown> };
  holder.globals = new Proxy(holder.globals, {
    has(target, key) {
      if (typeof key === 'symbol' || key in target) return Reflect.has(target, key);
      if (CONTEXT_NAMES.has(key)) return false;
      throw new FieldUnavailable(key);
    },
  });
  return env;
}

const validateEnvironment = validationEnvironment();

export type BodyCheck = { ok: true } | { ok: false; kind: 'unavailable' | 'syntax' | 'other'; detail: string };

/** Renders `template` against the strict stub, as `validate_messages` does; says which name or syntax failed. */
export function checkTemplate(template: string): BodyCheck {
  let compiled: nunjucks.Template;
  try {
    compiled = new nunjucks.Template(template, validateEnvironment, undefined, true);
  } catch (error) {
    return { ok: false, kind: 'syntax', detail: (error as Error).message.replace(/^\(unknown path\)\s*/, '').trim() };
  }
  renderingAsJinja = true;
  try {
    compiled.render(contextStub());
    return { ok: true };
  } catch (error) {
    const cause = causeOf(error);
    if (cause instanceof FieldUnavailable) return { ok: false, kind: 'unavailable', detail: cause.field };
    return { ok: false, kind: 'other', detail: (error as Error).message.replace(/^\(unknown path\)\s*/, '').trim() };
  } finally {
    renderingAsJinja = false;
  }
}
