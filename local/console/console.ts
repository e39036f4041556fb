import { readFileSync } from 'node:fs';
import type http from 'node:http';
import path from 'node:path';
import { send } from '../http';
import { executionPath } from './execution-path';
import type { ConsoleSource } from './source';
import { type GraphLayout, layoutGraph } from './state-graph';
import {
  aapJobRow,
  type ConsoleSnapshot,
  type ExecutionDetail,
  eventViews,
  executionSummary,
  instanceView,
  redactTaskTokens,
  vmRow,
} from './views';

/** How often a live page gets a new snapshot (only sent when something changed). */
export const STREAM_INTERVAL_MS = 500;
/** An SSE comment this often keeps idle proxies and the browser from dropping a quiet stream. */
const KEEPALIVE_MS = 15_000;
/** The execution detail lists at most this many (latest) events; the path is still read from the whole history. */
export const MAX_EVENTS = 400;
const REDACTED = '[REDACTED]';
/** Shorter "secrets" (e.g. the placeholder AWS key `local`) would blank out ordinary words in every response. */
const MIN_SECRET_LENGTH = 8;

export interface Console {
  /** Serves the console's own paths and returns true; returns false for anything else, untouched. */
  handle(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** Ends open live streams and stops the snapshot timer. */
  close(): void;
}

interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
}

const ASSETS_DIR = path.join(__dirname, 'assets');

function loadAssets(): Map<string, Asset> {
  const read = (file: string, contentType: string): Asset => ({
    contentType,
    body: readFileSync(path.join(ASSETS_DIR, file)),
  });
  const page = read('index.html', 'text/html; charset=utf-8');
  return new Map([
    ['/', page],
    ['/index.html', page],
    ['/console.js', read('console.js', 'text/javascript; charset=utf-8')],
    ['/console.css', read('console.css', 'text/css; charset=utf-8')],
  ]);
}

// Everything is served from this origin; nothing may be fetched from elsewhere (there is no network anyway).
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";
const COMMON_HEADERS = { 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer' };

const EXECUTION_PATH = /^\/api\/executions\/([^/]+)$/;

/** Replaces each secret (longest first, also in its JSON-escaped spelling) with `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const redactable = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH);
  for (const secret of redactable.sort((a, b) => b.length - a.length)) {
    for (const spelling of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
      out = out.split(spelling).join(REDACTED);
    }
  }
  return out;
}

/**
 * The local console: one page (HTML, a vanilla JS module, CSS, served from memory) showing the live stack, and the
 * JSON it reads: `/api/snapshot`, `/api/executions/:name`, and `/api/stream` (Server-Sent Events, a snapshot
 * whenever it changed, checked every 500 ms). Mount it in any node:http server by calling `handle` first.
 */
export function createConsole(source: ConsoleSource): Console {
  const assets = loadAssets();
  const streams = new Set<http.ServerResponse>();
  const layouts = new WeakMap<object, GraphLayout | Error>();
  let timer: NodeJS.Timeout | undefined;
  let lastBroadcast: string | undefined;
  let sinceKeepalive = 0;
  let ticking = false;
  let closed = false;

  /** Every body leaves through here. */
  const serialize = (body: unknown) => redactTaskTokens(redactSecrets(JSON.stringify(body), source.secrets?.() ?? []));

  const sendJson = (res: http.ServerResponse, status: number, body: unknown) => {
    const headers = {
      ...COMMON_HEADERS,
      'Content-Type': 'application/json; charset=utf-8',
      'Cache-Control': 'no-store',
    };
    send(res, status, headers, serialize(body));
  };
  const sendError = (res: http.ServerResponse, status: number, message: string) =>
    sendJson(res, status, { error: message });

  async function snapshot(): Promise<ConsoleSnapshot> {
    const problems: string[] = [];
    const attempt = <T>(what: string, read: () => T[]): T[] => {
      try {
        return read();
      } catch (error) {
        problems.push(`${what}: ${(error as Error).message}`);
        return [];
      }
    };
    let instances: ConsoleSnapshot['instances'] = [];
    try {
      instances = (await source.listInstances()).map(instanceView);
    } catch (error) {
      problems.push(`ComputeInstances: ${(error as Error).message}`);
    }
    const executions = attempt('executions', () =>
      source
        .executions()
        .map(executionSummary)
        .sort((a, b) => b.startDate.localeCompare(a.startDate)),
    );
    const aapJobs = attempt('AAP jobs', () =>
      source
        .aapJobs()
        .map(aapJobRow)
        .sort((a, b) => b.id - a.id),
    );
    const vms = attempt('AAP VMs', () =>
      source
        .aapVms()
        .map(vmRow)
        .sort((a, b) => a.key.localeCompare(b.key)),
    );
    return { instances, executions, aapJobs, vms, problems };
  }

  function graphOf(machineArn: string, machineName: string): { graph: GraphLayout | null; problem?: string } {
    const found = source.definitions().find((definition) => definition.arn === machineArn);
    if (found === undefined) return { graph: null, problem: `no definition is known for state machine ${machineName}` };
    let layout = layouts.get(found.definition);
    if (layout === undefined) {
      try {
        layout = layoutGraph(found.definition);
      } catch (error) {
        layout = error as Error;
      }
      layouts.set(found.definition, layout);
    }
    return layout instanceof Error ? { graph: null, problem: layout.message } : { graph: layout };
  }

  function serveExecution(res: http.ServerResponse, encodedName: string, query: URLSearchParams) {
    let name: string;
    try {
      name = decodeURIComponent(encodedName);
    } catch {
      sendError(res, 400, `the execution name in the path is not valid percent-encoding: ${encodedName}`);
      return;
    }
    const machine = query.get('stateMachine');
    const matches = source
      .executions()
      .filter((record) => record.name === name && (machine === null || record.stateMachineName === machine));
    const record = matches[0];
    if (record === undefined) {
      const where = machine === null ? '' : ` of state machine ${machine}`;
      sendError(res, 404, `no execution named ${name}${where}`);
      return;
    }
    if (matches.length > 1) {
      const machines = matches.map((m) => m.stateMachineName).join(', ');
      sendError(res, 409, `${matches.length} executions are named ${name} (${machines}): add ?stateMachine=<name>`);
      return;
    }
    const history = source.history(record.executionArn);
    const { graph, problem } = graphOf(record.stateMachineArn, record.stateMachineName);
    const events = eventViews(history);
    const detail: ExecutionDetail = {
      execution: executionSummary(record),
      graph,
      path: executionPath(history, record.status),
      events: events.slice(-MAX_EVENTS),
      eventsOmitted: Math.max(0, events.length - MAX_EVENTS),
    };
    if (problem !== undefined) detail.graphProblem = problem;
    sendJson(res, 200, detail);
  }

  async function serveSnapshot(res: http.ServerResponse) {
    sendJson(res, 200, await snapshot());
  }

  // ---- live stream ----

  const frame = (data: string) => `event: snapshot\ndata: ${data}\n\n`;

  async function tick() {
    if (ticking || closed) return;
    ticking = true;
    try {
      const text = serialize(await snapshot());
      sinceKeepalive += STREAM_INTERVAL_MS;
      if (text !== lastBroadcast) {
        lastBroadcast = text;
        sinceKeepalive = 0;
        for (const stream of streams) stream.write(frame(text));
      } else if (sinceKeepalive >= KEEPALIVE_MS) {
        sinceKeepalive = 0;
        for (const stream of streams) stream.write(': keepalive\n\n');
      }
    } finally {
      ticking = false;
    }
  }

  function openStream(req: http.IncomingMessage, res: http.ServerResponse) {
    res.writeHead(200, {
      ...COMMON_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    // The browser reconnects on its own after this long if the stream breaks.
    res.write('retry: 2000\n\n');
    streams.add(res);
    req.on('close', () => {
      streams.delete(res);
      if (streams.size === 0) stopTimer();
    });
    // A new page gets the current state at once, not at the next change.
    void snapshot()
      .then((current) => {
        if (!res.writableEnded) res.write(frame(serialize(current)));
      })
      .catch(() => undefined);
    if (timer === undefined) {
      timer = setInterval(() => void tick().catch(() => undefined), STREAM_INTERVAL_MS);
      // The hosting server keeps the process alive, not the console.
      timer.unref();
    }
  }

  function stopTimer() {
    clearInterval(timer);
    timer = undefined;
    lastBroadcast = undefined;
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL): boolean {
    const asset = assets.get(url.pathname);
    const execution = EXECUTION_PATH.exec(url.pathname);
    const isApi = url.pathname === '/api/snapshot' || url.pathname === '/api/stream' || execution !== null;
    if (asset === undefined && !isApi) return false;

    const allowed = url.pathname === '/api/stream' ? ['GET'] : ['GET', 'HEAD'];
    if (!allowed.includes(req.method ?? 'GET')) {
      const headers = { ...COMMON_HEADERS, Allow: allowed.join(', '), 'Content-Type': 'text/plain' };
      send(res, 405, headers, `${req.method} is not allowed on ${url.pathname}; use ${allowed.join(' or ')}`);
      return true;
    }
    if (asset !== undefined) {
      send(
        res,
        200,
        {
          ...COMMON_HEADERS,
          'Content-Type': asset.contentType,
          'Cache-Control': 'no-cache',
          'Content-Security-Policy': CONTENT_SECURITY_POLICY,
        },
        asset.body,
      );
    } else if (url.pathname === '/api/stream') {
      openStream(req, res);
    } else if (execution !== null) {
      serveExecution(res, execution[1] as string, url.searchParams);
    } else {
      serveSnapshot(res).catch((error: unknown) => {
        if (!res.headersSent) sendError(res, 500, `cannot build the snapshot: ${(error as Error).message}`);
      });
    }
    return true;
  }

  return {
    handle(req, res) {
      if (closed) return false;
      const url = URL.parse(req.url ?? '/', 'http://console.local');
      if (url === null) return false;
      try {
        return route(req, res, url);
      } catch (error) {
        if (!res.headersSent) sendError(res, 500, (error as Error).message);
        return true;
      }
    },
    close() {
      closed = true;
      stopTimer();
      for (const stream of streams) stream.end();
      streams.clear();
    },
  };
}
