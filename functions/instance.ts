import { taskHandler } from '../lib/runtime/task-handler';
import { workflowContext } from '../lib/workflow/context';
import {
  ensureFinalizer as ensure,
  InspectInput,
  inspect as inspectInstance,
  RefInput,
  removeFinalizer as remove,
} from '../lib/workflow/tasks';

/** FetchInstance: read the instance fresh and decide the workflow's next step. */
export const inspect = taskHandler(InspectInput, workflowContext, inspectInstance);

/** EnsureFinalizer: our finalizer goes on before any job is launched. */
export const ensureFinalizer = taskHandler(RefInput, workflowContext, ensure);

/** RemoveFinalizer: only after the deprovision job succeeded, as a JSON patch (test + remove). */
export const removeFinalizer = taskHandler(RefInput, workflowContext, remove);
