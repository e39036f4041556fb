import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { JsonObject, JsonValue, KubeSimulator } from '../../../local/kube-simulator';
import { API_VERSION, COLLECTION, computeInstance, GROUP, NS, PLURAL, raw, startSim, VERSION } from './support';
import { type Clients, clientsFor, failure, mergePatch } from './support/client-node';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const AAP = 'osac.openshift.io/computeinstance-aap';
const BASE = 'osac.openshift.io/computeinstance';

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * kubectl's client-side-apply patch for a custom resource (jsonmergepatch.CreateThreeWayJSONMergePatch): fields
 * of the last-applied configuration missing from the new manifest are deleted (null), fields of the new manifest
 * that differ from the live object are set.
 */
function threeWayMergePatch(original: JsonObject, modified: JsonObject, current: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const key of Object.keys(original)) {
    if (!(key in modified)) patch[key] = null;
    else if (isObject(original[key]) && isObject(modified[key])) {
      const nested = threeWayMergePatch(original[key] as JsonObject, modified[key] as JsonObject, {});
      if (Object.keys(nested).length > 0) patch[key] = nested;
    }
  }
  for (const [key, value] of Object.entries(modified)) {
    const live = current[key];
    if (isObject(value) && isObject(live)) {
      const nested = threeWayMergePatch({}, value, live);
      if (Object.keys(nested).length > 0) patch[key] = { ...(isObject(patch[key]) ? patch[key] : {}), ...nested };
    } else if (JSON.stringify(value) !== JSON.stringify(live)) {
      patch[key] = value as JsonValue;
    }
  }
  return patch;
}

describe('kube simulator: apply', () => {
  let sim: KubeSimulator;
  let clients: Clients;
  const ref = { group: GROUP, version: VERSION, namespace: NS, plural: PLURAL };

  beforeAll(async () => {
    sim = await startSim();
    clients = clientsFor(sim);
  });

  afterAll(() => sim.close());

  beforeEach(() => sim.reset());

  describe('§4.6: client-side apply of a metadata-only manifest', () => {
    // What `kubectl apply` (and kubernetes.core.k8s apply: true) stored when the CR was created.
    const applied = { ...computeInstance('vm-applied'), metadata: { name: 'vm-applied', namespace: NS } };

    beforeEach(async () => {
      await clients.custom.createNamespacedCustomObject({
        ...ref,
        body: {
          ...applied,
          metadata: {
            name: 'vm-applied',
            annotations: { [LAST_APPLIED]: JSON.stringify(applied) },
            finalizers: [BASE, AAP],
          },
        },
      });
    });

    it('computes a patch with "spec": null, which the server refuses with spec: Required value', async () => {
      const live = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-applied' });
      // The finalizer role's desired state: metadata only, finalizers minus the AAP one.
      const desired: JsonObject = {
        apiVersion: API_VERSION,
        kind: 'ComputeInstance',
        metadata: { name: 'vm-applied', namespace: NS, finalizers: [BASE] },
      };
      const modified = {
        ...desired,
        metadata: { ...(desired.metadata as JsonObject), annotations: { [LAST_APPLIED]: JSON.stringify(desired) } },
      };
      const patch = threeWayMergePatch(applied, modified, live);
      expect(patch.spec).toBeNull();

      const { code, status } = await failure(
        clients.custom.patchNamespacedCustomObject({ ...ref, name: 'vm-applied', body: patch }, mergePatch),
      );
      expect(code).toBe(422);
      expect(status.reason).toBe('Invalid');
      expect(status.message).toMatch(
        /^ComputeInstance\.osac\.openshift\.io "vm-applied" is invalid: \[spec: Required value, /,
      );
      expect((status.details as JsonObject).causes).toContainEqual({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec',
      });
      // Nothing changed: the finalizer the delete job wanted gone is still there, so the CR cannot go away.
      const after = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-applied' });
      expect(after.metadata.finalizers).toEqual([BASE, AAP]);
    });

    it('gives exactly that answer to the bare merge patch {"spec": null}', async () => {
      const response = await raw(sim, 'PATCH', `${COLLECTION}/vm-applied`, {
        body: { spec: null },
        contentType: 'application/merge-patch+json',
      });
      expect(response.status).toBe(422);
      expect(response.body.details.causes[0]).toEqual({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec',
      });
    });

    it('accepts the correct removal: a merge patch of metadata.finalizers with a resourceVersion precondition', async () => {
      const live = await clients.custom.getNamespacedCustomObject({ ...ref, name: 'vm-applied' });
      const patched = await clients.custom.patchNamespacedCustomObject(
        {
          ...ref,
          name: 'vm-applied',
          body: { metadata: { finalizers: [BASE], resourceVersion: live.metadata.resourceVersion } },
        },
        mergePatch,
      );
      expect(patched.metadata.finalizers).toEqual([BASE]);
      expect(patched.spec).toEqual(live.spec);
    });
  });

  describe('server-side apply', () => {
    const apply = (body: JsonObject, query: string) =>
      raw(sim, 'PATCH', `${COLLECTION}/${(body.metadata as JsonObject).name}?${query}`, {
        body,
        contentType: 'application/apply-patch+yaml',
      });

    it('creates an object, through client-node too, and records an Apply manager', async () => {
      const created = await clients.custom.patchNamespacedCustomObject(
        { ...ref, name: 'vm-ssa', body: computeInstance('vm-ssa'), fieldManager: 'provisioner' },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
      expect(created.metadata.generation).toBe(1);
      expect(created.metadata.managedFields).toEqual([
        expect.objectContaining({ manager: 'provisioner', operation: 'Apply', apiVersion: API_VERSION }),
      ]);
      expect(created.metadata.managedFields[0].fieldsV1['f:spec']).toMatchObject({ '.': {}, 'f:cores': {} });
    });

    it('refuses to create from a body that omits the required spec', async () => {
      const response = await apply(
        { apiVersion: API_VERSION, kind: 'ComputeInstance', metadata: { name: 'vm-bare' } },
        'fieldManager=provisioner',
      );
      expect(response.status).toBe(422);
      expect(response.body.message).toContain('"vm-bare" is invalid: [spec: Required value');
    });

    it('keeps spec when another manager applies a metadata-only body', async () => {
      await clients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance('vm-mixed') });
      const response = await apply(
        { apiVersion: API_VERSION, kind: 'ComputeInstance', metadata: { name: 'vm-mixed', finalizers: [AAP] } },
        'fieldManager=finalizer-role',
      );
      expect(response.status).toBe(200);
      expect(response.body.metadata.finalizers).toEqual([AAP]);
      expect(response.body.spec.cores).toBe(2);
    });

    it('removes spec when the manager that applied it applies a metadata-only body: spec: Required value', async () => {
      expect((await apply(computeInstance('vm-own'), 'fieldManager=owner')).status).toBe(201);
      const response = await apply(
        { apiVersion: API_VERSION, kind: 'ComputeInstance', metadata: { name: 'vm-own', finalizers: [AAP] } },
        'fieldManager=owner',
      );
      expect(response.status).toBe(422);
      expect(response.body.details.causes[0]).toEqual({
        reason: 'FieldValueRequired',
        message: 'Required value',
        field: 'spec',
      });
    });

    it('reports a conflict on a field another manager owns, and takes it over with force', async () => {
      await clients.custom.createNamespacedCustomObject({ ...ref, body: computeInstance('vm-c') });
      const body = computeInstance('vm-c', { runStrategy: 'Halted' });
      const refused = await apply(body, 'fieldManager=other');
      expect(refused.status).toBe(409);
      expect(refused.body.reason).toBe('Conflict');
      expect(refused.body.message).toMatch(
        /^Apply failed with 1 conflict: conflict with "[^"]+" using osac\.openshift\.io\/v1alpha1: \.spec\.runStrategy$/,
      );
      expect(refused.body.details.causes).toEqual([
        expect.objectContaining({ reason: 'FieldManagerConflict', field: '.spec.runStrategy' }),
      ]);
      const forced = await apply(body, 'fieldManager=other&force=true');
      expect(forced.status).toBe(200);
      expect(forced.body.spec.runStrategy).toBe('Halted');
    });

    it('does not write when the same manager applies the same body again', async () => {
      const first = await apply(computeInstance('vm-same'), 'fieldManager=owner');
      const second = await apply(computeInstance('vm-same'), 'fieldManager=owner');
      expect(second.status).toBe(200);
      expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    });

    it('requires a fieldManager', async () => {
      const response = await apply(computeInstance('vm-x'), '');
      expect(response.status).toBe(422);
      expect(response.body.message).toBe(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    });
  });
});
