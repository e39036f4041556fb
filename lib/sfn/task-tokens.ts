import type { SFNClient } from '@aws-sdk/client-sfn';
import { errorName } from '../runtime/logger';
import { inBudget } from './executions';
import { stepFunctionsSdk as sdk } from './sdk';

/**
 * `resumed`: the waiting task got its result. `gone`: the token no longer waits (already used, timed out, its
 * execution ended, or never valid): nothing to do, which is normal for a late or duplicate notification.
 */
export type ResumeOutcome = 'resumed' | 'gone';

/** Ends a `.waitForTaskToken` task. `SfnTaskTokens` sends SendTaskSuccess; tests use an in-memory one. */
export interface TaskTokenPort {
  succeed(token: string, output: unknown): Promise<ResumeOutcome>;
}

/** What Step Functions answers for a token that cannot be resumed (any more). */
const GONE_ERRORS = new Set(['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken']);

export class SfnTaskTokens implements TaskTokenPort {
  constructor(private readonly sfn: SFNClient) {}

  async succeed(token: string, output: unknown): Promise<ResumeOutcome> {
    const { SendTaskSuccessCommand } = sdk();
    try {
      await inBudget('SendTaskSuccess', (options) =>
        this.sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(output) }), options),
      );
      return 'resumed';
    } catch (error) {
      if (error instanceof Error && error.name === 'SfnCallOutOfTime') throw error;
      // The error's message may quote the token; only its name is kept.
      const name = errorName(error) ?? '';
      if (GONE_ERRORS.has(name)) return 'gone';
      throw new SendTaskSuccessFailed(name || 'UnknownError');
    }
  }
}

/** SendTaskSuccess failed for a reason other than a gone token; carries no token and no SDK message. */
export class SendTaskSuccessFailed extends Error {
  override readonly name = 'SendTaskSuccessFailed';
  constructor(readonly reason: string) {
    super(`SendTaskSuccess failed: ${reason}`);
  }
}
