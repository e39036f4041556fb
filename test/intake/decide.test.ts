import { desiredConfigVersion } from '../../lib/computeinstance';
import { decideIntake, servesNamespace, type WebhookChange } from '../../lib/intake';
import { baseSpec, job, makeInstance, NOW } from '../computeinstance/fixtures';

const FINALIZER = 'osac.openshift.io/computeinstance';
const applied = desiredConfigVersion(baseSpec());
const ref = { cluster: 'east', namespace: 'osac-computeinstance', name: 'vm-7fk2p', uid: 'uid-1' };
const change = (kind: WebhookChange['kind'], instance = makeInstance()): WebhookChange => ({ kind, instance, ref });

describe('decideIntake', () => {
  it.each([
    [
      'a new instance',
      change('upsert', makeInstance({ generation: 3 })),
      { kind: 'start', work: { kind: 'provision', generation: 3 } },
    ],
    [
      'our own status write (provision job Running)',
      change('upsert', makeInstance({ jobs: [job('provision', 'Running', { configVersion: applied })] })),
      { kind: 'ignore', reason: expect.stringMatching(/provision job \S+ is running/) },
    ],
    [
      'the spec already applied',
      change('upsert', makeInstance({ jobs: [job('provision', 'Succeeded', { configVersion: applied })] })),
      { kind: 'ignore', reason: expect.stringContaining(applied) },
    ],
    ['an unmanaged instance', change('upsert', makeInstance({ managementState: 'unmanaged' })), { kind: 'ignore' }],
    [
      'an upsert of an object being deleted',
      change('upsert', makeInstance({ deleting: true })),
      { kind: 'start', work: { kind: 'deprovision' } },
    ],
    [
      'a delete while our finalizer is on',
      change('delete', makeInstance({ deleting: true })),
      { kind: 'start', work: { kind: 'deprovision', deletionTimestamp: expect.any(String) } },
    ],
    [
      'a stray delete for an instance the cluster has not deleted (no deletionTimestamp)',
      change('delete'),
      { kind: 'ignore', reason: expect.stringContaining('no deletionTimestamp') },
    ],
    [
      'a delete while our finalizer is on and a provision job runs',
      change(
        'delete',
        makeInstance({ deleting: true, jobs: [job('provision', 'Running', { configVersion: applied })] }),
      ),
      { kind: 'start', work: { kind: 'deprovision' } },
    ],
    [
      'a delete after our finalizer went',
      change('delete', makeInstance({ deleting: true, finalizers: ['someone.else/finalizer'] })),
      { kind: 'ignore', reason: `finalizer ${FINALIZER} is not on the object: nothing of ours to deprovision` },
    ],
  ])('%s', (_label, input, expected) => {
    expect(decideIntake(input, NOW, FINALIZER)).toMatchObject(expected);
  });

  it("follows the cluster's own finalizer", () => {
    const instance = makeInstance({ deleting: true, finalizers: ['example.com/ours'] });
    expect(decideIntake(change('delete', instance), NOW, 'example.com/ours')).toMatchObject({ kind: 'start' });
    expect(decideIntake(change('delete', instance), NOW, FINALIZER)).toMatchObject({ kind: 'ignore' });
  });
});

describe('servesNamespace', () => {
  it.each([
    ['no restriction', undefined, 'any', true],
    ['a listed namespace', ['a', 'b'], 'b', true],
    ['an unlisted namespace', ['a', 'b'], 'c', false],
  ])('%s', (_label, namespaces, namespace, expected) => {
    expect(servesNamespace({ namespaces }, namespace)).toBe(expected);
  });
});
