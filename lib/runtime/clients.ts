import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  type ClusterRegistry,
  type ClusterRegistryViews,
  FileClusterRegistry,
  SecretsManagerClusterRegistry,
} from '../k8s/clusters';
import { DynamoTaskTokenStore } from '../notifications/dynamo-waiters';
import type { TaskTokenStore } from '../notifications/waiters';
import { stepFunctionsSdk } from '../sfn/sdk';
import { type AwsCallLimits, awsClientConfig, describeAwsError } from './aws-clients';
import { deadlineSignal } from './deadline';
import { SecretReadError, type SecretStringReader } from './secrets';

/**
 * The clients both the webhook (intake) and the task functions and reconciler (workflow) build, built one way:
 * each caller passes its own call limits and the registry view it may read.
 */

/** Where the cluster registry comes from: a local file (both views in one), else a secret of the caller's view. */
export interface RegistrySource {
  readonly clustersFile?: string | undefined;
  readonly secretName?: string | undefined;
  readonly maxAgeSeconds: number;
  /**
   * How the secret is read: the webhook passes readSecretString (the secrets extension on its function, no SDK
   * loaded); otherwise the Secrets Manager SDK with the caller's limits, built at the first read.
   */
  readonly readSecret?: SecretStringReader;
}

export function buildClusterRegistry<V extends 'credentials' | 'webhooks'>(
  view: V,
  source: RegistrySource,
  limits: AwsCallLimits,
): ClusterRegistry<ClusterRegistryViews[V]> {
  if (source.clustersFile) return new FileClusterRegistry(source.clustersFile);
  // The settings schemas require one of the two; this says which is missing should a caller skip them.
  if (!source.secretName) throw new TypeError(`the ${view} cluster registry needs a clusters file or a secret name`);
  return new SecretsManagerClusterRegistry({
    view,
    secretName: source.secretName,
    maxAgeSeconds: source.maxAgeSeconds,
    readSecret: source.readSecret ?? secretsManagerReader(() => buildSecretsManagerClient(limits)),
  });
}

/**
 * Secrets Manager with bounded attempts and timeouts (the SDK's defaults have no request timeout). The SDK module is
 * required here, at the first build, not when this module loads.
 */
export function buildSecretsManagerClient(limits: AwsCallLimits): SecretsManagerClient {
  const { SecretsManagerClient } =
    require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
  return new SecretsManagerClient(awsClientConfig(limits));
}

/**
 * Reads a secret's text with the Secrets Manager SDK: for the functions that have no secrets extension layer and
 * load the SDK for their other calls anyway. `client` is built at the first read. Errors as readSecretString's.
 */
export function secretsManagerReader(client: SecretsManagerClient | (() => SecretsManagerClient)): SecretStringReader {
  let built = typeof client === 'function' ? undefined : client;
  return async (secretId) => {
    built ??= (client as () => SecretsManagerClient)();
    const { GetSecretValueCommand } =
      require('@aws-sdk/client-secrets-manager') as typeof import('@aws-sdk/client-secrets-manager');
    let answer: { SecretString?: string | undefined; SecretBinary?: unknown };
    try {
      answer = await built.send(new GetSecretValueCommand({ SecretId: secretId }), { abortSignal: deadlineSignal() });
    } catch (error) {
      throw new SecretReadError(`secret ${secretId}: cannot be read: ${describeAwsError(error)}`);
    }
    if (answer.SecretString === undefined) {
      throw new SecretReadError(
        `secret ${secretId}: has ${answer.SecretBinary === undefined ? 'no value' : 'a binary value'}, not a SecretString`,
      );
    }
    return answer.SecretString;
  };
}

/**
 * Step Functions with the caller's limits; `endpoint` points it at the local stack. The SDK module is required here,
 * at the first build, not when this module loads (see lib/sfn/sdk.ts).
 */
export function buildSfnClient(limits: AwsCallLimits, endpoint?: string): SFNClient {
  return new (stepFunctionsSdk().SFNClient)(awsClientConfig(limits, endpoint));
}

/** The task-token table through DynamoDB with the caller's limits; `endpoint` points it at the local stack. */
export function buildTaskTokenStore(tableName: string, limits: AwsCallLimits, endpoint?: string): TaskTokenStore {
  const { DynamoDBClient } = require('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
  return new DynamoTaskTokenStore({ client: new DynamoDBClient(awsClientConfig(limits, endpoint)), tableName });
}
