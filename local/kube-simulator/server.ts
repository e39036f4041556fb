import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { bind, closeServer, serve } from '../http';
import { handleAdmin, type ObjectFilter } from './admin';
import { defaultCrdPaths, loadCrdFile, NAMESPACE_RESOURCE, type ResourceType, type ServedVersion } from './crd';
import { aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions } from './discovery';
import { FaultInjector, type Faults, type FaultsInput } from './faults';
import { parseObjectBody, readBody, sendJson, sendStatus, sendText } from './http-io';
import { cloneJson, isJsonObject, type JsonObject, type JsonValue } from './json';
import { mediaTypeOf, negotiate, type Representation } from './negotiation';
import { openApiDocument, openApiIndex } from './openapi';
import { type OperationResult, ResourceOperations, type ResourceRequest } from './operations';
import { isPlainApiPath, resolveResource, splitPathCredential } from './routing';
import {
  ApiError,
  badRequest,
  conflict,
  internalError,
  methodNotAllowed,
  resourceNotFound,
  serverError,
  unauthorized,
} from './status';
import { Store, typeKeyOf } from './store';
import { type IncludeObject, toTable } from './table';
import { prepareSchema } from './validation';
import { startWatch } from './watch';

/**
 * An in-process stand-in for kube-apiserver over plain HTTP, serving Namespaces and the custom resources of the
 * CRD manifests it is given: discovery, OpenAPI v3, CRUD, patches, watches, Tables, bearer-token auth, fault
 * injection and a small unauthenticated admin API under `/_sim/`.
 */

export interface KubeSimulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Bearer token clients must present; generated when omitted. */
  token?: string;
  /** CRD manifest files; default: the project's CRD, else the upstream reference copy. */
  crdPaths?: string[];
  /** Namespaces created at start (and after reset), besides `default`. */
  namespaces?: string[];
  /** Clock for timestamps (creationTimestamp, deletionTimestamp, managedFields, Table ages). */
  now?: () => Date;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkIntervalMs?: number;
  /** How many events are kept for watch resumption and consistent continue tokens. */
  historyLimit?: number;
}

export interface RestartOptions {
  /** How long the port stays closed. */
  downtimeMs?: number;
  /** Forget the event history, so resuming from any earlier resourceVersion gets 410 Gone. */
  compactHistory?: boolean;
}

export interface RequestLogEntry {
  time: string;
  method: string;
  path: string;
  query: string;
  status: number;
  watch: boolean;
  fieldManager?: string;
  contentType?: string;
  userAgent?: string;
  fault?: 'latency' | 'error' | 'conflict';
  /** The request body of writes, parsed when it is JSON (never contains credentials: those travel in headers). */
  body?: JsonValue;
}

export interface KubeSimulator {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
  /** Back to the start state: no objects but the initial namespaces, no faults, empty request log. */
  reset(): void;
  setFaults(faults: FaultsInput): Faults;
  getFaults(): Faults;
  requestLog(): RequestLogEntry[];
  clearRequestLog(): void;
  /** Stored objects (storage version), optionally filtered. */
  objects(filter?: ObjectFilter): JsonObject[];
  /** Drops every connection (open watches included), closes the port for a moment, then serves again. */
  restart(options?: RestartOptions): Promise<void>;
}

const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.4',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-04-22T00:00:00Z',
  goVersion: 'go1.23.6',
  compiler: 'gc',
  platform: 'linux/amd64',
};

const HEALTH_PATHS = ['/healthz', '/livez', '/readyz'];
const REQUEST_LOG_LIMIT = 2000;
const TRUE_VALUES = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

class Simulator implements KubeSimulator {
  url = '';
  port = 0;
  readonly token: string;
  private readonly server: http.Server;
  private readonly store: Store;
  private readonly operations: ResourceOperations;
  private readonly faults = new FaultInjector();
  private log: RequestLogEntry[] = [];
  private readonly watchResponses = new Set<http.ServerResponse>();
  private readonly types: ResourceType[];
  private readonly host: string;
  private readonly now: () => Date;
  private closed = false;

  constructor(
    private readonly options: KubeSimulatorOptions,
    customTypes: ResourceType[],
  ) {
    this.token = options.token ?? `kube-sim-${randomBytes(16).toString('hex')}`;
    this.host = options.host ?? '127.0.0.1';
    this.now = options.now ?? (() => new Date());
    this.types = [NAMESPACE_RESOURCE, ...customTypes];
    this.store = new Store(options.historyLimit ?? 1000);
    this.operations = new ResourceOperations(this.store, this.types, this.now);
    this.server = serve((req, res) => this.handle(req, res));
    this.seedNamespaces();
  }

  private seedNamespaces(): void {
    const namespaceVersion = NAMESPACE_RESOURCE.versions[0] as ServedVersion;
    for (const name of new Set(['default', ...(this.options.namespaces ?? [])])) {
      this.operations.create(
        {
          type: NAMESPACE_RESOURCE,
          version: namespaceVersion,
          query: new URLSearchParams(),
          manager: 'kube-simulator',
        },
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
      );
    }
  }

  async listen(port: number): Promise<void> {
    const bound = await bind(this.server, 'kube simulator', this.host, port);
    this.port = bound.port;
    this.url = bound.url;
  }

  private closeServer(): Promise<void> {
    return closeServer(this.server);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.store.terminateWatchers();
    await this.closeServer();
  }

  reset(): void {
    this.store.terminateWatchers();
    this.store.clear();
    this.faults.set({});
    this.log = [];
    this.seedNamespaces();
  }

  setFaults(faults: FaultsInput): Faults {
    return this.faults.set(faults);
  }

  getFaults(): Faults {
    return this.faults.get();
  }

  requestLog(): RequestLogEntry[] {
    return cloneJson(this.log as unknown as JsonValue) as unknown as RequestLogEntry[];
  }

  clearRequestLog(): void {
    this.log = [];
  }

  objects(filter: ObjectFilter = {}): JsonObject[] {
    return this.store
      .all()
      .filter(
        (stored) =>
          (filter.group === undefined || stored.type.group === filter.group) &&
          (filter.plural === undefined || stored.type.plural === filter.plural) &&
          (filter.kind === undefined || stored.type.kind === filter.kind) &&
          (filter.namespace === undefined || stored.namespace === filter.namespace),
      )
      .map((stored) => cloneJson(stored.object));
  }

  async restart(options: RestartOptions = {}): Promise<void> {
    // Abrupt, like a crashed API server: watch clients see their connection reset, not a clean end of stream.
    for (const response of this.watchResponses) response.socket?.destroy();
    this.watchResponses.clear();
    this.store.terminateWatchers();
    await this.closeServer();
    if (options.compactHistory) this.store.compact();
    await sleep(options.downtimeMs ?? 100);
    await this.listen(this.port);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // HTTP handling

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { url, pathToken, prefix } = splitPathCredential(new URL(req.url ?? '/', 'http://kube-simulator'));
    const entry: RequestLogEntry = {
      time: this.now().toISOString(),
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search,
      status: 0,
      watch: false,
    };
    const fieldManager = url.searchParams.get('fieldManager');
    if (fieldManager) entry.fieldManager = fieldManager;
    if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
    if (req.headers['user-agent']) entry.userAgent = req.headers['user-agent'];
    let logged = true;
    try {
      if (url.pathname.startsWith('/_sim/') || url.pathname === '/_sim') {
        logged = false;
        await handleAdmin(this, req, res, url);
        return;
      }
      if (HEALTH_PATHS.some((path) => url.pathname === path || url.pathname.startsWith(`${path}/`))) {
        logged = false;
        sendText(res, 200, 'ok');
        return;
      }
      const latency = this.faults.latencyFor(url.pathname);
      if (latency > 0) {
        entry.fault = 'latency';
        await sleep(latency);
      }
      if (url.pathname !== '/version' && !this.authorized(req, pathToken)) throw unauthorized();
      const errorStatus = this.faults.errorFor(url.pathname);
      if (errorStatus !== undefined) {
        entry.fault = 'error';
        throw this.injectedError(errorStatus);
      }
      await this.route(req, res, url, entry, prefix);
    } catch (error) {
      const apiError = error instanceof ApiError ? error : this.unexpected(error);
      if (!res.headersSent) sendStatus(res, apiError.status);
      else res.destroy();
    } finally {
      if (logged) {
        entry.status = res.statusCode;
        this.log.push(entry);
        if (this.log.length > REQUEST_LOG_LIMIT) this.log.splice(0, this.log.length - REQUEST_LOG_LIMIT);
      }
    }
  }

  private unexpected(error: unknown): ApiError {
    // A simulator bug, not a client error: say so loudly on stderr and answer like the API server would.
    console.error('kube simulator: unexpected error while handling a request:', error);
    return internalError((error as Error)?.message ?? String(error));
  }

  private injectedError(code: number): ApiError {
    if (code === 500) return internalError('simulated server error (kube simulator errorRate fault)');
    if (code === 503) return serverError(503, 'the server is currently unable to handle the request (simulated fault)');
    if (code === 504)
      return serverError(504, 'Timeout: request did not complete within the allotted timeout (simulated fault)');
    return serverError(code, `simulated server error ${code} (kube simulator errorRate fault)`);
  }

  private authorized(req: http.IncomingMessage, pathToken: string | undefined): boolean {
    const matches = (given: string, expected: string): boolean => {
      const a = Buffer.from(given);
      const b = Buffer.from(expected);
      return a.length === b.length && timingSafeEqual(a, b);
    };
    if (pathToken !== undefined) return matches(pathToken, this.token);
    return matches(req.headers.authorization ?? '', `Bearer ${this.token}`);
  }

  private async route(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
    entry: RequestLogEntry,
    prefix: string,
  ): Promise<void> {
    const segments = url.pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
    const method = req.method ?? 'GET';
    const accept = req.headers.accept;
    if (url.pathname === '/version') {
      if (method !== 'GET') throw methodNotAllowed();
      sendJson(res, 200, VERSION_INFO);
      return;
    }
    if (segments[0] === 'openapi') {
      this.serveOpenApi(res, method, segments, prefix);
      return;
    }
    if (!isPlainApiPath(url.pathname)) {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    const [root, ...rest] = segments;
    const group = root === 'apis' ? (rest.shift() ?? '') : '';
    const discoveryPath = rest.length <= 1;
    if (discoveryPath) {
      if (method !== 'GET') throw methodNotAllowed();
      this.serveDiscovery(res, root === 'apis' ? 'apis' : 'api', group, rest[0], accept);
      return;
    }
    const versionName = rest.shift() as string;
    let watch = TRUE_VALUES.has(url.searchParams.get('watch') ?? '');
    if (rest[0] === 'watch') {
      rest.shift();
      watch = true;
    }
    const resolved = resolveResource(this.types, group, versionName, rest);
    if (!resolved) throw resourceNotFound();
    const manager =
      url.searchParams.get('fieldManager') || (req.headers['user-agent'] ?? '').split('/')[0] || 'unknown';
    const request: ResourceRequest = { ...resolved, query: url.searchParams, manager };
    if (watch && resolved.name !== undefined) {
      // Legacy `/watch/…/<name>` paths watch one object.
      const selector = url.searchParams.get('fieldSelector');
      const byName = `metadata.name=${resolved.name}`;
      url.searchParams.set('fieldSelector', selector ? `${selector},${byName}` : byName);
      delete request.name;
    }
    const isObjectWrite = (method === 'PUT' || method === 'PATCH' || method === 'DELETE') && request.name !== undefined;
    let body: string | undefined;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
      body = await readBody(req);
      if (body !== '' && method !== 'DELETE') entry.body = this.loggableBody(body);
    }
    if (isObjectWrite && this.faults.conflictFor(url.pathname)) {
      entry.fault = 'conflict';
      throw conflict({ group: resolved.type.group, resource: resolved.type.plural }, request.name ?? '');
    }
    const representation = negotiate(accept, { table: method === 'GET' });
    switch (method) {
      case 'GET':
        if (request.name !== undefined) this.sendResult(res, request, this.operations.get(request), representation);
        else if (watch) {
          entry.watch = true;
          this.serveWatch(res, request, representation);
        } else this.sendResult(res, request, this.operations.list(request), representation);
        return;
      case 'POST':
        this.sendResult(
          res,
          request,
          this.operations.create(request, parseObjectBody(body ?? '', req.headers['content-type'])),
          representation,
        );
        return;
      case 'PUT':
        this.sendResult(
          res,
          request,
          this.operations.update(request, parseObjectBody(body ?? '', req.headers['content-type'])),
          representation,
        );
        return;
      case 'PATCH':
        this.sendResult(
          res,
          request,
          this.operations.patch(request, body ?? '', mediaTypeOf(req.headers['content-type'])),
          representation,
        );
        return;
      case 'DELETE': {
        const options = body ? parseObjectBody(body, req.headers['content-type']) : undefined;
        const result =
          request.name !== undefined
            ? this.operations.delete(request, options)
            : this.operations.deleteCollection(request, options);
        this.sendResult(res, request, result, representation);
        return;
      }
      default:
        throw methodNotAllowed();
    }
  }

  private loggableBody(text: string): JsonValue {
    try {
      return JSON.parse(text) as JsonValue;
    } catch {
      return text;
    }
  }

  private sendResult(
    res: http.ServerResponse,
    request: ResourceRequest,
    result: OperationResult,
    representation: Representation,
  ): void {
    let body: unknown = result.body;
    let contentType: string | undefined;
    if (
      representation.kind === 'table' &&
      result.code === 200 &&
      body !== null &&
      (body as JsonObject).kind !== 'Status'
    ) {
      const object = body as JsonObject;
      const isList = Array.isArray(object.items);
      const items = isList ? (object.items as JsonObject[]) : [object];
      const listMetadata = isList && isJsonObject(object.metadata) ? object.metadata : {};
      const table = toTable(
        request.type,
        request.version,
        items,
        listMetadata,
        this.includeObject(request),
        this.now(),
      );
      table.apiVersion = `meta.k8s.io/${representation.version}`;
      body = table;
      contentType = `application/json;as=Table;v=${representation.version};g=meta.k8s.io`;
    }
    sendJson(res, result.code, body, { warnings: result.warnings, contentType });
  }

  private includeObject(request: ResourceRequest): IncludeObject {
    const value = request.query.get('includeObject') ?? 'Metadata';
    if (value === 'None' || value === 'Metadata' || value === 'Object') return value;
    throw badRequest(`includeObject must be one of None, Metadata, Object; got "${value}"`);
  }

  private serveWatch(res: http.ServerResponse, request: ResourceRequest, representation: Representation): void {
    const { type, version, query } = request;
    const predicate = this.operations.predicateFor(request);
    const resourceVersion = query.get('resourceVersion') ?? undefined;
    if (resourceVersion && resourceVersion !== '0') this.operations.parseResourceVersion(resourceVersion);
    const timeoutText = query.get('timeoutSeconds');
    const timeoutSeconds = timeoutText === null ? undefined : Number(timeoutText);
    if (timeoutSeconds !== undefined && (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0)) {
      throw badRequest(`timeoutSeconds must be a non-negative integer, got "${timeoutText}"`);
    }
    const includeObject = representation.kind === 'table' ? this.includeObject(request) : 'Object';
    const present = (object: JsonObject): JsonObject => {
      const presented = this.operations.present(type, version, object);
      if (representation.kind !== 'table') return presented;
      const table = toTable(type, version, [presented], {}, includeObject, this.now());
      table.apiVersion = `meta.k8s.io/${representation.version}`;
      return table;
    };
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    this.watchResponses.add(res);
    const watchRequest: Parameters<typeof startWatch>[1] = {
      typeKey: typeKeyOf(type),
      predicate,
      sendInitialEvents: TRUE_VALUES.has(query.get('sendInitialEvents') ?? ''),
      allowBookmarks: TRUE_VALUES.has(query.get('allowWatchBookmarks') ?? ''),
      bookmarkIntervalMs: this.options.bookmarkIntervalMs ?? 10_000,
      currentObjects: () =>
        this.store.list(type).map((stored) => ({ namespace: stored.namespace, object: stored.object })),
      present,
      bookmark: (rv, annotations) => ({
        kind: type.kind,
        apiVersion: type.group ? `${type.group}/${version.name}` : version.name,
        metadata: (annotations
          ? { resourceVersion: rv, creationTimestamp: null, annotations }
          : { resourceVersion: rv, creationTimestamp: null }) as JsonObject,
      }),
    };
    if (type.namespaced && request.namespace !== undefined) watchRequest.namespace = request.namespace;
    if (resourceVersion !== undefined) watchRequest.resourceVersion = resourceVersion;
    if (timeoutSeconds !== undefined) watchRequest.timeoutSeconds = timeoutSeconds;
    const active = startWatch(this.store, watchRequest, {
      write: (event) => {
        if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify(event)}\n`);
      },
      end: () => {
        this.watchResponses.delete(res);
        if (!res.writableEnded && !res.destroyed) res.end();
      },
    });
    res.on('close', () => active.stop());
  }

  private serveDiscovery(
    res: http.ServerResponse,
    root: 'api' | 'apis',
    group: string,
    version: string | undefined,
    accept: string | undefined,
  ): void {
    const atRoot = root === 'api' ? version === undefined : group === '';
    if (atRoot) {
      const representation = negotiate(accept, { discovery: true });
      if (representation.kind === 'discovery') {
        sendJson(res, 200, aggregatedDiscovery(this.types, root, representation.version), {
          contentType: `application/json;g=apidiscovery.k8s.io;v=${representation.version};as=APIGroupDiscoveryList`,
        });
      } else {
        const address = `${this.host}:${this.port}`;
        sendJson(res, 200, root === 'api' ? apiVersions(address) : apiGroupList(this.types));
      }
      return;
    }
    const document =
      version === undefined
        ? apiGroup(this.types, group)
        : apiResourceList(this.types, root === 'api' ? '' : group, version);
    if (!document) throw resourceNotFound();
    sendJson(res, 200, document);
  }

  private serveOpenApi(res: http.ServerResponse, method: string, segments: string[], prefix: string): void {
    if (method !== 'GET') throw methodNotAllowed();
    if (segments[1] !== 'v3') {
      // No OpenAPI v2: kubectl then computes client-side apply patches for custom resources as JSON merge patches.
      sendText(res, 404, '404 page not found\n');
      return;
    }
    if (segments.length === 2) {
      sendJson(res, 200, openApiIndex(this.types, prefix));
      return;
    }
    const [, , root, first, second] = segments;
    const document =
      root === 'api' && first !== undefined && second === undefined
        ? openApiDocument(this.types, '', first)
        : root === 'apis' && first !== undefined && second !== undefined
          ? openApiDocument(this.types, first, second)
          : undefined;
    if (!document) {
      sendText(res, 404, '404 page not found\n');
      return;
    }
    sendJson(res, 200, document);
  }
}

const OptionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  token: z.string().min(1, 'must not be empty (it is the only credential)').optional(),
  crdPaths: z.array(z.string().min(1)).min(1).optional(),
  namespaces: z.array(z.string()).optional(),
  now: z.custom<() => Date>((value) => typeof value === 'function', 'must be a function returning a Date').optional(),
  bookmarkIntervalMs: z.number().int().positive().optional(),
  historyLimit: z.number().int().positive().optional(),
});

/** Loads the CRDs, seeds the namespaces and starts serving. */
export async function startKubeSimulator(input: KubeSimulatorOptions = {}): Promise<KubeSimulator> {
  const parsed = OptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`startKubeSimulator: ${issue?.path.map(String).join('.') || 'options'}: ${issue?.message}`);
  }
  const options = parsed.data;
  const paths = options.crdPaths ?? defaultCrdPaths();
  const customTypes = paths.flatMap((path) => loadCrdFile(path));
  for (const type of customTypes) {
    for (const version of type.versions) {
      if (version.schema) prepareSchema(version.schema, `${type.plural}.${type.group}/${version.name}`);
    }
  }
  const duplicate = customTypes.find(
    (type, index) =>
      customTypes.findIndex((other) => other.group === type.group && other.plural === type.plural) !== index,
  );
  if (duplicate)
    throw new Error(`CRD ${duplicate.plural}.${duplicate.group} is defined more than once in ${paths.join(', ')}`);
  const simulator = new Simulator(options, customTypes);
  await simulator.listen(options.port ?? 0);
  return simulator;
}
