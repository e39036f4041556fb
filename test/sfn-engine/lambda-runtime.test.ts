import path from 'node:path';
import { type LambdaContext, LambdaRuntime, type LoadHandler } from '../../local/sfn-engine/lambda-runtime';
import { FIXTURES_DIR } from './support/engine';
import { declaredFunction } from './support/functions';

class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

const fn = declaredFunction('probe', { timeoutSeconds: 2 });

/** A runtime whose only function is `handler`. */
function runtimeFor(handler: (...args: never[]) => unknown, invocationTimeoutMs?: number) {
  return new LambdaRuntime({ loadHandler: async () => handler, invocationTimeoutMs });
}

describe('LambdaRuntime.invoke', () => {
  it.each<[string, (...args: never[]) => unknown, string]>([
    ['an async result', async () => ({ ok: 1 }), '{"ok":1}'],
    ['a plain return', () => [1, 2], '[1,2]'],
    ['undefined', async () => undefined, 'null'],
    [
      'a callback result',
      (_event: never, _context: never, callback: (e: unknown, r: unknown) => void) => {
        setImmediate(() => callback(null, 'called back'));
      },
      '"called back"',
    ],
  ])('returns %s as the JSON payload', async (_case, handler, payload) => {
    await expect(runtimeFor(handler).invoke(fn, '{}')).resolves.toEqual({ ok: true, payload });
  });

  it.each<[string, (...args: never[]) => unknown, string, string]>([
    [
      'a thrown named error',
      async () => {
        throw new QuotaExceeded('too many jobs');
      },
      'QuotaExceeded',
      'too many jobs',
    ],
    [
      'a synchronous throw',
      () => {
        throw new TypeError('bad input');
      },
      'TypeError',
      'bad input',
    ],
    [
      'a callback error',
      (_e: never, _c: never, callback: (e: unknown) => void) => callback(new RangeError('out')),
      'RangeError',
      'out',
    ],
  ])('reports %s with the Lambda error payload', async (_case, handler, errorType, errorMessage) => {
    const outcome = await runtimeFor(handler).invoke(fn, '{}');
    expect(outcome).toMatchObject({ ok: false, errorType });
    const cause = JSON.parse(outcome.ok ? '{}' : outcome.cause);
    expect(Object.keys(cause)).toEqual(['errorType', 'errorMessage', 'trace']);
    expect(cause).toMatchObject({ errorType, errorMessage });
    expect(cause.trace[0]).toBe(`${errorType}: ${errorMessage}`);
  });

  it('reports a thrown non-Error by its type, as the Node runtime does', async () => {
    const outcome = await runtimeFor(async () => Promise.reject('just a string')).invoke(fn, '{}');
    expect(outcome).toEqual({
      ok: false,
      errorType: 'string',
      cause: JSON.stringify({ errorType: 'string', errorMessage: 'just a string', trace: [] }),
    });
  });

  it('reports a result that cannot be serialised', async () => {
    const outcome = await runtimeFor(async () => ({ big: 1n })).invoke(fn, '{}');
    expect(outcome).toMatchObject({ ok: false, errorType: 'Runtime.MarshalError' });
  });

  it('times out at the function timeout and lets the handler run on', async () => {
    let finish: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let completed = false;
    const handler = async () => {
      await finished;
      completed = true;
      return 'too late';
    };
    const outcome = await runtimeFor(handler, 50).invoke(fn, '{}');

    expect(outcome).toMatchObject({ ok: false, errorType: 'Sandbox.Timedout' });
    expect(JSON.parse(outcome.ok ? '{}' : outcome.cause).errorMessage).toMatch(
      /^RequestId: [0-9a-f-]{36} Error: Task timed out after 0\.05 seconds$/,
    );
    finish();
    await finished;
    expect(completed).toBe(true);
  });

  it('passes a Lambda context and a fresh copy of the event', async () => {
    const seen: Array<{ event: { items: number[] }; context: LambdaContext; remaining: number }> = [];
    const runtime = runtimeFor(async (event: { items: number[] }, context: LambdaContext) => {
      seen.push({ event, context, remaining: context.getRemainingTimeInMillis() });
      event.items.push(99);
    });
    await runtime.invoke(fn, '{"items":[1]}');
    await runtime.invoke(fn, '{"items":[1]}');

    expect(seen.map(({ event }) => event.items)).toEqual([
      [1, 99],
      [1, 99],
    ]);
    const [first, second] = seen;
    expect(first?.context).toMatchObject({
      functionName: fn.functionName,
      invokedFunctionArn: fn.arn,
      functionVersion: '$LATEST',
      memoryLimitInMB: '256',
      callbackWaitsForEmptyEventLoop: true,
      logGroupName: `/aws/lambda/${fn.functionName}`,
    });
    expect(first?.remaining).toBeGreaterThan(0);
    expect(first?.remaining).toBeLessThanOrEqual(2_000);
    expect(first?.context.awsRequestId).not.toBe(second?.context.awsRequestId);
  });

  it('loads each handler once, and again after a failed load', async () => {
    const loads: string[] = [];
    let failNext = true;
    const loadHandler: LoadHandler = async (modulePath, exportName) => {
      loads.push(`${path.basename(modulePath)}.${exportName}`);
      if (failNext) {
        failNext = false;
        throw new Error('Cannot find module');
      }
      return async () => 'loaded';
    };
    const runtime = new LambdaRuntime({ loadHandler });

    await expect(runtime.invoke(fn, '{}')).resolves.toMatchObject({
      ok: false,
      errorType: 'Runtime.ImportModuleError',
    });
    await expect(runtime.invoke(fn, '{}')).resolves.toEqual({ ok: true, payload: '"loaded"' });
    await expect(runtime.invoke(fn, '{}')).resolves.toEqual({ ok: true, payload: '"loaded"' });
    expect(loads).toEqual(['instance.probe', 'instance.probe']);
  });
});

describe('the default require loader', () => {
  const runtime = new LambdaRuntime();

  it('loads a TypeScript handler module and calls the named export', async () => {
    const describeFn = declaredFunction('describe');
    await expect(runtime.invoke(describeFn, '{"instanceId":"vm-3"}')).resolves.toEqual({
      ok: true,
      payload: '{"instanceId":"vm-3","state":"Running"}',
    });
  });

  it.each([
    [
      'an export that does not exist',
      declaredFunction('doesNotExist'),
      'Runtime.HandlerNotFound',
      /instance\.doesNotExist is undefined or not exported/,
    ],
    [
      'a module that does not exist',
      declaredFunction('handler', { modulePath: path.join(FIXTURES_DIR, 'functions', 'absent') }),
      'Runtime.ImportModuleError',
      /absent/,
    ],
  ])('reports %s', async (_case, declaration, errorType, message) => {
    const outcome = await runtime.invoke(declaration, '{}');
    expect(outcome).toMatchObject({ ok: false, errorType });
    expect(JSON.parse(outcome.ok ? '{}' : outcome.cause).errorMessage).toMatch(message);
  });
});
