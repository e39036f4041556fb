import type { Context } from 'aws-lambda';
import { ACCOUNT_ID } from './api-gateway-event';

/** What the Lambda Node.js runtime hands a handler as its second argument, for an in-process invocation. */
export function lambdaContext(functionName: string, requestId: string, timeoutMs: number, now = Date.now()): Context {
  const deadline = now + timeoutMs;
  const fail = () => {
    throw new Error('callback-style context methods (done/succeed/fail) are not supported: return a promise');
  };
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${requestId.replace(/-/g, '')}`,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: fail,
    succeed: fail,
    fail,
  };
}
