import type { FaultState } from './faults';
import { detailResponse, emptyResponse, type HttpResponse, jsonResponse } from './responses';
import type { World } from './world';

export interface RequestLogEntry {
  method: string;
  path: string;
  /** The raw `?…` part, or ''. */
  query: string;
  /** null when the simulator dropped the connection without answering. */
  status: number | null;
  /** Epoch milliseconds on the simulator clock, when the request arrived. */
  time: number;
}

export interface AdminContext {
  world: World;
  faults: FaultState;
  requestLog: RequestLogEntry[];
  addTemplate: (spec: unknown) => unknown;
  /** Undefined when there is no template with that id. */
  configurePlaybooks: (id: number, settings: unknown) => unknown;
  reset: () => void;
}

export interface AdminRequest {
  method: string;
  pathname: string;
  query: URLSearchParams;
  body: Buffer;
}

function readJson(body: Buffer): { ok: true; value: unknown } | { ok: false; response: HttpResponse } {
  try {
    return { ok: true, value: body.length === 0 ? {} : JSON.parse(body.toString('utf8')) };
  } catch (error) {
    return { ok: false, response: detailResponse(400, `request body is not valid JSON: ${(error as Error).message}`) };
  }
}

/** Runs `action` on the parsed JSON body; a thrown validation error becomes a 400 naming what was wrong. */
function withJsonBody(request: AdminRequest, status: number, action: (body: unknown) => unknown): HttpResponse {
  const body = readJson(request.body);
  if (!body.ok) return body.response;
  try {
    return jsonResponse(status, action(body.value));
  } catch (error) {
    return detailResponse(400, (error as Error).message);
  }
}

/** Comma-separated or repeated `live=namespace/name` parameters: the ComputeInstances that still exist. */
function liveKeys(query: URLSearchParams): string[] {
  return query
    .getAll('live')
    .flatMap((value) => value.split(','))
    .filter((key) => key !== '');
}

/** `/_sim/…`: the test-facing control surface. JSON, no auth, never subject to faults. */
export function handleAdminRequest(request: AdminRequest, ctx: AdminContext): HttpResponse {
  const route = `${request.method} ${request.pathname.replace(/\/+$/, '')}`;
  const purge = /^POST \/_sim\/jobs\/(\d+)\/purge$/.exec(route);
  const template = /^PATCH \/_sim\/templates\/(\d+)$/.exec(route);
  if (template) {
    const id = Number(template[1]);
    const body = readJson(request.body);
    if (!body.ok) return body.response;
    try {
      const configured = ctx.configurePlaybooks(id, body.value);
      return configured === undefined
        ? detailResponse(404, `no template ${id} to configure`)
        : jsonResponse(200, configured);
    } catch (error) {
      return detailResponse(400, (error as Error).message);
    }
  }
  if (purge) {
    return ctx.world.purge(Number(purge[1])) ? emptyResponse(204) : detailResponse(404, `no job ${purge[1]} to purge`);
  }
  switch (route) {
    case 'GET /_sim/vms':
      return jsonResponse(200, ctx.world.vms());
    case 'GET /_sim/jobs':
      return jsonResponse(200, ctx.world.jobViews());
    case 'GET /_sim/violations':
      if (['1', 'true'].includes(request.query.get('checkOrphans') ?? ''))
        ctx.world.checkOrphans(liveKeys(request.query));
      return jsonResponse(200, ctx.world.violations());
    case 'GET /_sim/requests':
      return jsonResponse(200, ctx.requestLog);
    case 'DELETE /_sim/requests':
      ctx.requestLog.length = 0;
      return emptyResponse(204);
    case 'POST /_sim/templates':
      return withJsonBody(request, 201, (spec) => ctx.addTemplate(spec));
    case 'GET /_sim/faults':
      return jsonResponse(200, ctx.faults.get());
    case 'PUT /_sim/faults':
      return withJsonBody(request, 200, (faults) => ctx.faults.set(faults));
    case 'POST /_sim/reset':
      ctx.reset();
      return emptyResponse(204);
    default:
      return detailResponse(404, `no simulator admin endpoint for ${request.method} ${request.pathname}`);
  }
}
