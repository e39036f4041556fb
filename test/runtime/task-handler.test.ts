import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { InvalidTaskInput, taskHandler } from '../../lib/runtime/task-handler';

const context = {
  functionName: 'pollJob',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:pollJob',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

describe('taskHandler', () => {
  const handler = taskHandler(
    z.object({ ref: z.object({ name: z.string() }), count: z.number().int() }),
    async (input) => ({
      doubled: input.count * 2,
      name: input.ref.name,
    }),
  );

  it('hands the parsed input to the task and returns its result', async () => {
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

  it('keeps the name of a domain error so Retry and Catch can match it', async () => {
    class InstanceGone extends Error {
      override readonly name = 'InstanceGone';
    }
    const failing = taskHandler(z.object({}), async () => {
      throw new InstanceGone('osac/vm-1 is gone');
    });
    await expect(failing({}, context)).rejects.toMatchObject({ name: 'InstanceGone', message: 'osac/vm-1 is gone' });
  });
});
