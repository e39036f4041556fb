import { type AapSimulator, type SimulatorOptionsInput, startAapSimulator } from '../../../local/aap-simulator';
import { sampleInstance } from '../../../local/fixtures/sample-instance';

export const PREFIXES = ['/api/v2/', '/api/controller/v2/'] as const;

/** Fast by default: a 20 s job runs in 0.2 s. */
export function startFastSimulator(options: SimulatorOptionsInput = {}): Promise<AapSimulator> {
  return startAapSimulator({ timeScale: 0.01, token: 'test-token', ...options });
}

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export interface CallOptions {
  method?: string;
  body?: unknown;
  /** Sent verbatim instead of JSON-encoding `body`. */
  rawBody?: string;
  contentType?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

/** One HTTP call, redirects not followed, the body read both as text and (when it parses) as JSON. */
export async function call<T = unknown>(sim: AapSimulator, path: string, options: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token === undefined ? sim.token : options.token;
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) body = options.rawBody;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${sim.url}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    redirect: 'manual',
  });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json: json as T };
}

/** Polls `read` until `done` holds; fails with the last value seen when it does not within the deadline. */
export async function waitFor<T>(
  read: () => Promise<T> | T,
  done: (value: T) => boolean,
  { timeoutMs = 5000, intervalMs = 5 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export interface JobBody {
  id: number;
  status: string;
  failed: boolean;
  started: string | null;
  finished: string | null;
  canceled_on: string | null;
  elapsed: number;
  extra_vars: string;
  job_explanation: string;
  result_traceback: string;
  event_processing_finished: boolean;
  host_status_counts: Record<string, number> | null;
  [key: string]: unknown;
}

export function getJob(sim: AapSimulator, id: number, prefix = '/api/v2/'): Promise<JobBody> {
  return call<JobBody>(sim, `${prefix}jobs/${id}/`).then((reply) => reply.json);
}

export function waitForJobStatus(sim: AapSimulator, id: number, statuses: readonly string[]): Promise<JobBody> {
  return waitFor(
    () => getJob(sim, id),
    (job) => statuses.includes(job.status),
  );
}

/** The extra_vars a ComputeInstance provision/deprovision launch sends: the whole object (domain spec §5). */
export function computeInstanceVars(namespace: string, name: string, uid = `uid-${name}`) {
  return { ansible_eda: { event: { payload: sampleInstance({ name, namespace, uid }) } } };
}

export async function templateId(sim: AapSimulator, name: string, kind: 'job' | 'workflow' = 'job'): Promise<number> {
  const path = kind === 'job' ? 'job_templates' : 'workflow_job_templates';
  const reply = await call<{ results: Array<{ id: number }> }>(
    sim,
    `/api/v2/${path}/?name=${encodeURIComponent(name)}`,
  );
  const id = reply.json.results[0]?.id;
  if (id === undefined) throw new Error(`no ${kind} template named ${name}`);
  return id;
}

/** Launches a job template by name and returns the new job's id. */
export async function launchJob(sim: AapSimulator, templateName: string, extraVars?: unknown): Promise<number> {
  const id = await templateId(sim, templateName);
  const reply = await call<{ job: number }>(sim, `/api/v2/job_templates/${id}/launch/`, {
    method: 'POST',
    body: extraVars === undefined ? {} : { extra_vars: extraVars },
  });
  if (reply.status !== 201) throw new Error(`launch of ${templateName} answered ${reply.status}: ${reply.text}`);
  return reply.json.job;
}

export function sortedKeys(value: unknown): string[] {
  return Object.keys(value as Record<string, unknown>).sort();
}
