import type { ResumeOutcome, TaskTokenPort } from '../../lib/sfn/task-tokens';

/**
 * Step Functions' task tokens as SendTaskSuccess treats them, in memory: a token handed out by `issue` resumes its
 * task once (`resumed`), after which, or for a token never issued, SendTaskSuccess finds nothing to end (`gone`).
 */
export class MemoryTaskTokens implements TaskTokenPort {
  private readonly waiting = new Set<string>();
  /** Every task resumed, in order, with the output it got. */
  readonly resumed: Array<{ token: string; output: unknown }> = [];
  /** Set to make every SendTaskSuccess fail as Step Functions being unavailable would. */
  failWith: Error | undefined;

  /** A `.waitForTaskToken` task starts waiting under this token. */
  issue(token: string): string {
    this.waiting.add(token);
    return token;
  }

  async succeed(token: string, output: unknown): Promise<ResumeOutcome> {
    if (this.failWith) throw this.failWith;
    if (!this.waiting.delete(token)) return 'gone';
    this.resumed.push({ token, output: structuredClone(output) });
    return 'resumed';
  }

  isWaiting(token: string): boolean {
    return this.waiting.has(token);
  }
}
