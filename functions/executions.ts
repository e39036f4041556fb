import { taskHandler } from '../lib/runtime/task-handler';
import { workflowContext } from '../lib/workflow/context';
import { ContinueInput, continueAsNew as handOver, StopInput, stopProvisioning as stop } from '../lib/workflow/tasks';

/** StopProvisionWorkflows: phase Deleting, and no provision execution of this instance runs on. */
export const stopProvisioning = taskHandler(StopInput, workflowContext, stop);

/** ContinueAsNewExecution: a long job's polling goes on in a fresh execution. */
export const continueAsNew = taskHandler(ContinueInput, workflowContext, handOver);
