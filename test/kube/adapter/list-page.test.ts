import { isStoreError } from '../../../lib/k8s/errors';
import { parseListPage } from '../../../lib/k8s/list-page';
import { sampleInstance } from '../../../local/fixtures/sample-instance';

const WHAT = 'list tenants on cluster dev-east';

/** An item as a CR list holds it: the envelope carries apiVersion and kind, the items need not. */
function listItem(name: string, uid = `uid-${name}`): Record<string, unknown> {
  const {
    apiVersion: _apiVersion,
    kind: _kind,
    ...item
  } = sampleInstance({
    name,
    namespace: 'tenants',
    uid,
    resourceVersion: '7',
  });
  return item;
}

const listOf = (items: unknown[], metadata: Record<string, unknown> = { resourceVersion: '42' }) => ({
  apiVersion: 'osac.openshift.io/v1alpha1',
  kind: 'ComputeInstanceList',
  metadata,
  items,
});

describe('parseListPage', () => {
  it.each<[string, unknown, { names: string[]; invalid: string[]; continueToken?: string }]>([
    ['an empty page', listOf([]), { names: [], invalid: [] }],
    [
      'items without apiVersion/kind',
      listOf([listItem('vm-a'), listItem('vm-b')]),
      { names: ['vm-a', 'vm-b'], invalid: [] },
    ],
    [
      'a page with more to come',
      listOf([listItem('vm-a')], { resourceVersion: '42', continue: 'token-2' }),
      { names: ['vm-a'], invalid: [], continueToken: 'token-2' },
    ],
    [
      'an item our schema refuses, between two it accepts',
      listOf([listItem('vm-a'), { ...listItem('vm-bad'), spec: { cores: 'many' } }, listItem('vm-c')]),
      { names: ['vm-a', 'vm-c'], invalid: ['vm-bad'] },
    ],
  ])('reads %s', (_label, raw, expected) => {
    const page = parseListPage(raw, WHAT);
    expect(page.items.map((item) => item.metadata.name)).toEqual(expected.names);
    expect(page.items.every((item) => item.kind === 'ComputeInstance')).toBe(true);
    expect(page.invalid.map((item) => item.name)).toEqual(expected.invalid);
    expect(page.resourceVersion).toBe('42');
    expect(page.continueToken).toBe(expected.continueToken);
  });

  it('reports a refused item by its name and uid, with what was wrong', () => {
    const page = parseListPage(listOf([{ ...listItem('vm-bad', 'uid-9'), spec: { cores: 'many' } }]), WHAT);
    expect(page.invalid).toEqual([expect.objectContaining({ namespace: 'tenants', name: 'vm-bad', uid: 'uid-9' })]);
    expect(page.invalid[0]?.message).toMatch(/^list tenants on cluster dev-east: the server returned /);
    expect(page.invalid[0]?.problem).toMatch(/spec/);
  });

  it.each<[string, unknown]>([
    ['no list at all', 'Service Unavailable'],
    ['no resourceVersion', listOf([], {})],
    ['items that are not an array', { metadata: { resourceVersion: '1' }, items: {} }],
  ])('refuses %s as Invalid, naming the request', (_label, raw) => {
    let thrown: unknown;
    try {
      parseListPage(raw, WHAT);
    } catch (error) {
      thrown = error;
    }
    expect(isStoreError(thrown, 'Invalid')).toBe(true);
    expect((thrown as Error).message).toMatch(
      /^list tenants on cluster dev-east: the server returned an unexpected list: /,
    );
  });
});
