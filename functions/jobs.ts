import { taskHandler } from '../lib/runtime/task-handler';
import { workflowContext } from '../lib/workflow/context';
import {
  AwaitJobInput,
  awaitJobEnd as awaitJob,
  CancelInput,
  cancelProvision as cancel,
  LaunchInput,
  launch as launchJob,
  PollInput,
  poll as pollJob,
} from '../lib/workflow/tasks';

/** LaunchProvisionJob / LaunchDeprovisionJob: intent, launch, job ID on record before returning. */
export const launch = taskHandler(LaunchInput, workflowContext, launchJob);

/** PollProvisionJob / PollDeprovisionJob: one look at the job, its progress written to status. */
export const poll = taskHandler(PollInput, workflowContext, pollJob);

/** CancelRunningProvisionJob: cancel once, report when AAP says the job is terminal. */
export const cancelProvision = taskHandler(CancelInput, workflowContext, cancel);

/**
 * WaitForProvisionJobToEnd / WaitForDeprovisionJobToEnd / WaitForCanceledJobToStop (`.waitForTaskToken`): stores
 * the task token for AAP's notification, and ends the wait at once for a job that already ended.
 */
export const awaitJobEnd = taskHandler(AwaitJobInput, workflowContext, awaitJob);
