import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type ComputeInstance, GROUP, PLURAL, parseComputeInstance } from '../../lib/computeinstance';
import { parseClusterRegistryDocument } from '../../lib/k8s/clusters';
import type { JobView, VmRecord } from '../aap-simulator';
import type { ExecutionRecord } from '../sfn-engine';
import type { LocalStack } from '../stack';
import { loadStateMachineDefinitions, type StateMachineDefinition } from './definitions';

/** Read access to the live stack: everything the console shows comes through here. */
export interface ConsoleSource {
  /** Every ComputeInstance of the local cluster, all namespaces. */
  listInstances(): Promise<ComputeInstance[]>;
  /** Every execution so far (local/sfn-engine's `executions()`). */
  executions(): ExecutionRecord[];
  /** The execution's history, oldest first; throws for an execution the engine does not know. */
  history(executionArn: string): HistoryEvent[];
  definitions(): StateMachineDefinition[];
  aapJobs(): JobView[];
  aapVms(): VmRecord[];
  /**
   * Values that must never appear in a response (tokens, webhook secrets). The console builds its responses from
   * chosen fields only; this is the last line of defence should one of those fields ever carry a secret.
   */
  secrets?(): string[];
}

const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
const SECRET_SETTING = /TOKEN|SECRET|PASSWORD/i;

export interface ConsoleSourceOptions {
  /** Where `<key>.asl.yaml` files are; default: the project's `statemachines/`. */
  definitionsDirectory?: string;
}

/**
 * The console's view of a `startLocalStack` stack. Instances are read in-process from the API-server simulator's
 * store, so the console shows what is stored even while faults are injected into its HTTP API.
 */
export function consoleSourceFor(stack: LocalStack, options: ConsoleSourceOptions = {}): ConsoleSource {
  const definitions = loadStateMachineDefinitions(
    stack.sfn.stateMachines(),
    options.definitionsDirectory ?? path.join(PROJECT_ROOT, 'statemachines'),
  );
  const secrets = secretsOf(stack);
  return {
    listInstances: async () =>
      stack.kube
        .objects({ group: GROUP, plural: PLURAL })
        .map(parseComputeInstance)
        .sort((a, b) =>
          `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`),
        ),
    executions: () => stack.sfn.executions(),
    history: (executionArn) => stack.sfn.history(executionArn),
    definitions: () => definitions,
    aapJobs: () => stack.aap.world.jobs(),
    aapVms: () => stack.aap.world.vms(),
    secrets: () => secrets,
  };
}

/** The stack's credentials: simulator tokens, secret-looking settings, and the clusters file's tokens and keys. */
function secretsOf(stack: LocalStack): string[] {
  const values = [stack.kube.token, stack.aap.token];
  for (const [key, value] of Object.entries(stack.env)) if (SECRET_SETTING.test(key)) values.push(value);
  const clustersFile = stack.env.CLUSTERS_FILE;
  if (clustersFile !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(readFileSync(clustersFile, 'utf8'));
    } catch {
      // JSON.parse quotes the text around the error, which may be a token: say only which file.
      throw new Error(`the clusters file ${clustersFile} cannot be read as JSON`);
    }
    const clusters = parseClusterRegistryDocument(document, clustersFile);
    for (const cluster of clusters) {
      values.push(cluster.token, ...cluster.webhookSecrets);
      if (cluster.webhookBearerToken !== undefined) values.push(cluster.webhookBearerToken);
    }
  }
  return values;
}
