import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { parseCommandLine } from '../../forwarder/src';

/** deploy/forwarder holds what the brief promises, and its args are a command line the forwarder accepts. */

const DIR = path.resolve(__dirname, '..', '..', 'deploy', 'forwarder');

// biome-ignore lint/suspicious/noExplicitAny: manifests are inspected field by field
type Manifest = any;

function load(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(path.join(DIR, file), 'utf8')).map((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
    return document.toJS();
  });
}

const installed: Manifest[] = (load('kustomization.yaml')[0].resources as string[]).flatMap(load);
const byKind = (kind: string, from: Manifest[] = installed): Manifest[] => from.filter((m) => m.kind === kind);
const [deployment] = byKind('Deployment');
const [serviceAccount] = byKind('ServiceAccount');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe('deploy/forwarder', () => {
  it('installs a namespace, a service account, cluster-wide read access and the Deployment', () => {
    expect(installed.map((m) => m.kind).sort()).toEqual([
      'ClusterRole',
      'ClusterRoleBinding',
      'Deployment',
      'Namespace',
      'ServiceAccount',
    ]);
    const namespace = byKind('Namespace')[0].metadata.name;
    for (const manifest of installed.filter((m) => ['ServiceAccount', 'Deployment'].includes(m.kind))) {
      expect(manifest.metadata.namespace).toBe(namespace);
    }
  });

  it.each([
    ['clusterrole.yaml', 'ClusterRole', 'ClusterRoleBinding'],
    ['role-namespaced.yaml', 'Role', 'RoleBinding'],
  ])(
    '%s grants get/list/watch on computeinstances.osac.openshift.io and nothing else',
    (file, roleKind, bindingKind) => {
      const manifests = load(file);
      const [role] = byKind(roleKind, manifests);
      const [binding] = byKind(bindingKind, manifests);
      expect(role.rules).toEqual([
        { apiGroups: ['osac.openshift.io'], resources: ['computeinstances'], verbs: ['get', 'list', 'watch'] },
      ]);
      expect(binding.roleRef).toEqual({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: roleKind,
        name: role.metadata.name,
      });
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: serviceAccount.metadata.name, namespace: serviceAccount.metadata.namespace },
      ]);
    },
  );

  it('runs one replica, never two at once', () => {
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    expect(pod.serviceAccountName).toBe(serviceAccount.metadata.name);
  });

  it('runs as non-root on a read-only root filesystem, with resources set', () => {
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
    expect(container.resources.limits.memory).toEqual(expect.any(String));
  });

  it('takes the webhook secret from a Secret, never from its args', () => {
    expect(container.env).toContainEqual({
      name: 'WEBHOOK_SECRET',
      valueFrom: { secretKeyRef: { name: 'cloudkit-forwarder-webhook', key: 'webhook-secret' } },
    });
    expect((container.args as string[]).join(' ')).not.toMatch(/secret|token/i);
  });

  it('passes args the forwarder accepts, and probes the health port it opens', () => {
    const command = parseCommandLine(
      container.args,
      { WEBHOOK_SECRET: 'from-the-secret', KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' },
      () => true,
    );
    expect(command).toMatchObject({ kind: 'forward', kubeConfig: { kind: 'in-cluster' }, healthPort: 8080 });
    const port = container.ports.find((p: Manifest) => p.name === 'health');
    expect(port.containerPort).toBe(8080);
    for (const probe of [container.livenessProbe, container.readinessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthz', port: 'health' });
    }
    // Room for the POST on the wire to finish after SIGTERM.
    const requestTimeoutMs = command.kind === 'forward' ? command.options.requestTimeoutMs : 0;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(requestTimeoutMs);
  });
});
