import {
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { MemoryAap, type MemoryTemplate } from '../../../lib/aap';
import {
  COMPUTE_INSTANCE_FINALIZER,
  type ComputeInstance,
  nextAction,
  onProvisionLaunchIntent,
} from '../../../lib/computeinstance';
import { loadSettings } from '../../../lib/config/settings';
import { ClusterConfig, MemoryComputeInstanceStore, MemoryTenantReader } from '../../../lib/k8s';
import { MemoryTaskTokenStore } from '../../../lib/notifications/memory-waiters';
import type { InstanceRef } from '../../../lib/sfn';
import { type ClusterAccess, type TaskContext, UnknownCluster } from '../../../lib/workflow/context';
import { sampleInstance, tenantAnnotations } from '../../../local/fixtures/sample-instance';
import { LOCAL_TENANT, sampleTenant } from '../../../local/fixtures/sample-tenant';
import { MemoryTaskTokens } from '../../support/memory-task-tokens';

export const CLUSTER = 'cluster-a';
export const NAMESPACE = 'osac-computeinstance';
export const PROVISION = 'osac-create-compute-instance';
export const DEPROVISION = 'osac-delete-compute-instance';
export const START = new Date('2026-03-20T10:00:00Z');
export const PROVISION_ARN = 'arn:aws:states:eu-west-1:123456789012:stateMachine:provision';

/** Step Functions as the tasks use it (list, stop, start), in memory. */
export class MemorySfn {
  readonly executions = new Map<string, { arn: string; machine: string; status: string; input?: unknown }>();
  readonly stopped: Array<{ name: string; error?: string; cause?: string }> = [];

  run(machine: string, name: string): void {
    this.executions.set(name, {
      arn: `${machine.replace(':stateMachine:', ':execution:')}:${name}`,
      machine,
      status: 'RUNNING',
    });
  }

  async send(command: unknown): Promise<unknown> {
    if (command instanceof ListExecutionsCommand) {
      const { stateMachineArn, statusFilter } = command.input;
      const executions = [...this.executions.entries()]
        .filter(([, e]) => e.machine === stateMachineArn && e.status === statusFilter)
        .map(([name, e]) => ({ name, executionArn: e.arn }));
      return { executions };
    }
    if (command instanceof StopExecutionCommand) {
      const entry = [...this.executions.entries()].find(([, e]) => e.arn === command.input.executionArn);
      if (!entry) throw Object.assign(new Error('no such execution'), { name: 'ExecutionDoesNotExist' });
      entry[1].status = 'ABORTED';
      this.stopped.push({ name: entry[0], error: command.input.error, cause: command.input.cause });
      return {};
    }
    if (command instanceof StartExecutionCommand) {
      const { stateMachineArn = '', name = '', input } = command.input;
      if (this.executions.has(name)) {
        throw Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' });
      }
      this.run(stateMachineArn, name);
      const started = this.executions.get(name);
      if (started) started.input = JSON.parse(input ?? 'null');
      return { executionArn: started?.arn };
    }
    throw new Error(`MemorySfn does not answer ${(command as object).constructor.name}`);
  }
}

export interface Harness {
  ctx: TaskContext;
  aap: MemoryAap;
  store: MemoryComputeInstanceStore;
  /** Holds the tenant `local` (one `local` storage class) in NAMESPACE, which the sample instances name. */
  tenants: MemoryTenantReader;
  sfn: MemorySfn;
  /** The task-token table and Step Functions' task tokens, as awaitJobEnd uses them. */
  waiters: MemoryTaskTokenStore;
  taskTokens: MemoryTaskTokens;
  metrics: Array<{ name: string; value: number }>;
  warnings: string[];
  advance(ms: number): void;
  now(): Date;
  /** Creates a sample instance (with our finalizer unless told otherwise) and returns its execution reference. */
  create(name: string, options?: { finalizer?: boolean; annotations?: Record<string, string> }): InstanceRef;
  read(ref: InstanceRef): Promise<ComputeInstance>;
  /** A provision launch intent on record, as a launcher writes it before its POST. */
  writeIntent(ref: InstanceRef): Promise<string>;
  deleteInstance(ref: InstanceRef): void;
  metric(name: string): number;
}

export function harness(
  options: {
    templates?: MemoryTemplate[];
    aapCredentials?: number[];
    aapJobVars?: string;
    settings?: Record<string, string>;
    tenantNamespace?: string;
  } = {},
): Harness {
  let now = START;
  const aap = new MemoryAap(options.templates ?? [{ name: PROVISION }, { name: DEPROVISION }], { now: () => now });
  const store = new MemoryComputeInstanceStore();
  const tenants = new MemoryTenantReader();
  tenants.put(sampleTenant({ name: LOCAL_TENANT }, NAMESPACE));
  const sfn = new MemorySfn();
  const waiters = new MemoryTaskTokenStore();
  const taskTokens = new MemoryTaskTokens();
  const metrics: Array<{ name: string; value: number }> = [];
  const warnings: string[] = [];
  const settings = loadSettings({
    AAP_URL: 'https://aap.example.test/api/controller',
    AAP_TOKEN: 'token',
    CLUSTERS_FILE: '/nonexistent/clusters.json',
    PROVISION_STATE_MACHINE_ARN: PROVISION_ARN,
    ...options.settings,
  });
  const access: ClusterAccess = {
    cluster: ClusterConfig.parse({
      id: CLUSTER,
      server: 'https://cluster-a.example.test:6443',
      token: 'cluster-token',
      webhookSecrets: ['hmac'],
      ...(options.aapCredentials ? { aapCredentials: options.aapCredentials } : {}),
      ...(options.aapJobVars ? { aapJobVars: options.aapJobVars } : {}),
      ...(options.tenantNamespace ? { tenantNamespace: options.tenantNamespace } : {}),
    }),
    store,
    tenants,
    finalizer: COMPUTE_INSTANCE_FINALIZER,
  };
  const ctx: TaskContext = {
    settings,
    aap,
    sfn: sfn as unknown as SFNClient,
    waiters,
    taskTokens,
    async cluster(id) {
      if (id !== CLUSTER) throw new UnknownCluster(`cluster ${id} is not registered`);
      return access;
    },
    now: () => now,
    logger: { debug() {}, info() {}, warn: (message) => warnings.push(message), error() {} },
    metrics: { addMetric: (name, _unit, value) => metrics.push({ name, value }) },
  };
  const refOf = (instance: ComputeInstance): InstanceRef => ({
    cluster: CLUSTER,
    namespace: instance.metadata.namespace,
    name: instance.metadata.name,
    uid: instance.metadata.uid as string,
  });
  return {
    ctx,
    aap,
    store,
    tenants,
    sfn,
    waiters,
    taskTokens,
    metrics,
    warnings,
    advance: (ms) => {
      now = new Date(now.getTime() + ms);
    },
    now: () => now,
    create(name, { finalizer = true, annotations } = {}) {
      const created = store.create(
        sampleInstance({ name, namespace: NAMESPACE, annotations: annotations ?? tenantAnnotations(LOCAL_TENANT) }),
        now,
      );
      if (finalizer) {
        store.touch(refOf(created), (c) => ({
          ...c,
          metadata: { ...c.metadata, finalizers: [COMPUTE_INSTANCE_FINALIZER] },
        }));
      }
      return refOf(created);
    },
    async read(ref) {
      const instance = await store.get(ref);
      if (!instance) throw new Error(`${ref.name} is gone`);
      return instance;
    },
    async writeIntent(ref) {
      const { instance } = await store.updateStatus(ref, (current) => {
        const next = nextAction({ instance: current, now });
        if (next.action !== 'Trigger') throw new Error(`cannot stage an intent: next is ${next.action}`);
        return onProvisionLaunchIntent(current, { now, configVersion: next.configVersion, executionName: 'staged' });
      });
      return instance.status?.provisioningJobs?.at(-1)?.timestamp as string;
    },
    deleteInstance(ref) {
      store.delete(ref, now);
    },
    metric: (name) => metrics.filter((m) => m.name === name).reduce((sum, m) => sum + m.value, 0),
  };
}
