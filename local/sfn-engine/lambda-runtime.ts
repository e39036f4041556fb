import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { types } from 'node:util';
import type { FunctionDeclaration } from './serverless-project';

/**
 * Loads a handler: the absolute module path (no extension) and the export name from serverless.yml. Throw an error
 * named `Runtime.HandlerNotFound` for a missing export; any other failure reports as `Runtime.ImportModuleError`.
 */
// biome-ignore lint/complexity/noBannedTypes: a handler is whatever function the module exports.
export type LoadHandler = (modulePath: string, exportName: string) => Promise<Function>;

/** The part of the Lambda Node.js context object handlers use. */
export interface LambdaContext {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

/** What a Lambda invocation returns to Step Functions: the result as JSON, or the runtime's error payload. */
export type InvocationOutcome =
  | { readonly ok: true; readonly payload: string }
  | { readonly ok: false; readonly errorType: string; readonly cause: string };

/** A handler module or export that cannot be loaded: Lambda reports these as Runtime.* function errors. */
class HandlerNotFoundError extends Error {
  override name = 'Runtime.HandlerNotFound';
}

/**
 * Loads with `require`, so whatever loader the process runs under applies: jest's transformer in tests, tsx's
 * hooks under `tsx`, plain Node for compiled JavaScript.
 */
const requireHandler: LoadHandler = async (modulePath, exportName) => {
  const moduleExports: unknown = require(modulePath);
  let member: unknown = moduleExports;
  for (const key of exportName.split('.')) {
    member =
      typeof member === 'object' || typeof member === 'function'
        ? (member as Record<string, unknown>)?.[key]
        : undefined;
  }
  if (typeof member !== 'function') {
    throw new HandlerNotFoundError(`${path.basename(modulePath)}.${exportName} is undefined or not exported`);
  }
  return member;
};

export interface LambdaRuntimeOptions {
  readonly loadHandler?: LoadHandler;
  /** Replaces every function's serverless.yml timeout (milliseconds, wall clock). */
  readonly invocationTimeoutMs?: number;
}

/** Runs project handlers in this process the way the Lambda Node.js runtime would. */
export class LambdaRuntime {
  // Loaded once per function, like a warm container; a failed load is retried on the next call, like a cold start.
  // biome-ignore lint/complexity/noBannedTypes: see LoadHandler.
  private readonly handlers = new Map<string, Promise<Function>>();
  private readonly loadHandler: LoadHandler;

  constructor(private readonly options: LambdaRuntimeOptions = {}) {
    this.loadHandler = options.loadHandler ?? requireHandler;
  }

  private timeoutMs(fn: FunctionDeclaration): number {
    return this.options.invocationTimeoutMs ?? fn.timeoutSeconds * 1000;
  }

  /** `eventJson` is parsed afresh so a handler never shares objects with the engine. */
  async invoke(fn: FunctionDeclaration, eventJson: string): Promise<InvocationOutcome> {
    // biome-ignore lint/complexity/noBannedTypes: see LoadHandler.
    let handler: Function;
    try {
      handler = await this.handler(fn);
    } catch (error) {
      const { name, message } = describeError(error);
      return failure(name === 'Runtime.HandlerNotFound' ? name : 'Runtime.ImportModuleError', message, []);
    }
    const requestId = randomUUID();
    const timeoutMs = this.timeoutMs(fn);
    const deadline = Date.now() + timeoutMs;
    const context: LambdaContext = {
      functionName: fn.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memorySizeMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.functionName}`,
      logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    const running = callHandler(handler, JSON.parse(eventJson), context);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    });
    try {
      const settled = await Promise.race([running.then(ok, err), timedOut]);
      if (settled === 'timed-out') {
        // The handler cannot be killed in-process; it runs on and its result is dropped, as after a Lambda timeout.
        const seconds = (timeoutMs / 1000).toFixed(2);
        return failure('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${seconds} seconds`);
      }
      return settled.ok ? serialize(settled.value) : errorOutcome(settled.error);
    } finally {
      clearTimeout(timer);
    }
  }

  // biome-ignore lint/complexity/noBannedTypes: see LoadHandler.
  private handler(fn: FunctionDeclaration): Promise<Function> {
    let loading = this.handlers.get(fn.key);
    if (loading === undefined) {
      loading = this.loadHandler(fn.modulePath, fn.exportName);
      this.handlers.set(fn.key, loading);
      loading.catch(() => this.handlers.delete(fn.key));
    }
    return loading;
  }
}

const ok = (value: unknown) => ({ ok: true as const, value });
const err = (error: unknown) => ({ ok: false as const, error });

/** Async handlers resolve their promise; callback-style handlers (three parameters) call back. */
// biome-ignore lint/complexity/noBannedTypes: see LoadHandler.
function callHandler(handler: Function, event: unknown, context: LambdaContext): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, result?: unknown) => (error ? reject(error) : resolve(result));
    try {
      const returned: unknown = handler(event, context, callback);
      if (isThenable(returned)) returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}

function serialize(result: unknown): InvocationOutcome {
  try {
    return { ok: true, payload: JSON.stringify(result === undefined ? null : result) };
  } catch (error) {
    return failure('Runtime.MarshalError', `Unable to marshal response: ${(error as Error).message}`, []);
  }
}

/** The error payload of the Lambda Node.js runtime: `{errorType, errorMessage, trace}`. */
function errorOutcome(error: unknown): InvocationOutcome {
  if (!isErrorLike(error)) return failure(typeof error, String(error), []);
  return failure(error.name, error.message, (error.stack ?? '').split('\n'));
}

function describeError(error: unknown): { name: string; message: string } {
  return isErrorLike(error) ? error : { name: typeof error, message: String(error) };
}

/**
 * By shape, not `instanceof`: errors can come from another realm (jest raises module-not-found errors outside
 * the test's context), and the Lambda runtime itself checks the same way.
 */
function isErrorLike(value: unknown): value is Error {
  if (types.isNativeError(value)) return true;
  const candidate = value as Partial<Error> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.message === 'string'
  );
}

function failure(errorType: string, errorMessage: string, trace?: string[]): InvocationOutcome {
  const cause = JSON.stringify(trace === undefined ? { errorType, errorMessage } : { errorType, errorMessage, trace });
  return { ok: false, errorType, cause };
}
