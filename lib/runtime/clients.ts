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
import { type AwsCallLimits, awsClientConfig } from './aws-clients';
import { createSecretStringReader, type SecretStringReader } from './secrets';

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
   * How the secret is read: the caller's reader from createSecretStringReader (lib/runtime/secrets.ts), shared with
   * its other secrets; without one, a reader of its own, its transport chosen by the environment the same way.
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
    readSecret: source.readSecret ?? createSecretStringReader({ maxAgeSeconds: source.maxAgeSeconds, limits }),
  });
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
