import type * as StepFunctions from '@aws-sdk/client-sfn';

/**
 * The Step Functions SDK module, required at its first use rather than when our modules load: the webhook bundles
 * the code that starts executions, and requiring the client at start-up cost its cold start ~100 ms even for the
 * events that start nothing. Node caches the module, so later calls pay nothing.
 *
 * `require`, not `import()`: the bundles are CommonJS, and the Lambda runtime provides the SDK through NODE_PATH,
 * which an `import()` would not search.
 */
export function stepFunctionsSdk(): typeof StepFunctions {
  return require('@aws-sdk/client-sfn') as typeof StepFunctions;
}
