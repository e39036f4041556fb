import type { HistoryEntry } from './history';

/** Builders for the AWS history events the engine writes, so their shapes live in one place. */
const NOT_TRUNCATED = { truncated: false } as const;

export const executionStarted = (input: string, roleArn: string): HistoryEntry => ({
  type: 'ExecutionStarted',
  details: { executionStartedEventDetails: { input, inputDetails: NOT_TRUNCATED, roleArn } },
});

export const executionSucceeded = (output: string): HistoryEntry => ({
  type: 'ExecutionSucceeded',
  details: { executionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } },
});

export const executionFailed = (error: string, cause: string | undefined): HistoryEntry => ({
  type: 'ExecutionFailed',
  details: { executionFailedEventDetails: withoutUndefined({ error, cause }) },
});

/** AWS leaves out what StopExecution was not given; the details object itself is always there. */
export const executionAborted = (error: string | undefined, cause: string | undefined): HistoryEntry => ({
  type: 'ExecutionAborted',
  details: { executionAbortedEventDetails: withoutUndefined({ error, cause }) },
});

export const executionTimedOut = (): HistoryEntry => ({
  type: 'ExecutionTimedOut',
  details: { executionTimedOutEventDetails: { error: 'States.Timeout' } },
});

export type StateType = 'Task' | 'Parallel' | 'Map' | 'Pass' | 'Wait' | 'Choice' | 'Succeed' | 'Fail';

export const stateEntered = (stateType: StateType, name: string, input: string): HistoryEntry => ({
  type: `${stateType}StateEntered`,
  details: { stateEnteredEventDetails: { name, input, inputDetails: NOT_TRUNCATED } },
});

export function stateExited(stateType: Exclude<StateType, 'Fail'>, name: string, output: string): HistoryEntry {
  return {
    type: `${stateType}StateExited`,
    details: { stateExitedEventDetails: { name, output, outputDetails: NOT_TRUNCATED } },
  };
}

export const mapIteration = (
  outcome: 'Started' | 'Succeeded' | 'Failed',
  mapStateName: string,
  index: number,
): HistoryEntry => {
  const details = { name: mapStateName, index };
  if (outcome === 'Started')
    return { type: 'MapIterationStarted', details: { mapIterationStartedEventDetails: details } };
  if (outcome === 'Succeeded') {
    return { type: 'MapIterationSucceeded', details: { mapIterationSucceededEventDetails: details } };
  }
  return { type: 'MapIterationFailed', details: { mapIterationFailedEventDetails: details } };
};

/**
 * The events of one Lambda call inside a Task. A direct Lambda ARN Resource writes LambdaFunction* events;
 * the `arn:aws:states:::lambda:invoke` integration writes the generic Task* events with resourceType `lambda`.
 */
export interface LambdaTaskEvents {
  scheduled(input: string, timeoutInSeconds: number | undefined): HistoryEntry;
  started(): HistoryEntry;
  succeeded(output: string): HistoryEntry;
  failed(error: string, cause: string): HistoryEntry;
  timedOut(error: string, cause: string): HistoryEntry;
}

export function directLambdaEvents(functionArn: string): LambdaTaskEvents {
  return {
    scheduled: (input, timeoutInSeconds) => ({
      type: 'LambdaFunctionScheduled',
      details: {
        lambdaFunctionScheduledEventDetails: withoutUndefined({
          resource: functionArn,
          input,
          inputDetails: NOT_TRUNCATED,
          timeoutInSeconds,
        }),
      },
    }),
    started: () => ({ type: 'LambdaFunctionStarted' }),
    succeeded: (output) => ({
      type: 'LambdaFunctionSucceeded',
      details: { lambdaFunctionSucceededEventDetails: { output, outputDetails: NOT_TRUNCATED } },
    }),
    failed: (error, cause) => ({
      type: 'LambdaFunctionFailed',
      details: { lambdaFunctionFailedEventDetails: { error, cause } },
    }),
    timedOut: (error, cause) => ({
      type: 'LambdaFunctionTimedOut',
      details: { lambdaFunctionTimedOutEventDetails: { error, cause } },
    }),
  };
}

export function lambdaInvokeEvents(region: string): LambdaTaskEvents {
  return integrationEvents(region, 'invoke');
}

/**
 * `arn:aws:states:::lambda:invoke.waitForTaskToken`: the same Task* events, plus TaskSubmitted (the Invoke response)
 * once the function has taken the token; the task then ends by the token (TaskSucceeded/TaskFailed) or TaskTimedOut.
 */
export interface CallbackTaskEvents extends LambdaTaskEvents {
  scheduledCallback(input: string, timeoutInSeconds?: number, heartbeatInSeconds?: number): HistoryEntry;
  submitted(output: string): HistoryEntry;
  callbackFailed(error: string | undefined, cause: string | undefined): HistoryEntry;
  callbackTimedOut(error: string): HistoryEntry;
}

export function lambdaCallbackEvents(region: string): CallbackTaskEvents {
  const resource = { resourceType: 'lambda', resource: 'invoke.waitForTaskToken' };
  return {
    ...integrationEvents(region, resource.resource),
    scheduledCallback: (parameters, timeoutInSeconds, heartbeatInSeconds) => ({
      type: 'TaskScheduled',
      details: {
        taskScheduledEventDetails: withoutUndefined({
          ...resource,
          region,
          parameters,
          timeoutInSeconds,
          heartbeatInSeconds,
        }),
      },
    }),
    submitted: (output) => ({
      type: 'TaskSubmitted',
      details: { taskSubmittedEventDetails: { ...resource, output, outputDetails: NOT_TRUNCATED } },
    }),
    // SendTaskFailure's error and cause are both optional; AWS leaves out what it was not given.
    callbackFailed: (error, cause) => ({
      type: 'TaskFailed',
      details: { taskFailedEventDetails: withoutUndefined({ ...resource, error, cause }) },
    }),
    callbackTimedOut: (error) => ({
      type: 'TaskTimedOut',
      details: { taskTimedOutEventDetails: { ...resource, error } },
    }),
  };
}

function integrationEvents(region: string, resourceName: string): LambdaTaskEvents {
  const resource = { resourceType: 'lambda', resource: resourceName };
  return {
    scheduled: (parameters, timeoutInSeconds) => ({
      type: 'TaskScheduled',
      details: { taskScheduledEventDetails: withoutUndefined({ ...resource, region, parameters, timeoutInSeconds }) },
    }),
    started: () => ({ type: 'TaskStarted', details: { taskStartedEventDetails: resource } }),
    succeeded: (output) => ({
      type: 'TaskSucceeded',
      details: { taskSucceededEventDetails: { ...resource, output, outputDetails: NOT_TRUNCATED } },
    }),
    failed: (error, cause) => ({
      type: 'TaskFailed',
      details: { taskFailedEventDetails: { ...resource, error, cause } },
    }),
    timedOut: (error, cause) => ({
      type: 'TaskTimedOut',
      details: { taskTimedOutEventDetails: { ...resource, error, cause } },
    }),
  };
}

function withoutUndefined<T extends Record<string, unknown>>(fields: T): T {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;
}
