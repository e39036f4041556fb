import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { bind, closeServer, readBody, send, serve as serveWith } from '../http';
import { handleAdminRequest, type RequestLogEntry } from './admin';
import { type ApiContext, handleApiRequest } from './api';
import { FaultState, type RequestFault } from './faults';
import type { NotificationRecord } from './notification-templates';
import { type NotificationDeliveryCounts, Notifier } from './notifier';
import {
  bodyTooLargeResponse,
  type HttpResponse,
  MAX_BODY_BYTES,
  rateLimitedResponse,
  serverErrorResponse,
} from './responses';
import {
  type Faults,
  type FaultsInput,
  type Organization,
  type PlaybookGeneration,
  type PlaybookSettingsInput,
  SimulatorOptions,
  type SimulatorOptionsInput,
  type TemplateKind,
  type TemplateSpecInput,
} from './schemas';
import { CONTROLLER_NODE } from './serializers';
import { DEFAULT_TEMPLATE_SPECS, describeIssue, type Template } from './templates';
import type { Violation, VmRecord } from './violations';
import { type JobView, World } from './world';

export interface TemplateInfo {
  id: number;
  name: string;
  kind: TemplateKind;
  organization: Organization;
}

export interface SimulatorWorld {
  vms(): VmRecord[];
  jobs(): JobView[];
  violations(): Violation[];
  /** Records and returns an `orphan` violation for every VM whose `namespace/name` is not in liveKeys. */
  checkOrphans(liveKeys: Iterable<string>): Violation[];
}

export interface AapSimulator {
  /** Origin, e.g. `http://127.0.0.1:PORT`; the API is under `/api/v2/` and `/api/controller/v2/`. */
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
  /** Initial templates back, no jobs/VMs/violations, no faults, empty request log. */
  reset(): void;
  addTemplate(spec: TemplateSpecInput): TemplateInfo;
  /** Installs another generation of playbooks on a job template (by name); later launches run them. */
  configurePlaybooks(templateName: string, settings: PlaybookSettingsInput): PlaybookInfo;
  readonly world: SimulatorWorld;
  /** Replaces every fault knob (an empty object clears them all); returns the faults now in force. */
  setFaults(faults: FaultsInput): Faults;
  faults(): Faults;
  /** Every Notification AWX recorded (one per send, lost ones `failed`), and what the fault knobs did to them. */
  notifications(): { records: NotificationRecord[]; deliveries: NotificationDeliveryCounts };
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
}

export interface PlaybookInfo {
  id: number;
  name: string;
  playbooks: PlaybookGeneration;
  storageRequestedTier: string;
}

function playbookInfo(t: Template): PlaybookInfo {
  return { id: t.id, name: t.name, playbooks: t.playbooks, storageRequestedTier: t.storageRequestedTier };
}

function templateInfo(t: Template): TemplateInfo {
  return { id: t.id, name: t.name, kind: t.kind, organization: { ...t.organization } };
}

function writeResponse(res: ServerResponse, response: HttpResponse, extraHeaders: Record<string, string> = {}): void {
  const headers: Record<string, string> = { ...extraHeaders, ...response.headers };
  let payload = '';
  if (response.text) {
    headers['Content-Type'] = response.text.contentType;
    payload = response.text.body;
  } else if (response.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(response.json);
  }
  send(res, response.status, headers, payload);
}

/** Starts an AWX-faithful AAP controller on node:http, with a simulated world behind it. */
export async function startAapSimulator(input: SimulatorOptionsInput = {}): Promise<AapSimulator> {
  const parsed = SimulatorOptions.safeParse(input);
  if (!parsed.success) {
    throw new Error(`invalid AAP simulator options: ${parsed.error.issues.map(describeIssue).join('; ')}`);
  }
  const options = parsed.data;
  const now = options.now ?? Date.now;
  const token = options.token ?? `aap-sim-${randomBytes(24).toString('hex')}`;
  const faults = new FaultState();
  const notifier = new Notifier({ now, timeScale: options.timeScale, faults });
  const world = new World({
    onNotificationEvent: (job, event) => notifier.jobEvent(job, event),
    now,
    timeScale: options.timeScale,
    faults,
    playbooks: options.playbooks,
    // A given template named like a preloaded one replaces it (e.g. the create template with longer durations).
    templates: [
      ...DEFAULT_TEMPLATE_SPECS.filter((preset) => !options.templates.some((given) => given.name === preset.name)),
      ...options.templates,
    ],
  });
  const requestLog: RequestLogEntry[] = [];
  const apiContext: ApiContext = {
    world,
    notifier,
    now,
    token,
    notFoundStyle: options.notFoundStyle,
    superuser: options.superuser,
  };
  const addTemplate = (spec: unknown) => templateInfo(world.addTemplate(spec));
  const configurePlaybooks = (id: number, settings: unknown) => {
    const template = world.configurePlaybooks(id, settings);
    return template === undefined ? undefined : playbookInfo(template);
  };
  const reset = () => {
    world.reset();
    notifier.reset();
    faults.set({});
    requestLog.length = 0;
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://aap-simulator.invalid');
    const read = await readBody(req, MAX_BODY_BYTES);
    // A client that went away mid-request: there is nobody left to answer.
    if (!read.ok && read.reason === 'aborted') return;
    const body = { bytes: read.ok ? read.body : Buffer.alloc(0), tooLarge: !read.ok };
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      const admin = { world, faults, requestLog, addTemplate, configurePlaybooks, reset };
      const request = { method, pathname: url.pathname, query: url.searchParams, body: body.bytes };
      writeResponse(res, body.tooLarge ? bodyTooLargeResponse() : handleAdminRequest(request, admin));
      return;
    }
    const entry: RequestLogEntry = { method, path: url.pathname, query: url.search, status: null, time: now() };
    requestLog.push(entry);
    let fault: RequestFault = { kind: 'pass' };
    if (url.pathname.startsWith('/api/') && faults.blackHole()) {
      // Accepted and read, never answered: the socket stays open until the client's timeout closes it.
      if (!req.socket.destroyed) await new Promise((resolve) => req.socket.once('close', resolve));
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      const latency = faults.latencyMs();
      if (latency > 0) await delay(latency, undefined, { ref: false });
      fault = faults.decide(now());
    }
    if (fault.kind === 'drop' && fault.mode === 'before-handling') {
      req.socket.destroy();
      return;
    }
    let response: HttpResponse;
    let fromController = false;
    if (fault.kind === 'rate-limited') response = rateLimitedResponse(fault.retryAfterSeconds);
    else if (fault.kind === 'error') response = serverErrorResponse(fault.status);
    else if (body.tooLarge) response = bodyTooLargeResponse();
    else {
      const request = {
        method,
        pathname: url.pathname,
        query: url.searchParams,
        search: url.search,
        headers: req.headers,
        body: body.bytes,
      };
      response = handleApiRequest(request, apiContext);
      fromController = true;
    }
    // after-handling: the controller did the work (a launch created its job) but the answer never arrives.
    if (fault.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    entry.status = response.status;
    const controllerHeaders = {
      'X-API-Node': CONTROLLER_NODE,
      'X-API-Product-Name': 'AWX',
      'X-API-Time': `${((performance.now() - startedAt) / 1000).toFixed(3)}s`,
      Vary: 'Accept',
    };
    writeResponse(res, response, fromController ? controllerHeaders : {});
  }

  const server = serveWith(serve);
  const { port, url } = await bind(server, 'AAP simulator', options.host, options.port);
  notifier.uiBase = url;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    token,
    close: () => {
      if (closing === undefined) {
        world.dispose();
        closing = Promise.all([notifier.close(), closeServer(server)]).then(() => undefined);
      }
      return closing;
    },
    reset,
    addTemplate: (spec) => addTemplate(spec),
    configurePlaybooks: (templateName, settings) => {
      const template = world.listTemplates('job').find((t) => t.name === templateName);
      const configured = template && configurePlaybooks(template.id, settings);
      if (configured === undefined) throw new Error(`no job template named ${templateName}`);
      return configured;
    },
    world: {
      vms: () => world.vms(),
      jobs: () => world.jobViews(),
      violations: () => world.violations(),
      checkOrphans: (liveKeys) => world.checkOrphans(liveKeys),
    },
    setFaults: (f) => faults.set(f),
    faults: () => faults.get(),
    notifications: () => ({
      records: notifier.listNotifications().map((record) => ({ ...record })),
      deliveries: notifier.deliveryCounts(),
    }),
    requestLog: () => requestLog.map((entry) => ({ ...entry })),
    clearRequestLog: () => {
      requestLog.length = 0;
    },
  };
}
