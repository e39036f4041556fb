/**
 * Errors a task throws for the state machine to branch on. `name` is set explicitly: Lambda reports it as the
 * error type that Retry and Catch match, and bundlers mangle class names.
 */
export abstract class WorkflowError extends Error {
  abstract override readonly name: string;
}

/** The object is gone, or exists under another uid (ours was deleted and recreated). */
export class InstanceGone extends WorkflowError {
  override readonly name = 'InstanceGone';
}

/** The object is being deleted: no finalizer may be added and no provision job launched. */
export class InstanceDeleting extends WorkflowError {
  override readonly name = 'InstanceDeleting';
}

/** On the fresh object the launch is no longer the next step (another launch is in flight, the spec moved, …). */
export class LaunchNotNeeded extends WorkflowError {
  override readonly name = 'LaunchNotNeeded';
}

/** A deprovision launch found a provision job still running or launching: it must be cancelled first. */
export class ProvisionJobStillRunning extends WorkflowError {
  override readonly name = 'ProvisionJobStillRunning';
}

/** Asked to remove the finalizer, but on the fresh object the deprovision has not succeeded. */
export class FinalizerStillNeeded extends WorkflowError {
  override readonly name = 'FinalizerStillNeeded';
}

/** The Tenant a provision launch needs cannot be used yet (no annotation, none found, being deleted): wait, retry. */
export class TenantNotReady extends WorkflowError {
  override readonly name = 'TenantNotReady';
}
