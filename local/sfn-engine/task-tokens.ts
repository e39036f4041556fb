import { randomBytes } from 'node:crypto';

/** What SendTaskSuccess or SendTaskFailure hands to the task waiting on a token. */
export type TokenAnswer =
  | { readonly kind: 'success'; readonly output: string }
  | { readonly kind: 'failure'; readonly error?: string; readonly cause?: string };

/** How a SendTask* call fared; the API turns all but `delivered` into AWS's errors. */
export type Delivery = 'delivered' | 'malformed' | 'does-not-exist' | 'timed-out';

/** Why a token stopped being usable: its task timed out (TaskTimedOut), or it ended any other way. */
export type Retirement = 'timed-out' | 'ended';

/** What woke a task waiting on its token. */
export type TokenSignal = 'answered' | 'heartbeat';

// 480 random bytes: 640 base64url characters, about as long as AWS's tokens and just as unguessable.
const TOKEN_BYTES = 480;
const TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);
/** A task token of this engine, as a regular expression source (no anchors), so displays can find and hide them. */
export const TASK_TOKEN_SOURCE = `[A-Za-z0-9_-]{${TOKEN_LENGTH}}`;
const TOKEN_SHAPE = new RegExp(`^${TASK_TOKEN_SOURCE}$`);
// Retired tokens are remembered so a late caller learns TaskTimedOut; the oldest are forgotten past this many.
const RETIRED_MEMORY = 10_000;

/** One task's token, from the moment the task is scheduled until it ends. */
export interface IssuedToken {
  readonly token: string;
  /** The answer, once SendTaskSuccess/SendTaskFailure delivered one (the first one wins; the token is then spent). */
  answer(): TokenAnswer | undefined;
  /** Resolves at the next answer or heartbeat (at once if an answer is already in). */
  nextSignal(): Promise<TokenSignal>;
  /** The task ended: the token answers TaskTimedOut or TaskDoesNotExist from now on. */
  retire(reason: Retirement): void;
}

interface LiveToken {
  answer?: TokenAnswer;
  wake?: (signal: TokenSignal) => void;
}

/** Every task token of one engine: issued when a `.waitForTaskToken` task starts, usable once, then retired. */
export class TaskTokens {
  private readonly live = new Map<string, LiveToken>();
  private readonly retired = new Map<string, Retirement>();

  issue(): IssuedToken {
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const entry: LiveToken = {};
    this.live.set(token, entry);
    return {
      token,
      answer: () => entry.answer,
      nextSignal: () =>
        entry.answer !== undefined
          ? Promise.resolve('answered')
          : new Promise((resolve) => {
              entry.wake = resolve;
            }),
      retire: (reason) => {
        if (!this.live.delete(token)) return;
        this.retired.set(token, reason);
        if (this.retired.size > RETIRED_MEMORY) {
          const oldest = this.retired.keys().next().value;
          if (oldest !== undefined) this.retired.delete(oldest);
        }
      },
    };
  }

  /** SendTaskSuccess / SendTaskFailure. A token is usable once: after its answer it no longer exists. */
  answer(token: string, answer: TokenAnswer): Delivery {
    const found = this.find(token);
    if (typeof found === 'string') return found;
    found.answer = answer;
    this.live.delete(token);
    this.retired.set(token, 'ended');
    found.wake?.('answered');
    return 'delivered';
  }

  /** SendTaskHeartbeat: restarts the task's heartbeat clock. */
  heartbeat(token: string): Delivery {
    const found = this.find(token);
    if (typeof found === 'string') return found;
    found.wake?.('heartbeat');
    return 'delivered';
  }

  private find(token: string): LiveToken | Exclude<Delivery, 'delivered'> {
    if (!TOKEN_SHAPE.test(token)) return 'malformed';
    const entry = this.live.get(token);
    if (entry !== undefined) return entry;
    return this.retired.get(token) === 'timed-out' ? 'timed-out' : 'does-not-exist';
  }
}
