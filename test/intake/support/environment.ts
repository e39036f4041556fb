import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClusterConfigInput } from '../../../lib/k8s/clusters';

/** Clusters the handler suites talk for. Secrets are recognisable so a test can look for them in output. */
export const EAST = { id: 'east', secrets: ['east-secret-current', 'east-secret-previous'] as const };
export const LEGACY = { id: 'legacy', secret: 'legacy-secret', bearer: 'legacy-bearer-token' };
export const TENANT = { id: 'tenant', secret: 'tenant-secret', namespace: 'osac-computeinstance' };

export const PROVISION_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:cloudkit-provisioner-test-provision';
export const DEPROVISION_ARN =
  'arn:aws:states:us-east-1:000000000000:stateMachine:cloudkit-provisioner-test-deprovision';

const base = { server: 'https://api.east.example:6443', token: 'kube-token', insecureSkipTLSVerify: true };

export const CLUSTERS: ClusterConfigInput[] = [
  { ...base, id: EAST.id, webhookSecrets: [...EAST.secrets] },
  { ...base, id: LEGACY.id, webhookSecrets: [LEGACY.secret], webhookBearerToken: LEGACY.bearer },
  { ...base, id: TENANT.id, webhookSecrets: [TENANT.secret], namespaces: ['tenant-only'] },
];

/**
 * Points the webhook handler at a clusters file and a Step Functions endpoint through its environment, as the
 * deployment does. Returns the undo. One attempt per SDK call: an outage answers 503 at once instead of after
 * the SDK's retries.
 */
export function useWebhookEnvironment(sfnEndpoint: string, clusters: ClusterConfigInput[] = CLUSTERS): () => void {
  const dir = mkdtempSync(path.join(tmpdir(), 'intake-'));
  const clustersFile = path.join(dir, 'clusters.json');
  writeFileSync(clustersFile, JSON.stringify({ clusters }), { mode: 0o600 });
  const env: Record<string, string> = {
    CLUSTERS_FILE: clustersFile,
    SFN_ENDPOINT: sfnEndpoint,
    PROVISION_STATE_MACHINE_ARN: PROVISION_ARN,
    DEPROVISION_STATE_MACHINE_ARN: DEPROVISION_ARN,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_MAX_ATTEMPTS: '1',
  };
  const previous = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  return () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
