import type { ExecutionStatus } from '@aws-sdk/client-sfn';

/** Pure Step Functions rules the API applies: naming, idempotent starts, pagination. */

export interface NameProblem {
  /** AWS answers a bad length with ValidationException and a bad character with InvalidName. */
  readonly type: 'ValidationException' | 'InvalidName';
  readonly message: string;
}

const MAX_NAME_LENGTH = 80;

// Whitespace, brackets, wildcards, the listed punctuation and control characters (\p{Cc}: U+0000–001F, U+007F–009F).
const FORBIDDEN_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

export function nameProblem(name: string, what = 'name'): NameProblem | undefined {
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    return {
      type: 'ValidationException',
      message: `1 validation error detected: Value '${name}' at '${what}' failed to satisfy constraint: Member must have length between 1 and ${MAX_NAME_LENGTH}`,
    };
  }
  const bad = FORBIDDEN_NAME_CHARACTER.exec(name)?.[0];
  if (bad !== undefined) {
    return {
      type: 'InvalidName',
      message: `Invalid Name: '${name}' (character ${JSON.stringify(bad)} is not allowed: no whitespace, brackets, wildcards, control characters or any of " # % \\ ^ | ~ \` $ & , ; : /)`,
    };
  }
  return undefined;
}

export type StartDecision =
  | { readonly kind: 'start' }
  | { readonly kind: 'same-execution' }
  | { readonly kind: 'conflict'; readonly reason: string };

/**
 * Standard workflows: a name is taken for good (90 days on AWS). Starting it again with the same input while
 * that execution runs is an idempotent success; anything else is ExecutionAlreadyExists.
 */
export function decideStart(
  existing: { readonly status: ExecutionStatus; readonly input: string } | undefined,
  input: string,
): StartDecision {
  if (existing === undefined) return { kind: 'start' };
  if (existing.status !== 'RUNNING') return { kind: 'conflict', reason: `it is already closed (${existing.status})` };
  if (existing.input !== input) return { kind: 'conflict', reason: 'it is running with a different input' };
  return { kind: 'same-execution' };
}

const DEFAULT_PAGE_SIZE = 100;

export class PageTokenError extends Error {
  override name = 'PageTokenError';
}

/**
 * One page of `items` (already in the order the caller wants). The token remembers the position of the last item
 * returned, not an offset, so items added meanwhile (new executions, new events) neither repeat nor get skipped.
 * `scope` ties a token to the listing that issued it.
 */
export function pageOf<T>(
  items: readonly T[],
  position: (item: T) => number,
  request: { readonly maxResults?: number; readonly nextToken?: string },
  scope: string,
): { page: T[]; nextToken?: string } {
  const size = request.maxResults || DEFAULT_PAGE_SIZE;
  const after = request.nextToken === undefined ? undefined : decodeToken(request.nextToken, scope);
  const remaining = after === undefined ? items : items.filter((item) => position(item) > after);
  const page = remaining.slice(0, size);
  const last = page.at(-1);
  if (remaining.length <= size || last === undefined) return { page };
  return { page, nextToken: Buffer.from(JSON.stringify({ scope, after: position(last) })).toString('base64url') };
}

function decodeToken(token: string, scope: string): number {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new PageTokenError(`Invalid Token: '${token}'`);
  }
  const { scope: tokenScope, after } = (decoded ?? {}) as { scope?: unknown; after?: unknown };
  if (tokenScope !== scope || typeof after !== 'number') {
    throw new PageTokenError(`Invalid Token: '${token}' was not issued for this request`);
  }
  return after;
}
