import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { apiVersionOf, NAMESPACE_RESOURCE, type ResourceType, type ServedVersion } from './crd';
import { childObject, cloneJson, isJsonObject, type JsonObject, type JsonValue, jsonEqual, jsonTypeName } from './json';
import { recordUpdate, renderManagedFields, type WriteContext } from './managed-fields';
import {
  canonical,
  dropEmptyMetadata,
  generateName,
  metadataDecodeProblem,
  nameProblems,
  SERVER_OWNED_META_FIELDS,
  validateObjectMeta,
} from './object-meta';
import { patchContentTypes } from './openapi';
import {
  applyJsonPatch,
  applyMergePatch,
  decodeJsonPatch,
  JsonPatchApplyError,
  JsonPatchDecodeError,
} from './patch-bodies';
import { applyDefaults, pruneUnknownFields } from './schema';
import { SelectorError, selectorPredicate } from './selectors';
import {
  alreadyExists,
  badRequest,
  conflict,
  type FieldError,
  forbidden,
  type GroupResource,
  invalid,
  methodNotAllowed,
  notFound,
  patchNotApplicable,
  resourceExpired,
  successStatus,
  timeout,
  unsupportedMediaType,
} from './status';
import { objectKey, type Store, type StoredObject } from './store';
import { validateCustomResource } from './validation';

/**
 * The REST semantics of one resource request: create, get, list, update, patch (merge, JSON, apply), delete and
 * delete-collection, including the metadata rules the generic registry enforces (resourceVersion preconditions,
 * generation, finalizers and deletion), status subresource separation and field ownership.
 */

export interface ResourceRequest {
  type: ResourceType;
  version: ServedVersion;
  /** The namespace from the URL (namespaced resources; absent for a cluster-wide list). */
  namespace?: string;
  name?: string;
  subresource?: 'status';
  query: URLSearchParams;
  /** fieldManager for ownership: the query parameter, or the user agent's product as the API server derives it. */
  manager: string;
}

export interface OperationResult {
  code: number;
  body: JsonObject;
  warnings: string[];
}

type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

const groupResource = (type: ResourceType): GroupResource => ({ group: type.group, resource: type.plural });
const groupKind = (type: ResourceType) => ({ group: type.group, kind: type.kind });

function metaOf(object: JsonObject): JsonObject {
  return childObject(object, 'metadata');
}

function finalizersOf(object: JsonObject): string[] {
  const finalizers = metaOf(object).finalizers;
  return Array.isArray(finalizers) ? (finalizers as string[]) : [];
}

/** Whether a write would store exactly what is stored (only the resourceVersion would differ). */
function unchanged(next: JsonObject, old: JsonObject): boolean {
  const withoutVersion = (object: JsonObject): JsonObject => {
    const copy = cloneJson(object);
    delete metaOf(copy).resourceVersion;
    return copy;
  };
  return jsonEqual(withoutVersion(next), withoutVersion(old));
}

/** The registry's rule for objects being deleted: finalizers may be removed, never added. */
function newFinalizerErrors(old: JsonObject, candidate: JsonObject): FieldError[] {
  if (!metaOf(old).deletionTimestamp) return [];
  const before = new Set(finalizersOf(old));
  const added = [...new Set(finalizersOf(candidate).filter((finalizer) => !before.has(finalizer)))].sort();
  if (added.length === 0) return [];
  const goSlice = `[]string{${added.map((finalizer) => JSON.stringify(finalizer)).join(', ')}}`;
  return [
    {
      type: 'FieldValueForbidden',
      field: 'metadata.finalizers',
      detail: `no new finalizers can be added if the object is being deleted, found new finalizers ${goSlice}`,
    },
  ];
}

function withoutMetadata(object: JsonObject): JsonObject {
  const { metadata: _metadata, ...rest } = object;
  return rest;
}

const DeleteOptionsSchema = z.looseObject({
  kind: z.string().optional(),
  apiVersion: z.string().optional(),
  gracePeriodSeconds: z.number().int().nonnegative().optional(),
  preconditions: z
    .looseObject({ uid: z.string().nullable().optional(), resourceVersion: z.string().nullable().optional() })
    .nullable()
    .optional(),
  propagationPolicy: z.enum(['Orphan', 'Background', 'Foreground']).nullable().optional(),
  orphanDependents: z.boolean().nullable().optional(),
  dryRun: z.array(z.string()).optional(),
});
type DeleteOptions = z.infer<typeof DeleteOptionsSchema>;

// The API server's NamespaceLifecycle admission refuses to delete these.
const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const NAMESPACE_TOP_LEVEL = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

const CONTINUE_TOO_OLD =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export class ResourceOperations {
  constructor(
    private readonly store: Store,
    private readonly resourceTypes: readonly ResourceType[],
    private readonly now: () => Date,
  ) {}

  timestamp(): string {
    return this.now()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  /** The object as the request's version presents it (conversion strategy None: only apiVersion differs). */
  present(type: ResourceType, version: ServedVersion, object: JsonObject): JsonObject {
    const copy = cloneJson(object);
    copy.apiVersion = apiVersionOf(type.group, version.name);
    copy.kind = type.kind;
    return canonical(copy);
  }

  private storageForm(type: ResourceType, object: JsonObject): JsonObject {
    object.apiVersion = apiVersionOf(type.group, type.storageVersion);
    object.kind = type.kind;
    return canonical(object);
  }

  requireNamespace(namespace: string): void {
    if (!this.store.get(NAMESPACE_RESOURCE, '', namespace))
      throw notFound(groupResource(NAMESPACE_RESOURCE), namespace);
  }

  private mustGet(request: ResourceRequest): StoredObject {
    const name = request.name ?? '';
    const stored = this.store.get(request.type, request.namespace ?? '', name);
    if (!stored) throw notFound(groupResource(request.type), name);
    return stored;
  }

  private fieldValidation(query: URLSearchParams): FieldValidation {
    const value = query.get('fieldValidation') ?? 'Warn';
    if (value === '') return 'Warn';
    if (value === 'Ignore' || value === 'Warn' || value === 'Strict') return value;
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn" or "Strict", got "${value}"`);
  }

  private isDryRun(query: URLSearchParams, options?: DeleteOptions): boolean {
    const values = [...query.getAll('dryRun'), ...(options?.dryRun ?? [])];
    for (const value of values)
      if (value !== 'All') throw badRequest(`Invalid dry run value: "${value}", only "All" is accepted`);
    return values.length > 0;
  }

  private writeContext(request: ResourceRequest): WriteContext {
    const context: WriteContext = {
      manager: request.manager,
      apiVersion: apiVersionOf(request.type.group, request.version.name),
      time: this.timestamp(),
    };
    if (request.subresource) context.subresource = request.subresource;
    return context;
  }

  /** Checks the envelope of a request body: a JSON object of this resource's apiVersion and kind, sane metadata. */
  private decodeObject(body: JsonValue, request: ResourceRequest): JsonObject {
    const { type, version } = request;
    if (!isJsonObject(body)) throw badRequest(`the request body must be a JSON object, got ${jsonTypeName(body)}`);
    const object = cloneJson(body);
    const expected = apiVersionOf(type.group, version.name);
    if (type.group === '') {
      // Built-in types are decoded into a typed struct: the endpoint supplies a missing apiVersion and kind.
      object.apiVersion ??= expected;
      object.kind ??= type.kind;
    }
    if (typeof object.kind !== 'string' || object.kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(body)}'`);
    }
    if (object.apiVersion !== expected) {
      throw badRequest(
        `the API version in the data (${String(object.apiVersion ?? '')}) does not match the expected API version (${expected})`,
      );
    }
    if (object.kind !== type.kind) {
      throw badRequest(`the kind in the data (${object.kind}) does not match the expected kind (${type.kind})`);
    }
    const meta = object.metadata ?? {};
    const problem = metadataDecodeProblem(meta);
    if (problem) {
      throw badRequest(`${type.kind} in version "${version.name}" cannot be handled as a ${type.kind}: ${problem}`);
    }
    object.metadata = meta;
    const metadata = meta as JsonObject;
    if (type.namespaced) {
      if (metadata.namespace && metadata.namespace !== request.namespace) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
    } else {
      delete metadata.namespace;
    }
    if (request.name !== undefined && metadata.name !== undefined && metadata.name !== request.name) {
      throw badRequest(
        `the name of the object (${String(metadata.name)}) does not match the name on the URL (${request.name})`,
      );
    }
    return object;
  }

  /** Drops fields the schema does not know; per `fieldValidation` they become warnings or a 400. */
  private pruneUnknown(object: JsonObject, request: ResourceRequest, warnings: string[]): void {
    const schema = request.version.schema;
    let unknown: string[];
    if (schema) {
      unknown = pruneUnknownFields(object, schema);
    } else {
      unknown = Object.keys(object).filter((name) => !NAMESPACE_TOP_LEVEL.has(name));
      for (const name of unknown) delete object[name];
    }
    const directive = this.fieldValidation(request.query);
    if (unknown.length > 0 && directive === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((path) => `unknown field "${path}"`).join(', ')}`);
    }
    if (directive === 'Warn') for (const path of unknown) warnings.push(`unknown field "${path}"`);
  }

  /** What the CRD codec does to every written object: pruning, then schema defaults, then metadata omitempty. */
  private normalize(object: JsonObject, request: ResourceRequest, warnings: string[]): void {
    this.pruneUnknown(object, request, warnings);
    if (request.version.schema) applyDefaults(object, request.version.schema, true);
    dropEmptyMetadata(metaOf(object));
  }

  private validate(
    request: ResourceRequest,
    object: JsonObject,
    old: JsonObject | undefined,
    extra: FieldError[],
  ): void {
    const errors = [...extra, ...validateObjectMeta(metaOf(object))];
    if (request.version.schema) errors.push(...validateCustomResource(object, old, request.version.schema));
    if (errors.length > 0) throw invalid(groupKind(request.type), String(metaOf(object).name ?? ''), errors);
  }

  create(request: ResourceRequest, body: JsonValue): OperationResult {
    const { type } = request;
    // Creates go to a collection: not to an object, a subresource, or the cluster-wide path of a namespaced type.
    if (request.subresource || request.name !== undefined) throw methodNotAllowed();
    if (type.namespaced && request.namespace === undefined) throw methodNotAllowed();
    if (type.namespaced) this.requireNamespace(request.namespace ?? '');
    const object = this.decodeObject(body, request);
    const meta = metaOf(object);
    if (meta.resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
    const warnings: string[] = [];
    const nameErrors: FieldError[] = [];
    if (!meta.name) {
      if (typeof meta.generateName === 'string' && meta.generateName !== '') {
        meta.name = this.freeName(request, meta.generateName);
      } else {
        nameErrors.push({
          type: 'FieldValueRequired',
          field: 'metadata.name',
          detail: 'name or generateName is required',
        });
      }
    }
    return this.createObject(request, object, warnings, nameErrors);
  }

  private freeName(request: ResourceRequest, prefix: string): string {
    for (;;) {
      const candidate = generateName(prefix);
      if (!this.store.get(request.type, request.namespace ?? '', candidate)) return candidate;
    }
  }

  private createObject(
    request: ResourceRequest,
    object: JsonObject,
    warnings: string[],
    extraErrors: FieldError[],
  ): OperationResult {
    const { type, version } = request;
    const meta = metaOf(object);
    for (const name of [...SERVER_OWNED_META_FIELDS, 'resourceVersion', 'managedFields']) delete meta[name];
    if (type.namespaced) meta.namespace = request.namespace ?? '';
    if (version.statusSubresource) delete object.status;
    this.normalize(object, request, warnings);
    const name = typeof meta.name === 'string' ? meta.name : '';
    const errors = [...extraErrors];
    if (name) {
      for (const detail of nameProblems(name, type === NAMESPACE_RESOURCE)) {
        errors.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail });
      }
    }
    if (type === NAMESPACE_RESOURCE) {
      object.spec = { finalizers: ['kubernetes'] };
      object.status = { phase: 'Active' };
      meta.labels = { ...(isJsonObject(meta.labels) ? meta.labels : {}), 'kubernetes.io/metadata.name': name };
    }
    this.validate(request, object, undefined, errors);
    const namespace = type.namespaced ? (request.namespace ?? '') : '';
    if (this.store.get(type, namespace, name)) throw alreadyExists(groupResource(type), name);
    meta.uid = randomUUID();
    meta.resourceVersion = '';
    if (type !== NAMESPACE_RESOURCE) meta.generation = 1;
    meta.creationTimestamp = this.timestamp();
    const managers = recordUpdate([], undefined, object, this.writeContext(request));
    meta.managedFields = renderManagedFields(managers);
    const stored = this.storageForm(type, object);
    if (this.isDryRun(request.query)) return { code: 201, body: this.present(type, version, stored), warnings };
    const written = this.store.commit('ADDED', { type, namespace, name, object: stored, managers });
    return { code: 201, body: this.present(type, version, written), warnings };
  }

  get(request: ResourceRequest): OperationResult {
    this.checkResourceVersionNotTooLarge(request.query.get('resourceVersion'));
    const stored = this.mustGet(request);
    return { code: 200, body: this.present(request.type, request.version, stored.object), warnings: [] };
  }

  private checkResourceVersionNotTooLarge(resourceVersion: string | null): void {
    if (!resourceVersion || resourceVersion === '0') return;
    const requested = this.parseResourceVersion(resourceVersion);
    const current = this.store.currentResourceVersion();
    if (requested > current) {
      throw timeout(`Too large resource version: ${requested}, current: ${current}`, 1);
    }
  }

  parseResourceVersion(text: string): number {
    if (!/^\d+$/.test(text)) throw badRequest(`invalid resource version: "${text}"`);
    return Number(text);
  }

  predicateFor(request: ResourceRequest): (object: JsonObject) => boolean {
    const fields = request.type.namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
    if (request.type === NAMESPACE_RESOURCE) fields.push('status.phase');
    try {
      return selectorPredicate(
        request.query.get('labelSelector') ?? undefined,
        request.query.get('fieldSelector') ?? undefined,
        fields,
      );
    } catch (error) {
      if (error instanceof SelectorError) throw badRequest(error.message);
      throw error;
    }
  }

  list(request: ResourceRequest): OperationResult {
    const { type, version, query } = request;
    const predicate = this.predicateFor(request);
    const limit = Number(query.get('limit') ?? '0');
    if (!Number.isInteger(limit) || limit < 0)
      throw badRequest(`limit must be a non-negative integer, got "${query.get('limit')}"`);
    const token = query.get('continue');
    let listRv = this.store.currentResourceVersion();
    let start = '';
    let source: Map<string, JsonObject> | undefined;
    if (token) {
      const decoded = this.decodeContinue(token);
      listRv = decoded.rv;
      start = decoded.start;
      source = this.store.snapshotAt(type, listRv);
      if (!source) throw resourceExpired(CONTINUE_TOO_OLD);
    } else {
      const resourceVersion = query.get('resourceVersion');
      if (query.get('resourceVersionMatch') === 'Exact' && resourceVersion) {
        listRv = this.parseResourceVersion(resourceVersion);
        source = this.store.snapshotAt(type, listRv);
        if (!source) {
          throw resourceExpired(`too old resource version: ${listRv} (${this.store.oldestReplayable()})`);
        }
      } else {
        this.checkResourceVersionNotTooLarge(resourceVersion);
      }
    }
    if (!source) {
      source = new Map(
        this.store.list(type).map((stored) => [objectKey(type, stored.namespace, stored.name), stored.object]),
      );
    }
    const prefix = request.namespace !== undefined && type.namespaced ? objectKey(type, request.namespace, '') : '';
    const keys = [...source.keys()].filter((key) => key.startsWith(prefix) && key > start).sort();
    const matching = keys.filter((key) => predicate(source.get(key) as JsonObject));
    const page = limit > 0 ? matching.slice(0, limit) : matching;
    const metadata: JsonObject = { resourceVersion: String(listRv) };
    if (page.length < matching.length) {
      const last = page[page.length - 1] ?? '';
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: listRv, start: last })).toString(
        'base64',
      );
      if (!query.get('labelSelector') && !query.get('fieldSelector'))
        metadata.remainingItemCount = matching.length - page.length;
    }
    const items = page.map((key) => {
      const item = this.present(type, version, source.get(key) as JsonObject);
      // Typed core lists omit apiVersion/kind on items; custom resource lists carry them.
      if (type.group === '') {
        delete item.apiVersion;
        delete item.kind;
      }
      return item;
    });
    return {
      code: 200,
      body: { apiVersion: apiVersionOf(type.group, version.name), kind: type.listKind, metadata, items },
      warnings: [],
    };
  }

  private decodeContinue(token: string): { rv: number; start: string } {
    try {
      const parsed = z
        .object({ rv: z.number().int().positive(), start: z.string() })
        .parse(JSON.parse(Buffer.from(token, 'base64').toString('utf8')));
      return parsed;
    } catch {
      throw badRequest(`continue key is not valid: "${token}"`);
    }
  }

  update(request: ResourceRequest, body: JsonValue): OperationResult {
    if (request.name === undefined) throw methodNotAllowed();
    const stored = this.mustGet(request);
    const incoming = this.decodeObject(body, request);
    return this.writeUpdate(request, stored, incoming, { requireResourceVersion: true });
  }

  patch(request: ResourceRequest, rawBody: string, contentType: string): OperationResult {
    if (request.name === undefined) throw methodNotAllowed();
    const patchTypes = patchContentTypes(request.type);
    if (!patchTypes.includes(contentType)) throw unsupportedMediaType(patchTypes);
    const stored = this.mustGet(request);
    let patch: JsonValue;
    try {
      patch = JSON.parse(rawBody) as JsonValue;
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const current = this.present(request.type, request.version, stored.object);
    let patched: JsonValue;
    if (contentType === 'application/json-patch+json') {
      try {
        patched = applyJsonPatch(current, decodeJsonPatch(patch));
      } catch (error) {
        if (error instanceof JsonPatchDecodeError) throw badRequest(error.message);
        if (error instanceof JsonPatchApplyError) throw patchNotApplicable();
        throw error;
      }
    } else {
      // Merge patch; built-in Namespaces also take strategic merge patches, which for their fields merge alike.
      if (!isJsonObject(patch)) throw badRequest(`a merge patch must be a JSON object, got ${jsonTypeName(patch)}`);
      patched = applyMergePatch(current, patch);
    }
    const incoming = this.decodeObject(patched, request);
    const meta = metaOf(incoming);
    // A patch that leaves resourceVersion out (or nulls it) is unconditional.
    if (!meta.resourceVersion) meta.resourceVersion = metaOf(stored.object).resourceVersion ?? '';
    return this.writeUpdate(request, stored, incoming, { requireResourceVersion: false });
  }

  /**
   * The object an update would store, before validation: with the status subresource, the main endpoint keeps
   * the stored status and `/status` keeps everything but status; server-owned metadata always comes from the
   * stored object (a different uid is an error).
   */
  private candidateFor(
    request: ResourceRequest,
    stored: StoredObject,
    incoming: JsonObject,
    errors: FieldError[],
  ): JsonObject {
    const { type, version } = request;
    const old = stored.object;
    const oldMeta = metaOf(old);
    let candidate: JsonObject;
    if (request.subresource === 'status') {
      candidate = cloneJson(old);
      if (incoming.status !== undefined) candidate.status = incoming.status;
      else delete candidate.status;
    } else {
      candidate = incoming;
      const meta = metaOf(candidate);
      if (version.statusSubresource || type === NAMESPACE_RESOURCE) {
        if (old.status !== undefined) candidate.status = cloneJson(old.status);
        else delete candidate.status;
      }
      if (meta.uid && meta.uid !== oldMeta.uid) {
        errors.push({
          type: 'FieldValueInvalid',
          field: 'metadata.uid',
          value: meta.uid,
          detail: 'field is immutable',
        });
      }
      for (const field of SERVER_OWNED_META_FIELDS) {
        if (oldMeta[field] !== undefined) meta[field] = cloneJson(oldMeta[field] as JsonValue);
        else delete meta[field];
      }
      meta.name = stored.name;
      if (type.namespaced) meta.namespace = stored.namespace;
      // A Namespace's spec.finalizers only changes through /finalize, which the simulator does not serve.
      if (type === NAMESPACE_RESOURCE) candidate.spec = cloneJson(old.spec ?? { finalizers: ['kubernetes'] });
    }
    metaOf(candidate).resourceVersion = oldMeta.resourceVersion ?? '';
    return candidate;
  }

  /**
   * The shared tail of PUT, PATCH and apply: preconditions, status/main separation, server-owned metadata,
   * the finalizer rule, validation, generation, ownership, no-op detection, and deletion once the last finalizer
   * of a deleting object is gone.
   */
  private writeUpdate(
    request: ResourceRequest,
    stored: StoredObject,
    incoming: JsonObject,
    options: { requireResourceVersion: boolean },
  ): OperationResult {
    const { type, version } = request;
    const name = stored.name;
    const old = stored.object;
    const oldMeta = metaOf(old);
    const resourceVersion = metaOf(incoming).resourceVersion;
    if (!resourceVersion) {
      if (options.requireResourceVersion) {
        throw invalid({ group: type.group, kind: type.plural }, name, [
          {
            type: 'FieldValueInvalid',
            field: 'metadata.resourceVersion',
            rawValue: '0x0',
            detail: 'must be specified for an update',
          },
        ]);
      }
    } else if (resourceVersion !== oldMeta.resourceVersion) {
      throw conflict(groupResource(type), name);
    }
    const warnings: string[] = [];
    this.normalize(incoming, request, warnings);
    const errors: FieldError[] = [];
    const candidate = this.candidateFor(request, stored, incoming, errors);
    const candidateMeta = metaOf(candidate);
    errors.push(...newFinalizerErrors(old, candidate));
    this.validate(request, candidate, old, errors);
    if (type !== NAMESPACE_RESOURCE && request.subresource !== 'status') {
      if (!jsonEqual(withoutMetadata(candidate), withoutMetadata(old))) {
        candidateMeta.generation = Number(oldMeta.generation ?? 0) + 1;
      }
    }
    const managers = recordUpdate(
      stored.managers,
      this.present(type, version, old),
      this.present(type, version, candidate),
      this.writeContext(request),
    );
    candidateMeta.managedFields = renderManagedFields(managers);
    dropEmptyMetadata(candidateMeta);
    const next = this.storageForm(type, candidate);
    // Unchanged object and ownership: nothing is written, no resourceVersion is spent, no event is sent.
    if (unchanged(next, old)) {
      return { code: 200, body: this.present(type, version, old), warnings };
    }
    if (this.isDryRun(request.query)) return { code: 200, body: this.present(type, version, next), warnings };
    const namespace = stored.namespace;
    if (oldMeta.deletionTimestamp && finalizersOf(next).length === 0) {
      // The last finalizer is gone: the object is deleted instead of written; the event carries its last state.
      const deleted = this.store.commit('DELETED', { type, namespace, name, object: old, managers: stored.managers });
      return { code: 200, body: this.present(type, version, deleted), warnings };
    }
    const written = this.store.commit('MODIFIED', { type, namespace, name, object: next, managers });
    return { code: 200, body: this.present(type, version, written), warnings };
  }

  private parseDeleteOptions(body: JsonValue | undefined): DeleteOptions {
    if (body === undefined || body === null) return {};
    const result = DeleteOptionsSchema.safeParse(body);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    throw badRequest(`invalid DeleteOptions: ${issue?.path.map(String).join('.') || '(root)'}: ${issue?.message}`);
  }

  delete(request: ResourceRequest, body: JsonValue | undefined): OperationResult {
    if (request.name === undefined || request.subresource) throw methodNotAllowed();
    const stored = this.mustGet(request);
    const options = this.parseDeleteOptions(body);
    const meta = metaOf(stored.object);
    const preconditions = options.preconditions;
    if (preconditions?.uid && preconditions.uid !== meta.uid) {
      throw conflict(
        groupResource(request.type),
        stored.name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${String(meta.uid)}`,
      );
    }
    if (preconditions?.resourceVersion && preconditions.resourceVersion !== meta.resourceVersion) {
      throw conflict(
        groupResource(request.type),
        stored.name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${String(meta.resourceVersion)}`,
      );
    }
    const dryRun = this.isDryRun(request.query, options);
    if (request.type === NAMESPACE_RESOURCE) return this.deleteNamespace(request, stored, dryRun);
    const result = this.deleteStored(request, stored, dryRun);
    return { code: 200, body: result, warnings: [] };
  }

  /** Deletes at once, or only marks the object when finalizers hold it. Returns what the API answers. */
  private deleteStored(request: ResourceRequest, stored: StoredObject, dryRun: boolean): JsonObject {
    const { type, version } = request;
    const meta = metaOf(stored.object);
    if (finalizersOf(stored.object).length > 0) {
      if (meta.deletionTimestamp) return this.present(type, version, stored.object);
      const marked = cloneJson(stored.object);
      const markedMeta = metaOf(marked);
      markedMeta.deletionTimestamp = this.timestamp();
      markedMeta.deletionGracePeriodSeconds = 0;
      // The registry bumps generation when it marks an object for deletion.
      if (typeof markedMeta.generation === 'number' && markedMeta.generation > 0) markedMeta.generation += 1;
      const next = canonical(marked);
      if (dryRun) return this.present(type, version, next);
      return this.present(type, version, this.store.commit('MODIFIED', { ...stored, object: next }));
    }
    if (!dryRun) this.store.commit('DELETED', stored);
    const details = type.group
      ? { name: stored.name, group: type.group, kind: type.plural, uid: String(meta.uid ?? '') }
      : { name: stored.name, kind: type.plural, uid: String(meta.uid ?? '') };
    return successStatus(details) as unknown as JsonObject;
  }

  /** Simplified namespace deletion: it turns Terminating, its objects go at once (finalizers or not), then it. */
  private deleteNamespace(request: ResourceRequest, stored: StoredObject, dryRun: boolean): OperationResult {
    if (IMMORTAL_NAMESPACES.has(stored.name)) {
      throw forbidden(groupResource(NAMESPACE_RESOURCE), stored.name, 'this namespace may not be deleted');
    }
    const terminating = cloneJson(stored.object);
    metaOf(terminating).deletionTimestamp = this.timestamp();
    terminating.status = { phase: 'Terminating' };
    if (dryRun) return { code: 200, body: this.present(request.type, request.version, terminating), warnings: [] };
    const marked = this.store.commit('MODIFIED', { ...stored, object: canonical(terminating) });
    for (const type of this.resourceTypes) {
      if (!type.namespaced) continue;
      for (const child of this.store.list(type, stored.name)) this.store.commit('DELETED', child);
    }
    const current = this.store.get(NAMESPACE_RESOURCE, '', stored.name);
    if (current) this.store.commit('DELETED', current);
    return { code: 200, body: this.present(request.type, request.version, marked), warnings: [] };
  }

  deleteCollection(request: ResourceRequest, body: JsonValue | undefined): OperationResult {
    const { type, version } = request;
    if (type === NAMESPACE_RESOURCE) throw methodNotAllowed();
    const options = this.parseDeleteOptions(body);
    const dryRun = this.isDryRun(request.query, options);
    const predicate = this.predicateFor(request);
    const items: JsonObject[] = [];
    for (const stored of this.store.list(type, type.namespaced ? request.namespace : undefined)) {
      if (!predicate(stored.object)) continue;
      const answer = this.deleteStored(request, stored, dryRun);
      items.push(answer.kind === 'Status' ? this.present(type, version, stored.object) : answer);
    }
    return {
      code: 200,
      body: {
        apiVersion: apiVersionOf(type.group, version.name),
        kind: type.listKind,
        metadata: { resourceVersion: String(this.store.currentResourceVersion()) },
        items,
      },
      warnings: [],
    };
  }
}
