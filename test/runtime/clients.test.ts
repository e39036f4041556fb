import { createIntakeContext, loadWebhookSettings } from '../../lib/intake';
import { FileClusterRegistry, SecretsManagerClusterRegistry } from '../../lib/k8s/clusters';
import { AWS_CALL_LIMITS, WEBHOOK_AWS_CALL_LIMITS } from '../../lib/runtime/aws-clients';
import { buildClusterRegistry, buildSfnClient } from '../../lib/runtime/clients';

describe('buildClusterRegistry: one builder for the webhook and the workflow', () => {
  it.each(['credentials', 'webhooks'] as const)('reads a local clusters file for the %s view', (view) => {
    const registry = buildClusterRegistry(
      view,
      { clustersFile: '/tmp/clusters.json', maxAgeSeconds: 60 },
      AWS_CALL_LIMITS,
    );
    expect(registry).toBeInstanceOf(FileClusterRegistry);
    expect(JSON.parse(JSON.stringify(registry))).toEqual({ source: 'file', path: '/tmp/clusters.json' });
  });

  it.each(['credentials', 'webhooks'] as const)('reads the %s secret when no file is given', (view) => {
    const registry = buildClusterRegistry(view, { secretName: `cloudkit/${view}`, maxAgeSeconds: 60 }, AWS_CALL_LIMITS);
    expect(registry).toBeInstanceOf(SecretsManagerClusterRegistry);
    expect(JSON.parse(JSON.stringify(registry))).toEqual({
      source: 'secretsmanager',
      secretName: `cloudkit/${view}`,
      maxAgeSeconds: 60,
    });
  });

  it('names what is missing when neither is given', () => {
    expect(() => buildClusterRegistry('webhooks', { maxAgeSeconds: 60 }, WEBHOOK_AWS_CALL_LIMITS)).toThrow(
      'the webhooks cluster registry needs a clusters file or a secret name',
    );
  });
});

describe('buildSfnClient', () => {
  it('takes the caller limits and the local endpoint', async () => {
    const client = buildSfnClient(WEBHOOK_AWS_CALL_LIMITS, 'http://127.0.0.1:8083');
    expect(await client.config.maxAttempts()).toBe(WEBHOOK_AWS_CALL_LIMITS.maxAttempts);
    const endpoint = await client.config.endpoint?.();
    expect(endpoint?.hostname).toBe('127.0.0.1');
    client.destroy();
  });
});

describe("the webhook's registry source", () => {
  const machines = {
    PROVISION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:p',
    DEPROVISION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:d',
  };

  it.each<[string, Record<string, string>, object]>([
    [
      'the webhooks secret (through the extension) when one is named, even beside a clusters file',
      { WEBHOOKS_SECRET_NAME: 'cloudkit/webhooks', CLUSTERS_FILE: '/tmp/clusters.json' },
      { source: 'secretsmanager', secretName: 'cloudkit/webhooks', maxAgeSeconds: 300 },
    ],
    [
      'the clusters file otherwise',
      { CLUSTERS_FILE: '/tmp/clusters.json' },
      { source: 'file', path: '/tmp/clusters.json' },
    ],
  ])('reads %s', (_label, env, expected) => {
    const context = createIntakeContext(loadWebhookSettings({ ...machines, ...env }));
    expect(JSON.parse(JSON.stringify(context.clusters))).toEqual(expected);
  });
});
