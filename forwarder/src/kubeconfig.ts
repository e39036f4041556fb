import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { clientNode } from '../../lib/k8s/client-node';

/**
 * Where the forwarder's API-server credentials come from, in this order: `--kubeconfig`, `KUBECONFIG`, or the pod's
 * service account. Nothing else is guessed (no ~/.kube/config, no localhost fallback): a daemon that quietly
 * watches the wrong cluster is worse than one that refuses to start.
 */

export type KubeConfigSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'KUBECONFIG'; readonly value: string }
  | { readonly kind: 'in-cluster' };

export class KubeConfigError extends Error {
  override readonly name = 'KubeConfigError';
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

export function chooseKubeConfigSource(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  hasServiceAccount: () => boolean = () => existsSync(SERVICE_ACCOUNT_TOKEN),
): KubeConfigSource {
  if (flag !== undefined) return { kind: 'file', path: flag };
  const fromEnv = env.KUBECONFIG?.trim();
  if (fromEnv) return { kind: 'KUBECONFIG', value: fromEnv };
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && hasServiceAccount()) return { kind: 'in-cluster' };
  throw new KubeConfigError(
    'no cluster credentials: pass --kubeconfig <file>, set KUBECONFIG, or run in a pod with a service account',
  );
}

export function describeKubeConfigSource(source: KubeConfigSource): string {
  if (source.kind === 'file') return `kubeconfig ${source.path}`;
  if (source.kind === 'KUBECONFIG') return `KUBECONFIG=${source.value}`;
  return 'the in-cluster service account';
}

export function loadKubeConfig(source: KubeConfigSource): KubeConfig {
  const kubeConfig = new (clientNode().KubeConfig)();
  const what = describeKubeConfigSource(source);
  try {
    if (source.kind === 'file') kubeConfig.loadFromFile(source.path);
    else if (source.kind === 'KUBECONFIG') {
      // A path list, like kubectl's: the first file sets the current context, the others add to it.
      const [first = '', ...others] = source.value.split(delimiter).filter((file) => file !== '');
      kubeConfig.loadFromFile(first);
      for (const file of others) {
        const more = new (clientNode().KubeConfig)();
        more.loadFromFile(file);
        kubeConfig.mergeConfig(more, true);
      }
    } else kubeConfig.loadFromCluster();
  } catch (error) {
    // Parser messages quote the file around the fault, and a kubeconfig holds tokens: keep only the error code.
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    // Merging refuses an entry name seen twice; the names are not secret and are the whole point.
    const duplicate = typeof message === 'string' ? /^Duplicate (cluster|user|context): [^\n]*$/.exec(message) : null;
    const detail = typeof code === 'string' ? code : (duplicate?.[0] ?? 'not a valid kubeconfig');
    throw new KubeConfigError(`${what}: cannot be loaded (${detail})`);
  }
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new KubeConfigError(`${what}: names no current cluster (current-context)`);
  if (!cluster.server) throw new KubeConfigError(`${what}: the current cluster has no server`);
  return kubeConfig;
}
