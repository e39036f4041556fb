import type { SFNClient } from '@aws-sdk/client-sfn';
import { desiredConfigVersion } from '../../lib/computeinstance';
import { type IntakeContext, processWebhook, type WebhookRequest } from '../../lib/intake';
import { ClusterConfig as ClusterConfigSchema, ClusterRegistryError } from '../../lib/k8s/clusters';
import { parseReconcileLimits } from '../../lib/reconcile';
import { baseSpec, job, MINUTE, minutesAgo, NOW } from '../computeinstance/fixtures';
import { instance, signatureHeaders, watchEventBody } from './support/requests';

const SECRET = 'process-secret';
const cluster = ClusterConfigSchema.parse({
  id: 'east',
  server: 'https://api.east.example:6443',
  token: 'kube-token',
  webhookSecrets: [SECRET],
});
const machines = {
  provisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:p',
  deprovisionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:d',
};

/** Records what would be sent to Step Functions and answers like it. */
function recordingSfn(sent: unknown[]): SFNClient {
  return {
    send: async (command: { input: { name: string } }) => {
      sent.push(command.input);
      return { executionArn: `arn:aws:states:us-east-1:000000000000:execution:p:${command.input.name}` };
    },
  } as unknown as SFNClient;
}

function request(body: string): WebhookRequest {
  return {
    method: 'POST',
    path: '/v1/clusters/east/events',
    headers: signatureHeaders(SECRET, body),
    body,
    isBase64Encoded: false,
  };
}

function context(overrides: Partial<IntakeContext> = {}): IntakeContext {
  return {
    clusters: { get: async (id) => (id === cluster.id ? cluster : undefined) },
    sfn: () => recordingSfn([]),
    machines,
    retryLimits: parseReconcileLimits(),
    now: () => new Date(),
    decisionNow: () => NOW,
    ...overrides,
  };
}

describe('processWebhook', () => {
  it('answers 503 when the cluster registry cannot be read, and says why only in the outcome', async () => {
    const failing = context({
      clusters: {
        get: async () => {
          throw new ClusterRegistryError(
            'secret cloudkit/clusters: cannot be read: ThrottlingException: Rate exceeded',
          );
        },
      },
    });
    const result = await processWebhook(request(watchEventBody('ADDED', instance())), failing);
    expect(result.response.statusCode).toBe(503);
    expect(result.response.body).not.toMatch(/Throttling|secret/);
    expect(result.outcome).toEqual({
      kind: 'unavailable',
      detail:
        'cluster registry: ClusterRegistryError: secret cloudkit/clusters: cannot be read: ThrottlingException: Rate exceeded',
    });
  });

  it('decides on the decision clock (the local stack runs it fast), not on the wall clock', async () => {
    const applied = desiredConfigVersion(baseSpec());
    const failed = instance({ jobs: [job('provision', 'Failed', { configVersion: applied, at: minutesAgo(1) })] });
    const body = watchEventBody('MODIFIED', failed);
    const inBackoff = await processWebhook(request(body), context({ decisionNow: () => NOW }));
    expect(inBackoff.outcome).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/retrying in \d+ s/) });

    const sent: unknown[] = [];
    const later = context({
      decisionNow: () => new Date(NOW.getTime() + 10 * MINUTE),
      sfn: () => recordingSfn(sent),
    });
    const retried = await processWebhook(request(body), later);
    expect(retried.outcome).toMatchObject({ kind: 'accepted', action: 'provision', duplicate: false });
    expect(sent).toEqual([expect.objectContaining({ stateMachineArn: machines.provisionArn })]);
  });

  it('labels the result with what the request was about, for the log line', async () => {
    const result = await processWebhook(request(watchEventBody('ADDED', instance())), context());
    expect(result).toMatchObject({
      cluster: 'east',
      route: 'events',
      eventType: 'ADDED',
      instance: { namespace: 'osac-computeinstance', name: 'vm-7fk2p' },
    });
  });
});
