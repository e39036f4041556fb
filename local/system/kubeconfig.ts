import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { demoInstance } from '../demo';
import { type KubeSimulator, kubeconfigFor } from '../kube-simulator';

export interface KubectlFiles {
  readonly kubeconfigPath: string;
  /** One example ComputeInstance, for `kubectl apply -f` and for curl. */
  readonly exampleManifests: { yaml: string; json: string };
  /** Deletes the files. */
  remove(): void;
}

/** What the banner's kubectl and curl commands use: a kubeconfig for the kube simulator and an example manifest. */
export function writeKubectlFiles(kube: KubeSimulator, namespace: string): KubectlFiles {
  const workdir = mkdtempSync(path.join(tmpdir(), 'cloudkit-start-'));
  const kubeconfigPath = path.join(workdir, 'kubeconfig');
  // kubectl sends no bearer token over plain HTTP, so the token also rides in the server path.
  writeFileSync(kubeconfigPath, kubeconfigFor(kube, { namespace, tokenInServerPath: true }), { mode: 0o600 });
  const example = demoInstance('my-vm', namespace);
  const exampleManifests = { yaml: path.join(workdir, 'instance.yaml'), json: path.join(workdir, 'instance.json') };
  writeFileSync(exampleManifests.yaml, stringify(example));
  writeFileSync(exampleManifests.json, `${JSON.stringify(example, null, 2)}\n`);
  return { kubeconfigPath, exampleManifests, remove: () => rmSync(workdir, { recursive: true, force: true }) };
}
