import {
  type ComputeInstance,
  onTenantResolution,
  resolveTenant,
  TENANT_ANNOTATION,
  type TenantFacts,
  tenantUnreadable,
} from '../../lib/computeinstance';
import { sampleInstance } from '../../local/fixtures/sample-instance';

const NOW = new Date('2026-03-20T10:00:00Z');
const TENANTS_NS = 'osac-tenants';

function instance(annotations?: Record<string, string>, status?: ComputeInstance['status']): ComputeInstance {
  const base = sampleInstance({
    name: 'vm-1',
    namespace: 'osac-computeinstance',
    uid: 'u1',
    generation: 1,
    annotations,
  });
  return status === undefined ? base : { ...base, status };
}

function tenant(overrides: { deletionTimestamp?: string; storageClasses?: TenantFacts['status'] } = {}): TenantFacts {
  return {
    metadata: {
      name: 'acme',
      namespace: TENANTS_NS,
      ...(overrides.deletionTimestamp ? { deletionTimestamp: overrides.deletionTimestamp } : {}),
    },
    ...(overrides.storageClasses === undefined ? {} : { status: overrides.storageClasses }),
  };
}

describe('resolveTenant: the annotation and the Tenant read for it decide whether the provision may launch', () => {
  it.each<[string, Record<string, string> | undefined, TenantFacts | undefined, object]>([
    ['no annotations at all', undefined, tenant(), { resolved: false, reason: 'TenantAnnotationMissing' }],
    [
      'a blank annotation',
      { [TENANT_ANNOTATION]: '  ' },
      tenant(),
      { resolved: false, reason: 'TenantAnnotationMissing' },
    ],
    ['no such Tenant', { [TENANT_ANNOTATION]: 'acme' }, undefined, { resolved: false, reason: 'TenantNotFound' }],
    [
      'a Tenant being deleted',
      { [TENANT_ANNOTATION]: 'acme' },
      tenant({ deletionTimestamp: '2026-03-20T09:00:00Z' }),
      { resolved: false, reason: 'TenantDeleting', message: expect.stringContaining('2026-03-20T09:00:00Z') },
    ],
    [
      'a Tenant without status yet: resolved, no storage classes',
      { [TENANT_ANNOTATION]: 'acme' },
      tenant(),
      { resolved: true, reference: { name: 'acme', namespace: TENANTS_NS }, storageClasses: [] },
    ],
    [
      'a ready Tenant: its storage classes as {name, tier} only',
      { [TENANT_ANNOTATION]: 'acme' },
      tenant({ storageClasses: { storageClasses: [{ name: 'gold-sc', tier: 'gold', extra: 1 } as never] } }),
      {
        resolved: true,
        reference: { name: 'acme', namespace: TENANTS_NS },
        storageClasses: [{ name: 'gold-sc', tier: 'gold' }],
      },
    ],
  ])('%s', (_label, annotations, found, expected) => {
    expect(resolveTenant(instance(annotations), found, TENANTS_NS)).toEqual(expect.objectContaining(expected));
  });

  it('each refusal names the annotation or the Tenant, and says provisioning waits', () => {
    for (const [annotations, found] of [
      [undefined, undefined],
      [{ [TENANT_ANNOTATION]: 'acme' }, undefined],
      [{ [TENANT_ANNOTATION]: 'acme' }, tenant({ deletionTimestamp: '2026-03-20T09:00:00Z' })],
    ] as const) {
      const outcome = resolveTenant(instance(annotations), found, TENANTS_NS);
      expect(outcome.resolved).toBe(false);
      if (outcome.resolved) continue;
      expect(outcome.message).toMatch(/osac\.openshift\.io\/tenant|Tenant osac-tenants\/acme/);
      expect(outcome.message).toMatch(/waits/);
    }
  });
});

it('tenantUnreadable: a refusal naming the Tenant and the RBAC the token lacks', () => {
  expect(tenantUnreadable('acme', TENANTS_NS, 'HTTP 403')).toEqual({
    resolved: false,
    reason: 'TenantUnreadable',
    message: expect.stringMatching(/Tenant osac-tenants\/acme.*"get" on tenants\.osac\.openshift\.io \(HTTP 403\)/),
  });
});

describe('onTenantResolution: the status written before the launch', () => {
  const annotated = { [TENANT_ANNOTATION]: 'acme' };

  it('found: tenantReference and TenantResolved=True; nothing again once on record', () => {
    const current = instance(annotated);
    const patch = onTenantResolution(current, resolveTenant(current, tenant(), TENANTS_NS), NOW);
    expect(patch?.tenantReference).toEqual({ name: 'acme', namespace: TENANTS_NS });
    expect(patch?.conditions).toEqual([
      expect.objectContaining({ type: 'TenantResolved', status: 'True', reason: 'TenantFound', observedGeneration: 1 }),
    ]);
    const after = { ...current, status: { ...current.status, ...patch } };
    expect(onTenantResolution(after, resolveTenant(after, tenant(), TENANTS_NS), NOW)).toBeUndefined();
  });

  it('not found: TenantResolved=False naming the cause, the reference left as it was; nothing again when unchanged', () => {
    const current = instance(annotated, { tenantReference: { name: 'old', namespace: TENANTS_NS } });
    const patch = onTenantResolution(current, resolveTenant(current, undefined, TENANTS_NS), NOW);
    expect(patch).toEqual({
      conditions: [expect.objectContaining({ type: 'TenantResolved', status: 'False', reason: 'TenantNotFound' })],
    });
    const after = { ...current, status: { ...current.status, ...patch } };
    expect(onTenantResolution(after, resolveTenant(after, undefined, TENANTS_NS), NOW)).toBeUndefined();
  });

  it('a tenant that appears later flips the condition to True and writes the reference', () => {
    const blocked = instance(annotated);
    const first = onTenantResolution(blocked, resolveTenant(blocked, undefined, TENANTS_NS), NOW);
    const later = { ...blocked, status: { ...blocked.status, ...first } };
    const patch = onTenantResolution(
      later,
      resolveTenant(later, tenant(), TENANTS_NS),
      new Date(NOW.getTime() + 60_000),
    );
    expect(patch?.tenantReference).toEqual({ name: 'acme', namespace: TENANTS_NS });
    expect(patch?.conditions?.[0]).toMatchObject({ status: 'True', lastTransitionTime: '2026-03-20T10:01:00Z' });
  });
});
