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

  it('does not serve server-side apply (nothing here uses it): 415, naming the patch types it takes', async () => {
    const response = await raw(sim, 'PATCH', `${COLLECTION}/vm-ssa?fieldManager=provisioner`, {
      body: computeInstance('vm-ssa'),
      contentType: 'application/apply-patch+yaml',
    });
    expect(response.status).toBe(415);
    expect(response.body).toMatchObject({
      reason: 'UnsupportedMediaType',
      message:
        'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json',
    });
  });
});
