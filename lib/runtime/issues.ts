import type { z } from 'zod';

/**
 * The one way a zod failure becomes words: `clusters[1].server: must be an http(s) URL; …`, every failing path with
 * the schema's message. Zod messages name what was expected, never the value found, so this is safe for inputs that
 * hold secrets.
 */

export interface Issue {
  readonly path: string;
  readonly message: string;
}

/** `spec.networkAttachments[0].subnetRef`; an empty path is spelled `root` (`(root)` unless the caller names it). */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>, root = '(root)'): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      out += `[${segment}]`;
    } else {
      out += out === '' ? String(segment) : `.${String(segment)}`;
    }
  }
  return out === '' ? root : out;
}

/** Every issue of `error`, its path put under `pathPrefix` (where the parsed value sits in something larger). */
export function listIssues(error: z.ZodError, pathPrefix: ReadonlyArray<PropertyKey> = [], root?: string): Issue[] {
  return error.issues.map((issue) => ({
    path: formatIssuePath([...pathPrefix, ...issue.path], root),
    message: issue.message,
  }));
}

export function joinIssues(issues: ReadonlyArray<Issue>): string {
  return issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
}

export function describeIssues(error: z.ZodError, pathPrefix: ReadonlyArray<PropertyKey> = [], root?: string): string {
  return joinIssues(listIssues(error, pathPrefix, root));
}
