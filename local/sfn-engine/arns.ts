/** ARNs as AWS formats them, so code that parses or logs them behaves the same locally. */
export interface ArnScope {
  readonly region: string;
  readonly accountId: string;
}

export function stateMachineArn(scope: ArnScope, name: string): string {
  return `arn:aws:states:${scope.region}:${scope.accountId}:stateMachine:${name}`;
}

export function lambdaFunctionArn(scope: ArnScope, functionName: string): string {
  return `arn:aws:lambda:${scope.region}:${scope.accountId}:function:${functionName}`;
}

/** A role ARN for responses that require one; nothing checks it locally. */
export function executionRoleArn(scope: ArnScope, stateMachineName: string): string {
  return `arn:aws:iam::${scope.accountId}:role/${stateMachineName}-role`;
}

const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;

export function isStateMachineArn(value: string): boolean {
  return STATE_MACHINE_ARN.test(value);
}

export function isExecutionArn(value: string): boolean {
  return EXECUTION_ARN.test(value);
}

const LAMBDA_FUNCTION_ARN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]*:\d*:function:([^:]+)(?::[^:]+)?$/;

/**
 * The function name in any form Lambda accepts for FunctionName: a name, `name:qualifier`, a partial ARN
 * (`123456789012:function:name`) or a full ARN.
 */
export function lambdaFunctionName(reference: string): string {
  const fromArn = LAMBDA_FUNCTION_ARN.exec(reference)?.[1];
  if (fromArn !== undefined) return fromArn;
  const partial = /^\d{12}:function:([^:]+)(?::[^:]+)?$/.exec(reference)?.[1];
  if (partial !== undefined) return partial;
  return reference.split(':')[0] ?? reference;
}

export function isLambdaFunctionArn(value: string): boolean {
  return LAMBDA_FUNCTION_ARN.test(value);
}

/** The ARN of an execution of the given state machine. */
export function executionArnOf(stateMachineArnValue: string, executionName: string): string {
  return `${stateMachineArnValue.replace(':stateMachine:', ':execution:')}:${executionName}`;
}
