import { hasFinalizer, needsOf, type WorkflowToStart } from '../computeinstance';
import type { WebhookCluster } from '../k8s/clusters';
import type { WebhookChange } from './body';

export type WorkflowWork = Exclude<WorkflowToStart, { kind: 'none' }>;

export type IntakeDecision = { kind: 'start'; work: WorkflowWork } | { kind: 'ignore'; reason: string };

/**
 * What a change needs started, from the object as sent. An upsert asks the one shared decision
 * (`needsOf`), so our own status writes coming back as MODIFIED events start nothing. A deletion
 * (the delete route, a DELETED event) starts the deprovision workflow for the deletion the object names: while our
 * finalizer is on, the API server only deletes by setting deletionTimestamp, and the EDA-era operator posted the
 * object it was deleting, so a delete without one is a stray (replayed, forged, or sent for a live instance) and
 * starts nothing. The deletion instant is part of the execution's name, and the workflow reads the object fresh and
 * serves only the deletion it is named for, so a stray cannot take the name the real deletion needs.
 */
export function decideIntake(change: WebhookChange, now: Date, finalizer: string): IntakeDecision {
  if (change.kind === 'delete') {
    if (!hasFinalizer(change.instance.metadata, finalizer)) {
      return { kind: 'ignore', reason: `finalizer ${finalizer} is not on the object: nothing of ours to deprovision` };
    }
    const deletionTimestamp = change.instance.metadata.deletionTimestamp;
    if (deletionTimestamp === undefined) {
      return {
        kind: 'ignore',
        reason:
          'the object has no deletionTimestamp: the cluster has not deleted it, so there is nothing to deprovision',
      };
    }
    return {
      kind: 'start',
      work: { kind: 'deprovision', deletionTimestamp, reason: `deleted while finalizer ${finalizer} is on` },
    };
  }
  const work = needsOf(change.instance, now, finalizer).start;
  return work.kind === 'none' ? { kind: 'ignore', reason: work.reason } : { kind: 'start', work };
}

/** A cluster restricted to some namespaces speaks for those only. */
export function servesNamespace(cluster: Pick<WebhookCluster, 'namespaces'>, namespace: string): boolean {
  return cluster.namespaces === undefined || cluster.namespaces.includes(namespace);
}
