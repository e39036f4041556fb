import fc from 'fast-check';
import { type ComputeInstance, nextAction, parseComputeInstance, restartRequest } from '../../lib/computeinstance';
import { isDateTime } from '../../lib/computeinstance/time';
import { type JsonObject, loadCrdFile, PROJECT_CRD_PATH } from '../../local/kube-simulator';
import { applyDefaults, validateAgainstSchema } from '../../local/kube-simulator/schema';
import { validateCustomResource } from '../../local/kube-simulator/validation';

/**
 * Never stricter than the API server. The oracle is the kube simulator's own validation of the project CRD
 * (itself a faithful port of kube-openapi: test/kube/simulator/date-time.test.ts): whatever it accepts, our schema
 * must parse, and the decision about it must not throw.
 */

const [resource] = loadCrdFile(PROJECT_CRD_PATH);
const schema = resource?.versions[0]?.schema;
if (schema === undefined) throw new Error(`${PROJECT_CRD_PATH} has no schema`);
const crdSchema = schema;

/** What the API server would store for this body, or its errors: defaults applied, then validated. */
function apiServerAccepts(object: JsonObject): string[] {
  const stored = structuredClone(object);
  applyDefaults(stored, crdSchema, true);
  return validateCustomResource(stored, undefined, crdSchema).map((e) => `${e.field}: ${e.detail ?? e.type}`);
}

const NOW = new Date('2026-12-07T10:00:00Z');

// ---------------------------------------------------------------------------------------------------------------
// date-times in every form the API server accepts

const pad = (value: number, width: number) => String(value).padStart(width, '0');
const daysIn = (year: number, month: number) =>
  new Date(Date.UTC(2000, month, 0)).getUTCDate() -
  (month === 2 && !(year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 1 : 0);

const date = fc
  .record({
    year: fc.integer({ min: 0, max: 9999 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => `${pad(year, 4)}-${pad(month, 2)}-${pad(Math.min(day, daysIn(year, month)), 2)}`);
const time = fc
  .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 }))
  .map(([h, m, s]) => `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`);
// kube-openapi's fraction: any one character but a newline, then digits (any number of them).
const fraction = fc.option(
  fc
    .tuple(
      fc.oneof(
        fc.constantFrom('.', ',', ':', 'x', 'é', '🙂', '\r'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
      ),
      fc.stringMatching(/^[0-9]{1,15}$/),
    )
    // A "t" would end the time part: the API server splits the whole value at every "t".
    .filter(([separator]) => [...separator].length === 1 && !['\n', 't', 'T'].includes(separator))
    .map(([separator, digits]) => separator + digits),
  { nil: '' },
);
const zone = fc.oneof(
  fc.constantFrom('Z', 'z'),
  fc
    .tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }))
    .map(([sign, h, m]) => `${sign}${pad(h, 2)}:${pad(m, 2)}`),
);
// Whatever follows a further "t" is never looked at.
const tail = fc.option(
  fc.tuple(fc.constantFrom('T', 't'), fc.string({ maxLength: 12 })).map(([t, rest]) => t + rest),
  { nil: '' },
);

const apiServerDateTime = fc
  .tuple(date, fc.constantFrom('T', 't'), time, fraction, zone, tail)
  .map((parts) => parts.join(''));

// ---------------------------------------------------------------------------------------------------------------
// whole objects within the CRD

const int32 = (min: number) => fc.integer({ min, max: 2 ** 31 - 1 });
const text = fc.string({ unit: 'grapheme', maxLength: 40 });
const nonEmpty = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 });
const storageTier = fc.stringMatching(/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/);
const disk = fc.record({ sizeGiB: int32(1), storageTier }, { requiredKeys: ['sizeGiB'] });
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

const spec = fc.record(
  {
    templateID: fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9._]{0,30}$/),
    templateParameters: text,
    image: fc.record({ sourceType: fc.constant('registry'), sourceRef: nonEmpty }),
    guestOSFamily: text,
    cores: fc.integer({ min: 1, max: 128 }),
    memoryGiB: int32(1),
    bootDisk: disk,
    additionalDisks: fc.array(disk, { maxLength: 3 }),
    runStrategy: fc.constantFrom('Always', 'Halted'),
    userDataSecretRef: fc.record({ name: text }, { requiredKeys: [] }),
    sshKey: text,
    networkAttachments: fc.uniqueArray(
      fc.record(
        {
          // Up to 253 characters, astral ones included: the CRD counts characters, not UTF-16 units.
          subnetRef: fc
            .string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 30 })
            .chain((ascii) => fc.constantFrom(ascii, '🙂'.repeat(253), `${ascii}é`.slice(0, 253))),
          securityGroupRefs: fc.array(text, { maxLength: 3 }),
        },
        { requiredKeys: ['subnetRef'] },
      ),
      { maxLength: 8, selector: (attachment) => attachment.subnetRef },
    ),
    restartRequestedAt: apiServerDateTime,
    gpu: fc.record({ count: fc.integer({ min: 1, max: 16 }), pciDeviceSelector: nonEmpty, resourceName: nonEmpty }),
  },
  { requiredKeys: ['templateID', 'image', 'cores', 'memoryGiB', 'bootDisk', 'runStrategy'] },
);

const condition = fc.record(
  {
    type: fc.constantFrom('ConfigurationApplied', 'Provisioned', 'RestartInProgress', 'Ready', 'example.com/Other'),
    status: fc.constantFrom('True', 'False', 'Unknown'),
    observedGeneration: fc.oneof(fc.nat(), fc.constant(2 ** 60)),
    lastTransitionTime: apiServerDateTime,
    reason: fc.stringMatching(/^[A-Za-z]([A-Za-z0-9_,:]{0,20}[A-Za-z0-9_])?$/),
    message: fc.oneof(text, fc.constant('🙂'.repeat(32768))),
  },
  { requiredKeys: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const provisioningJob = fc.record(
  {
    jobID: fc.oneof(fc.constant(''), fc.integer({ min: 1, max: 99999 }).map(String)),
    type: fc.constantFrom('provision', 'deprovision'),
    timestamp: apiServerDateTime,
    state: fc.constantFrom('Pending', 'Waiting', 'Running', 'Succeeded', 'Failed', 'Canceled', 'Unknown'),
    message: text,
    blockDeletionOnFailure: fc.boolean(),
    configVersion: fc.stringMatching(/^[0-9a-f]{16}$/),
    target: text,
  },
  { requiredKeys: ['jobID', 'type', 'timestamp', 'state'] },
);

const status = fc.record(
  {
    phase: fc.constantFrom('Starting', 'Running', 'Failed', 'Deleting', 'Stopping', 'Stopped', 'Paused'),
    conditions: fc.uniqueArray(condition, { maxLength: 4, selector: (c) => c.type }),
    desiredConfigVersion: text,
    lastRestartedAt: apiServerDateTime,
    ipAddress: text,
    provisioningJobs: fc.array(provisioningJob, { maxLength: 4 }),
  },
  { requiredKeys: [] },
);

const instance = fc
  .record({
    spec,
    status: optional(status),
    generation: fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.constant(2 ** 60)),
    finalizers: fc.subarray(['osac.openshift.io/computeinstance', 'example.com/other']),
    deletionTimestamp: optional(fc.constant('2026-12-07T09:00:00Z')),
  })
  .map(({ spec, status, generation, finalizers, deletionTimestamp }) => {
    const object: JsonObject = {
      apiVersion: 'osac.openshift.io/v1alpha1',
      kind: 'ComputeInstance',
      metadata: {
        name: 'vm-1',
        namespace: 'osac-computeinstance',
        uid: '6f1d2c3e-0000-4000-8000-000000000001',
        resourceVersion: '42',
        generation,
        finalizers,
        creationTimestamp: '2026-12-01T00:00:00Z',
        ...(deletionTimestamp === undefined ? {} : { deletionTimestamp }),
      },
      spec: JSON.parse(JSON.stringify(spec)),
    };
    if (status !== undefined) object.status = JSON.parse(JSON.stringify(status));
    return object;
  });

describe('what the API server accepts, the product reads and decides on', () => {
  it('every date-time form: the simulator accepts it, and so does our parser', () => {
    fc.assert(
      fc.property(apiServerDateTime, (value) => {
        expect(
          validateAgainstSchema(
            { at: value },
            { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } },
          ),
        ).toEqual([]);
        expect(isDateTime(value)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('a date-time with any one character changed: whenever the simulator still accepts it, so do we', () => {
    const format = { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } } as const;
    let accepted = 0;
    fc.assert(
      fc.property(
        apiServerDateTime,
        fc.nat(),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
        (value, at, replacement) => {
          const chars = [...value];
          chars[at % chars.length] = replacement;
          const mutated = chars.join('');
          if (validateAgainstSchema({ at: mutated }, format).length === 0) {
            accepted++;
            expect(isDateTime(mutated)).toBe(true);
          }
        },
      ),
      { numRuns: 3000 },
    );
    // The property is not vacuous: many mutations keep a valid date-time (a digit for a digit, a case change).
    expect(accepted).toBeGreaterThan(300);
  });

  it('whole objects within the CRD: parsed, and nextAction and the restart decision do not throw', () => {
    fc.assert(
      fc.property(instance, (object) => {
        expect(apiServerAccepts(object)).toEqual([]);
        let parsed: ComputeInstance | undefined;
        expect(() => {
          parsed = parseComputeInstance(object);
        }).not.toThrow();
        if (parsed === undefined) return;
        expect(() => nextAction({ instance: parsed as ComputeInstance, now: NOW })).not.toThrow();
        expect(() => restartRequest(parsed?.spec ?? {}, parsed?.status, NOW)).not.toThrow();
      }),
      { numRuns: 400 },
    );
  });
});
