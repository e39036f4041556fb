import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubeconfigFor, startKubeSimulator } from './index';

/**
 * `npm run sim:kube`: the simulator as a standalone dev server.
 * KUBE_SIM_PORT (6443), KUBE_SIM_HOST (127.0.0.1), KUBE_SIM_TOKEN (generated), KUBE_SIM_NAMESPACES (comma-separated,
 * default osac-computeinstance), KUBE_SIM_CRDS (comma-separated manifest paths; default the project's CRDs: ComputeInstance and Tenant).
 */

function list(value: string | undefined): string[] | undefined {
  const items = value
    ?.split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items && items.length > 0 ? items : undefined;
}

async function main(): Promise<void> {
  const portText = process.env.KUBE_SIM_PORT ?? '6443';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`KUBE_SIM_PORT must be a port number (0-65535), got "${portText}"`);
  }
  const options: Parameters<typeof startKubeSimulator>[0] = {
    port,
    host: process.env.KUBE_SIM_HOST ?? '127.0.0.1',
    // A dev token only: it guards a local simulator, never a real cluster.
    token: process.env.KUBE_SIM_TOKEN || `dev-${randomBytes(12).toString('hex')}`,
    namespaces: list(process.env.KUBE_SIM_NAMESPACES) ?? ['osac-computeinstance'],
  };
  const crdPaths = list(process.env.KUBE_SIM_CRDS);
  if (crdPaths) options.crdPaths = crdPaths;
  const sim = await startKubeSimulator(options);
  const kubeconfigPath = path.join(tmpdir(), `kube-simulator-${sim.port}.kubeconfig`);
  // kubectl needs the token in the server path (it sends no bearer token over plain HTTP); client-node copes too.
  const kubeconfig = kubeconfigFor(sim, { namespace: options.namespaces?.[0] ?? 'default', tokenInServerPath: true });
  writeFileSync(kubeconfigPath, kubeconfig, {
    mode: 0o600,
  });
  console.log(`kube simulator listening on ${sim.url}`);
  console.log(`token: ${sim.token}`);
  console.log(`kubeconfig: ${kubeconfigPath}  (export KUBECONFIG=${kubeconfigPath})`);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`kube simulator: ${signal} received, shutting down`);
    sim.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`kube simulator: shutdown failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  // One line, no stack: a busy port or a bad setting is an operator error, not a crash.
  const message = (error as Error).message;
  console.error(message.startsWith('kube simulator') ? message : `kube simulator: ${message}`);
  process.exit(1);
});
