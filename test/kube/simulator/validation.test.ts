import type { JsonObject, KubeSimulator } from '../../../local/kube-simulator';
import { COLLECTION, computeInstance, raw, startSim } from './support';

const BLOCKING_NOTE =
  '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation';
const PREFIX = 'ComputeInstance.osac.openshift.io "vm" is invalid: ';

function withSpec(spec: JsonObject): JsonObject {
  return computeInstance('vm', spec);
}

function attachments(count: number): JsonObject[] {
  return Array.from({ length: count }, (_, i) => ({ subnetRef: `subnet-${i}` }));
}

describe('kube simulator: validation from the CRD schema', () => {
  let sim: KubeSimulator;

  beforeAll(async () => {
    sim = await startSim();
  });

  afterAll(() => sim.close());

  beforeEach(() => sim.reset());

  const post = (body: unknown, query = '') => raw(sim, 'POST', `${COLLECTION}${query}`, { body });

  it.each<[string, JsonObject, string]>([
    [
      'spec missing (required at the top level)',
      { apiVersion: 'osac.openshift.io/v1alpha1', kind: 'ComputeInstance', metadata: { name: 'vm' } },
      `[spec: Required value, ${BLOCKING_NOTE}]`,
    ],
    [
      'cores below minimum',
      withSpec({ cores: 0 }),
      'spec.cores: Invalid value: 0: spec.cores in body should be greater than or equal to 1',
    ],
    [
      'cores above maximum',
      withSpec({ cores: 129 }),
      'spec.cores: Invalid value: 129: spec.cores in body should be less than or equal to 128',
    ],
    [
      'runStrategy outside the enum',
      withSpec({ runStrategy: 'Foo' }),
      `[spec.runStrategy: Unsupported value: "Foo": supported values: "Always", "Halted", ${BLOCKING_NOTE}]`,
    ],
    [
      'templateID not matching its pattern',
      withSpec({ templateID: '1bad' }),
      `spec.templateID: Invalid value: "1bad": spec.templateID in body should match '^[a-zA-Z_][a-zA-Z0-9._]*$'`,
    ],
    [
      'more network attachments than maxItems',
      withSpec({ networkAttachments: attachments(9) }),
      `[spec.networkAttachments: Too many: 9: must have at most 8 items, ${BLOCKING_NOTE}]`,
    ],
    [
      'a required nested field missing',
      withSpec({ bootDisk: {} }),
      `[spec.bootDisk.sizeGiB: Required value, ${BLOCKING_NOTE}]`,
    ],
    [
      'an empty string under minLength',
      withSpec({ image: { sourceType: 'registry', sourceRef: '' } }),
      'spec.image.sourceRef: Invalid value: "": spec.image.sourceRef in body should be at least 1 chars long',
    ],
    [
      'a string where an integer belongs',
      withSpec({ cores: 'two' }),
      `[spec.cores: Invalid value: "string": spec.cores in body must be of type integer: "string", ${BLOCKING_NOTE}]`,
    ],
    [
      'a timestamp that is not date-time',
      withSpec({ restartRequestedAt: 'yesterday' }),
      `[spec.restartRequestedAt: Invalid value: "yesterday": spec.restartRequestedAt in body must be of type date-time: "yesterday", ${BLOCKING_NOTE}]`,
    ],
    [
      'a subnetRef over maxLength',
      withSpec({ networkAttachments: [{ subnetRef: 'x'.repeat(254) }] }),
      `[spec.networkAttachments[0].subnetRef: Too long: may not be more than 253 bytes, ${BLOCKING_NOTE}]`,
    ],
    [
      'two attachments with the same map key',
      withSpec({ networkAttachments: [{ subnetRef: 'a' }, { subnetRef: 'a' }] }),
      'spec.networkAttachments[1]: Duplicate value: map[string]interface {}{"subnetRef":"a"}',
    ],
    [
      'an invalid label value',
      computeInstance('vm', {}, { labels: { app: 'not valid!' } }),
      'metadata.labels: Invalid value: "not valid!": a valid label must be an empty string or consist of alphanumeric characters',
    ],
    [
      'an object name that is not a DNS subdomain',
      computeInstance('VM_1'),
      'metadata.name: Invalid value: "VM_1": a lowercase RFC 1123 subdomain',
    ],
  ])('refuses %s with 422 and the API server wording', async (_case, body, message) => {
    const response = await post(body);
    expect(response.status).toBe(422);
    expect(response.body.reason).toBe('Invalid');
    const name = ((body.metadata as JsonObject).name as string) || 'vm';
    expect(response.body.message).toContain(message);
    expect(response.body.message.startsWith(PREFIX.replace('"vm"', `"${name}"`))).toBe(true);
  });

  it('lists each error as a cause with reason, message and field', async () => {
    const response = await post(withSpec({ cores: 0, runStrategy: 'Foo' }));
    expect(response.body.details).toEqual({
      name: 'vm',
      group: 'osac.openshift.io',
      kind: 'ComputeInstance',
      causes: [
        {
          reason: 'FieldValueInvalid',
          message: 'Invalid value: 0: spec.cores in body should be greater than or equal to 1',
          field: 'spec.cores',
        },
        {
          reason: 'FieldValueNotSupported',
          message: 'Unsupported value: "Foo": supported values: "Always", "Halted"',
          field: 'spec.runStrategy',
        },
        {
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
          field: '<nil>',
        },
      ],
    });
  });

  it('validates status writes, including the job state enum', async () => {
    expect((await post(computeInstance('vm'))).status).toBe(201);
    const response = await raw(sim, 'PATCH', `${COLLECTION}/vm/status`, {
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          provisioningJobs: [
            { jobID: '1', type: 'provision', state: 'Bogus', timestamp: '2026-03-20T09:58:02Z' },
            { type: 'provision', state: 'Running', timestamp: '2026-03-20T09:58:02Z' },
          ],
        },
      },
    });
    expect(response.status).toBe(422);
    expect(response.body.message).toContain(
      'status.provisioningJobs[0].state: Unsupported value: "Bogus": supported values: "Pending", "Waiting", "Running", "Succeeded", "Failed", "Canceled", "Unknown"',
    );
    expect(response.body.message).toContain('status.provisioningJobs[1].jobID: Required value');
  });

  it('prunes unknown fields and warns about them (fieldValidation=Warn, the default)', async () => {
    const body = computeInstance('vm', { colour: 'blue' }, { surprise: true });
    const response = await post({ ...body, extra: 1 });
    expect(response.status).toBe(201);
    expect(response.body.spec.colour).toBeUndefined();
    expect(response.body.metadata.surprise).toBeUndefined();
    expect(response.body.extra).toBeUndefined();
    expect(response.headers.get('warning')).toBe(
      '299 - "unknown field \\"metadata.surprise\\"", 299 - "unknown field \\"spec.colour\\"", 299 - "unknown field \\"extra\\""',
    );
  });

  it('refuses unknown fields with fieldValidation=Strict, as kubectl asks', async () => {
    const response = await post(computeInstance('vm', { colour: 'blue' }), '?fieldValidation=Strict');
    expect(response.status).toBe(400);
    expect(response.body.message).toBe('strict decoding error: unknown field "spec.colour"');
  });

  it('applies schema defaults and drops nulls of non-nullable fields', async () => {
    const response = await post(withSpec({ userDataSecretRef: {}, sshKey: null }));
    expect(response.status).toBe(201);
    expect(response.body.spec.userDataSecretRef).toEqual({ name: '' });
    expect('sshKey' in response.body.spec).toBe(false);
  });

  describe('immutability rules (x-kubernetes-validations, transition rules)', () => {
    const initial = {
      guestOSFamily: 'linux',
      networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: ['web-sg'] }],
    };

    beforeEach(async () => {
      expect((await post(withSpec(initial))).status).toBe(201);
    });

    const patchSpec = (spec: JsonObject) =>
      raw(sim, 'PATCH', `${COLLECTION}/vm`, { contentType: 'application/merge-patch+json', body: { spec } });

    it.each<[string, JsonObject, string]>([
      ['cores', { cores: 4 }, 'spec.cores: Invalid value: "integer": cores is immutable'],
      ['memoryGiB', { memoryGiB: 8 }, 'spec.memoryGiB: Invalid value: "integer": memoryGiB is immutable'],
      ['image', { image: { sourceRef: 'quay.io/other:1' } }, 'spec.image: Invalid value: "object": image is immutable'],
      ['bootDisk', { bootDisk: { sizeGiB: 40 } }, 'spec.bootDisk: Invalid value: "object": bootDisk is immutable'],
      [
        'guestOSFamily',
        { guestOSFamily: 'windows' },
        'spec.guestOSFamily: Invalid value: "string": guestOSFamily is immutable',
      ],
      [
        'the set of network attachments',
        { networkAttachments: [{ subnetRef: 'subnet-web' }, { subnetRef: 'subnet-db' }] },
        'spec.networkAttachments: Invalid value: "array": cannot change or add/remove network attachments after initial assignment',
      ],
      [
        'a network attachment subnet',
        { networkAttachments: [{ subnetRef: 'subnet-db' }] },
        'spec.networkAttachments: Invalid value: "array": cannot change or add/remove network attachments after initial assignment',
      ],
    ])('refuses a change of %s', async (_field, spec, message) => {
      const response = await patchSpec(spec);
      expect(response.status).toBe(422);
      expect(response.body.message).toBe(`${PREFIX}${message}`);
    });

    it.each<[string, JsonObject]>([
      ['runStrategy (mutable)', { runStrategy: 'Halted' }],
      ['restartRequestedAt (mutable)', { restartRequestedAt: '2026-03-20T10:15:00Z' }],
      [
        'security groups of an attachment',
        { networkAttachments: [{ subnetRef: 'subnet-web', securityGroupRefs: ['db-sg'] }] },
      ],
      ['an immutable field that was absent before (transition rules skip)', { sshKey: 'ssh-ed25519 AAAA test' }],
      ['removing an immutable field (absent in the new object)', { guestOSFamily: null }],
    ])('allows a change of %s', async (_field, spec) => {
      const response = await patchSpec(spec);
      expect(response.status).toBe(200);
    });
  });

  describe('gpu is immutable (a rule on spec since the CRD of 2026-08-22: no adding, removing or changing it)', () => {
    const GPU = { count: 1, pciDeviceSelector: '10DE:20B0', resourceName: 'nvidia.com/A100' };
    const GPU_RULE = 'spec: Invalid value: "object": gpu is immutable';
    const patchSpec = (spec: JsonObject) =>
      raw(sim, 'PATCH', `${COLLECTION}/vm`, { contentType: 'application/merge-patch+json', body: { spec } });

    it.each<[string, JsonObject, JsonObject, string | undefined]>([
      ['adding a gpu', {}, { gpu: GPU }, GPU_RULE],
      ['removing the gpu', { gpu: GPU }, { gpu: null }, GPU_RULE],
      ['changing its count', { gpu: GPU }, { gpu: { count: 2 } }, GPU_RULE],
      ['changing its resource name', { gpu: GPU }, { gpu: { resourceName: 'nvidia.com/H100' } }, GPU_RULE],
      ['another field beside an unchanged gpu', { gpu: GPU }, { runStrategy: 'Halted' }, undefined],
      ['another field with no gpu at all', {}, { runStrategy: 'Halted' }, undefined],
    ])('%s', async (_case, initial, change, message) => {
      expect((await post(withSpec(initial))).status).toBe(201);
      const response = await patchSpec(change);
      if (message === undefined) {
        expect(response.status).toBe(200);
      } else {
        expect(response.status).toBe(422);
        expect(response.body.message).toBe(`${PREFIX}${message}`);
      }
    });

    it('refuses a gpu outside the schema before any rule runs', async () => {
      const response = await post(withSpec({ gpu: { ...GPU, count: 17 } }));
      expect(response.status).toBe(422);
      expect(response.body.message).toBe(
        `${PREFIX}spec.gpu.count: Invalid value: 17: spec.gpu.count in body should be less than or equal to 16`,
      );
    });
  });

  it('allows the first network attachments on an object that had none', async () => {
    expect((await post(withSpec({ networkAttachments: [] }))).status).toBe(201);
    const response = await raw(sim, 'PATCH', `${COLLECTION}/vm`, {
      contentType: 'application/merge-patch+json',
      body: { spec: { networkAttachments: [{ subnetRef: 'subnet-web' }] } },
    });
    expect(response.status).toBe(200);
  });
});
