import type http from 'node:http';
import type { FaultsInput } from './faults';
import { FaultsError } from './faults';
import { readBody, sendJson, sendText } from './http-io';
import { badRequest } from './status';

export interface ObjectFilter {
  group?: string;
  plural?: string;
  kind?: string;
  namespace?: string;
}

/** What the admin API needs of the simulator, declared here so that the server depends on this module, not back. */
export interface AdministeredSimulator {
  getFaults(): unknown;
  setFaults(faults: FaultsInput): unknown;
  objects(filter: ObjectFilter): unknown;
  requestLog(): unknown;
  clearRequestLog(): void;
  reset(): void;
}

/**
 * The unauthenticated admin API under `/_sim/` for tests and scripts that do not hold the simulator object:
 * faults (GET/PUT), stored objects, the request log (GET/DELETE) and reset.
 */
export async function handleAdmin(
  sim: AdministeredSimulator,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
): Promise<void> {
  const method = req.method ?? 'GET';
  switch (`${method} ${url.pathname}`) {
    case 'GET /_sim/faults':
      sendJson(res, 200, sim.getFaults());
      return;
    case 'PUT /_sim/faults': {
      const text = await readBody(req);
      let parsed: unknown;
      try {
        parsed = text.trim() === '' ? {} : JSON.parse(text);
      } catch (error) {
        throw badRequest(`faults body is not JSON: ${(error as Error).message}`);
      }
      try {
        sendJson(res, 200, sim.setFaults(parsed as FaultsInput));
      } catch (error) {
        if (error instanceof FaultsError) throw badRequest(error.message);
        throw error;
      }
      return;
    }
    case 'GET /_sim/objects': {
      const filter: ObjectFilter = {};
      for (const key of ['group', 'plural', 'kind', 'namespace'] as const) {
        const value = url.searchParams.get(key);
        if (value !== null) filter[key] = value;
      }
      sendJson(res, 200, sim.objects(filter));
      return;
    }
    case 'GET /_sim/requests':
      sendJson(res, 200, sim.requestLog());
      return;
    case 'DELETE /_sim/requests':
      sim.clearRequestLog();
      sendJson(res, 200, { cleared: true });
      return;
    case 'POST /_sim/reset':
      sim.reset();
      sendJson(res, 200, { reset: true });
      return;
    default:
      sendText(res, 404, `unknown simulator admin endpoint: ${method} ${url.pathname}`);
  }
}
