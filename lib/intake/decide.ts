import { hasFinalizer } from '../computeinstance';
import type { WebhookCluster } from '../k8s/clusters';
import { type WorkflowToStart, workflowToStart } from '../workflow/start';
import type { WebhookChange } from './body';

export type WorkflowWork = Exclude<WorkflowToStart, { kind: 'none' }>;

export type IntakeDecision = { kind: 'start'; work: WorkflowWork } | { kind: 'ignore'; reason: string };

/**
 * What a change needs started, from the object as sent. An upsert asks the one shared decision
 * (`workflowToStart`), so our own status writes coming back as MODIFIED events start nothing. A deletion
 * (the delete route, a DELETED event) starts the deprovision workflow while our finalizer is still on the object:
 * that workflow reads the object fresh and does nothing if there is nothing left to do, so a stale or repeated
 * delete costs one idle execution at most, and its deterministic name makes repeats one execution.
 */
export function decideIntake(change: WebhookChange, now: Date, finalizer: string): IntakeDecision {
  if (change.kind === 'delete') {
    if (!hasFinalizer(change.instance.metadata, finalizer)) {
      return { kind: 'ignore', reason: `finalizer ${finalizer} is not on the object: nothing of ours to deprovision` };
    }
    return { kind: 'start', work: { kind: 'deprovision', reason: `deleted while finalizer ${finalizer} is on` } };
  }
  const work = workflowToStart(change.instance, now, finalizer);
  return work.kind === 'none' ? { kind: 'ignore', reason: work.reason } : { kind: 'start', work };
}

/** A cluster restricted to some namespaces speaks for those only. */
export function servesNamespace(cluster: Pick<WebhookCluster, 'namespaces'>, namespace: string): boolean {
  return cluster.namespaces === undefined || cluster.namespaces.includes(namespace);
}
