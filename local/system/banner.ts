import { API_VERSION, PLURAL } from '../../lib/computeinstance';
import { DEV_AAP_NOTIFICATION_TOKEN, DEV_AAP_SIM_TOKEN, DEV_KUBE_SIM_TOKEN, DEV_WEBHOOK_SECRET } from '../config';
import type { GatewayAccessEntry } from '../gateway';
import type { RunningSystem } from './index';

/** One line per webhook that started work or was refused; the many "ignored" answers (our own status writes) are not news. */
export function describeWebhook(entry: GatewayAccessEntry): string | undefined {
  const body = (entry.response ?? {}) as {
    action?: unknown;
    executionName?: unknown;
    duplicate?: unknown;
    message?: unknown;
  };
  if (entry.routeKey === undefined || (entry.statusCode < 300 && body.action === 'ignored')) return undefined;
  let what = typeof body.message === 'string' ? body.message : '';
  if (typeof body.action === 'string') {
    const execution = typeof body.executionName === 'string' ? ` ${body.executionName}` : '';
    what = `${body.action}${execution}${body.duplicate === true ? ' (already started)' : ''}`;
  }
  return `webhook: ${entry.method} ${entry.path} → ${entry.statusCode} ${what}`.trimEnd();
}

/** The start-up text: where everything is, the dev credentials, and how to create an instance. */
export function startBanner(system: RunningSystem): string {
  const { settings, stack, gateway } = system;
  const scale = settings.TIME_SCALE;
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(17)} ${value}`);
  lines.push(
    scale === 1
      ? 'cloudkit-provisioner is running locally'
      : `cloudkit-provisioner is running locally (TIME_SCALE ${scale}: simulated time runs ${+(1 / scale).toFixed(2)}x faster)`,
    '',
  );
  row('console', `${gateway.url}/`);
  gateway.routeKeys.forEach((key, index) => {
    const [method, route] = key.split(' ') as [string, string | undefined];
    row(index === 0 ? 'webhook routes' : '', route === undefined ? key : `${method} ${gateway.url}${route}`);
  });
  const shown = (value: string, devDefault: string, variable: string) =>
    value === devDefault ? value : `(the value of ${variable})`;
  if (settings.CLUSTERS_FILE) {
    row('', "signed: X-Signature-256 with each cluster's webhookSecrets");
    row('clusters', `from CLUSTERS_FILE ${settings.CLUSTERS_FILE}`);
  } else {
    const secret = shown(settings.WEBHOOK_SECRET, DEV_WEBHOOK_SECRET, 'WEBHOOK_SECRET');
    row('', `signed: X-Signature-256, key WEBHOOK_SECRET = ${secret}`);
    row('kube API', `${stack.kube.url}  (cluster "local")`);
    row('', `token ${shown(settings.KUBE_SIM_TOKEN, DEV_KUBE_SIM_TOKEN, 'KUBE_SIM_TOKEN')}`);
  }
  if (settings.AAP_URL) {
    row('AAP', `${settings.AAP_URL}  (real controller; token from AAP_TOKEN)`);
  } else {
    row('AAP (simulator)', `${stack.aap.url}/api/controller/v2/   VMs: ${stack.aap.url}/_sim/vms`);
    row('', `token ${shown(settings.AAP_SIM_TOKEN, DEV_AAP_SIM_TOKEN, 'AAP_SIM_TOKEN')}`);
  }
  const { notifications } = system;
  if (notifications.state === 'on') {
    row('AAP notifications', `on: AAP posts to ${notifications.callbackUrl} when a job ends`);
    row('', `token ${shown(settings.AAP_NOTIFICATION_TOKEN, DEV_AAP_NOTIFICATION_TOKEN, 'AAP_NOTIFICATION_TOKEN')}`);
    if (settings.AAP_URL) row('', 'left configured on exit: cloudkit-provisioner configure-aap --remove detaches it');
  } else {
    row('AAP notifications', `off (${notifications.reason}): the workflows poll AAP`);
  }
  row('Step Functions', stack.sfn.endpoint);
  for (const forwarder of system.forwarders) {
    const scope = forwarder.namespace === undefined ? 'all namespaces' : `namespace ${forwarder.namespace}`;
    row('forwarder', `cluster ${forwarder.cluster} (${scope}) → ${forwarder.endpoint}`);
  }
  const realSeconds = (system.reconciler.intervalMs / 1000).toFixed(scale === 1 ? 0 : 1);
  row(
    'reconciler',
    `every ${settings.RECONCILE_INTERVAL_SECONDS} s of system time${scale === 1 ? '' : ` (${realSeconds} s real)`}`,
  );
  if (system.kubeconfigPath !== undefined && system.exampleManifests !== undefined) {
    const kubectl = `kubectl --kubeconfig ${system.kubeconfigPath}`;
    lines.push(
      '',
      'Create an instance and watch it:',
      `  ${kubectl} apply -f ${system.exampleManifests.yaml}`,
      `  ${kubectl} get ci -A -w`,
      '  or without kubectl:',
      `  curl -H 'Authorization: Bearer ${shown(settings.KUBE_SIM_TOKEN, DEV_KUBE_SIM_TOKEN, '$KUBE_SIM_TOKEN')}' -H 'Content-Type: application/json' \\`,
      `    --data-binary @${system.exampleManifests.json} ${stack.kube.url}/apis/${API_VERSION}/namespaces/${system.namespace}/${PLURAL}`,
    );
  }
  lines.push('', 'Ctrl-C stops everything.');
  return lines.join('\n');
}
