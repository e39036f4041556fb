import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { budgetRemainingMs, reportReserveMs } from '../../lib/runtime/deadline';
import { InvalidTaskInput, TASK_TIMEOUT_EARLY_MS, TaskTimedOut, taskHandler } from '../../lib/runtime/task-handler';

const context = {
  functionName: 'pollJob',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:pollJob',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('taskHandler', () => {
  const ports = { factor: 2 };
  const handler = taskHandler(
    z.object({ ref: z.object({ name: z.string() }), count: z.number().int() }),
    () => ports,
    async (ctx, input) => ({
      doubled: input.count * ctx.factor,
      name: input.ref.name,
    }),
  );

  it('hands the context and the parsed input to the task and returns its result', async () => {
    await expect(handler({ ref: { name: 'vm-1' }, count: 21 }, context)).resolves.toEqual({
      doubled: 42,
      name: 'vm-1',
    });
  });

  it('refuses bad input with an error naming every bad field', async () => {
    const failure = handler({ ref: {}, count: 'x' }, context);
    await expect(failure).rejects.toBeInstanceOf(InvalidTaskInput);
    await expect(handler({ ref: {}, count: 'x' }, context)).rejects.toThrow(/ref\.name: .*; count: /);
  });

  it('builds no context for input it refuses: a bad event touches no port', async () => {
    const built: string[] = [];
    const guarded = taskHandler(
      z.object({ count: z.number() }),
      () => built.push('context'),
      async () => 'ran',
    );
    await expect(guarded({ count: 'x' }, context)).rejects.toBeInstanceOf(InvalidTaskInput);
    expect(built).toEqual([]);
    await expect(guarded({ count: 1 }, context)).resolves.toBe('ran');
    expect(built).toEqual(['context']);
  });

  it('keeps the name of a domain error so Retry and Catch can match it', async () => {
    class InstanceGone extends Error {
      override readonly name = 'InstanceGone';
    }
    const failing = taskHandler(
      z.object({}),
      () => ports,
      async () => {
        throw new InstanceGone('osac/vm-1 is gone');
      },
    );
    await expect(failing({}, context)).rejects.toMatchObject({ name: 'InstanceGone', message: 'osac/vm-1 is gone' });
  });

  it('runs the task inside the invocation budget, keeping room to report', async () => {
    const seeing = taskHandler(
      z.object({}),
      () => ports,
      async () => ({ left: budgetRemainingMs() }),
    );
    const { left } = await seeing({}, context);
    const expected = 30_000 - reportReserveMs(30_000);
    expect(left).toBeLessThanOrEqual(expected);
    expect(left).toBeGreaterThan(expected - 1_000);
  });

  it('turns running out of time into TaskTimedOut, a name every Retry lists, just before Lambda would', async () => {
    const slow = taskHandler(
      z.object({}),
      () => ports,
      () => new Promise<never>(() => undefined),
    );
    const shortContext = { ...context, getRemainingTimeInMillis: () => TASK_TIMEOUT_EARLY_MS + 100 } as Context;
    const started = Date.now();
    const failure = await slow({}, shortContext).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(TaskTimedOut);
    expect(failure).toMatchObject({ name: 'TaskTimedOut' });
    expect(Date.now() - started).toBeLessThan(TASK_TIMEOUT_EARLY_MS + 100);
  });
});
