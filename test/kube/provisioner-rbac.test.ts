import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

/** deploy/cluster/provisioner-rbac.yaml: the registered token's rights, least privilege, tenants readable by name. */

const FILE = path.resolve(__dirname, '..', '..', 'deploy', 'cluster', 'provisioner-rbac.yaml');
// biome-ignore lint/suspicious/noExplicitAny: manifests are inspected field by field
const manifests: any[] = parseAllDocuments(readFileSync(FILE, 'utf8')).map((document) => document.toJS());

describe('the provisioner ClusterRole', () => {
  const role = manifests.find((m) => m.kind === 'ClusterRole');

  it('grants exactly what the store and the tenant reader use: no list or write on tenants, no delete anywhere', () => {
    const rights = Object.fromEntries(
      role.rules.map((rule: { resources: string[]; verbs: string[] }) => [rule.resources.join(), rule.verbs.sort()]),
    );
    expect(rights).toEqual({
      computeinstances: ['get', 'list', 'patch'],
      'computeinstances/status': ['patch'],
      tenants: ['get'],
    });
    for (const rule of role.rules) expect(rule.apiGroups).toEqual(['osac.openshift.io']);
  });

  it('is bound to the service account the file creates', () => {
    const account = manifests.find((m) => m.kind === 'ServiceAccount');
    const binding = manifests.find((m) => m.kind === 'ClusterRoleBinding');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: role.metadata.name });
    expect(binding.subjects).toEqual([
      { kind: 'ServiceAccount', name: account.metadata.name, namespace: account.metadata.namespace },
    ]);
  });
});
