import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as delay } from 'node:timers/promises';
import { handleAdminRequest, type RequestLogEntry } from './admin';
import { type ApiContext, handleApiRequest } from './api';
import { FaultState, type RequestFault } from './faults';
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
  readonly world: SimulatorWorld;
  /** Replaces every fault knob (an empty object clears them all); returns the faults now in force. */
  setFaults(faults: FaultsInput): Faults;
  faults(): Faults;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
}

/** Thrown by startAapSimulator when the port cannot be bound; `code` is the system's (e.g. EADDRINUSE). */
export class AapSimulatorListenError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AapSimulatorListenError';
  }
}

function templateInfo(t: Template): TemplateInfo {
  return { id: t.id, name: t.name, kind: t.kind, organization: { ...t.organization } };
}

function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; tooLarge: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      ended = true;
      resolve({ bytes: Buffer.concat(chunks), tooLarge: size > MAX_BODY_BYTES });
    });
    req.on('close', () => {
      if (!ended) reject(new Error('the client closed the connection before sending its whole body'));
    });
  });
}

function writeResponse(res: ServerResponse, response: HttpResponse, extraHeaders: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...extraHeaders, ...response.headers };
  let payload = '';
  if (response.text) {
    headers['Content-Type'] = response.text.contentType;
    payload = response.text.body;
  } else if (response.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    payload = JSON.stringify(response.json);
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers).end(payload);
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      const code = error.code ?? 'UNKNOWN';
      const reason = code === 'EADDRINUSE' ? 'the address is already in use' : error.message;
      reject(new AapSimulatorListenError(code, `AAP simulator cannot listen on ${host}:${port}: ${reason}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
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
  const world = new World({
    now,
    timeScale: options.timeScale,
    faults,
    // A given template named like a preloaded one replaces it (e.g. the create template with longer durations).
    templates: [
      ...DEFAULT_TEMPLATE_SPECS.filter((preset) => !options.templates.some((given) => given.name === preset.name)),
      ...options.templates,
    ],
  });
  const requestLog: RequestLogEntry[] = [];
  const apiContext: ApiContext = {
    world,
    now,
    token,
    notFoundStyle: options.notFoundStyle,
    superuser: options.superuser,
  };
  const addTemplate = (spec: unknown) => templateInfo(world.addTemplate(spec));
  const reset = () => {
    world.reset();
    faults.set({});
    requestLog.length = 0;
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = performance.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://aap-simulator.invalid');
    const body = await readBody(req);
    if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
      const admin = { world, faults, requestLog, addTemplate, reset };
      const request = { method, pathname: url.pathname, query: url.searchParams, body: body.bytes };
      writeResponse(res, body.tooLarge ? bodyTooLargeResponse() : handleAdminRequest(request, admin));
      return;
    }
    const entry: RequestLogEntry = { method, path: url.pathname, query: url.search, status: null, time: now() };
    requestLog.push(entry);
    let fault: RequestFault = { kind: 'pass' };
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

  const server = createServer((req, res) => {
    serve(req, res).catch(() => {
      // Only a client that went away mid-request lands here: there is nobody left to answer.
      if (!res.headersSent) res.destroy();
    });
  });
  await listen(server, options.port, options.host);
  const { port } = server.address() as AddressInfo;
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    token,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        world.dispose();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    reset,
    addTemplate: (spec) => addTemplate(spec),
    world: {
      vms: () => world.vms(),
      jobs: () => world.jobViews(),
      violations: () => world.violations(),
      checkOrphans: (liveKeys) => world.checkOrphans(liveKeys),
    },
    setFaults: (f) => faults.set(f),
    faults: () => faults.get(),
    requestLog: () => requestLog.map((entry) => ({ ...entry })),
    clearRequestLog: () => {
      requestLog.length = 0;
    },
  };
}
