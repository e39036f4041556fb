import { isTerminalJobState, type JobState } from '../domain/job-state';

// AWX `UnifiedJob.STATUS_CHOICES`. `new` is the brief moment before submission: it behaves like pending.
const STATE_BY_AAP_STATUS: ReadonlyMap<string, JobState> = new Map<string, JobState>([
  ['new', 'Pending'],
  ['pending', 'Pending'],
  ['waiting', 'Waiting'],
  ['running', 'Running'],
  ['successful', 'Succeeded'],
  ['failed', 'Failed'],
  ['error', 'Failed'],
  ['canceled', 'Canceled'],
]);

/**
 * Maps an AAP job `status` onto the CRD's JobState. Anything unrecognised is `Unknown` and non-terminal, so a
 * status added by a future AAP keeps being polled instead of being mistaken for an outcome.
 */
export function mapAapStatus(status: string): { state: JobState; terminal: boolean } {
  const state = STATE_BY_AAP_STATUS.get(status) ?? 'Unknown';
  return { state, terminal: isTerminalJobState(state) };
}

export const ERROR_DETAIL_MAX_LENGTH = 2000;
export const TRUNCATION_MARK = '[…truncated…]';

/**
 * `job_explanation` (AAP's one-line reason, e.g. "Job terminated due to error") followed by `result_traceback`,
 * trimmed and bounded to `maxLength` characters. When too long, the explanation keeps its head and the traceback
 * keeps its END, because the exception a traceback is about comes last. Returns undefined when both are empty.
 */
export function buildErrorDetail(
  jobExplanation: string,
  resultTraceback: string,
  maxLength: number = ERROR_DETAIL_MAX_LENGTH,
): string | undefined {
  if (!Number.isInteger(maxLength) || maxLength < 4 * TRUNCATION_MARK.length) {
    throw new RangeError(`maxLength must be an integer of at least ${4 * TRUNCATION_MARK.length}, got ${maxLength}`);
  }
  const explanation = jobExplanation.trim();
  const traceback = resultTraceback.trim();
  const joined = [explanation, traceback].filter((part) => part.length > 0).join('\n');
  if (joined.length === 0) return undefined;
  if (joined.length <= maxLength) return joined;

  if (traceback.length === 0) return keepHead(explanation, maxLength);
  // The explanation is a summary line: it may use at most a quarter of the budget, the traceback's tail gets the rest.
  const head = explanation.length > 0 ? keepHead(explanation, Math.floor(maxLength / 4)) : '';
  const tailBudget = maxLength - (head.length > 0 ? head.length + 1 : 0);
  const tail = keepTail(traceback, tailBudget);
  return head.length > 0 ? `${head}\n${tail}` : tail;
}

function keepHead(text: string, budget: number): string {
  return text.length <= budget ? text : `${text.slice(0, budget - TRUNCATION_MARK.length)}${TRUNCATION_MARK}`;
}

function keepTail(text: string, budget: number): string {
  if (text.length <= budget) return text;
  const kept = budget - TRUNCATION_MARK.length - 1;
  return `${TRUNCATION_MARK}\n${text.slice(text.length - kept)}`;
}
