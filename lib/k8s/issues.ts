import type { z } from 'zod';
import { formatIssuePath } from '../computeinstance/schema';

/**
 * `clusters[1].server: must be an http(s) URL; …`: every failing path with the schema's message. Zod messages name
 * what was expected, never the value found, so this is safe for inputs that hold secrets.
 */
export function describeIssues(error: z.ZodError, pathPrefix: ReadonlyArray<PropertyKey> = []): string {
  return error.issues.map((issue) => `${formatIssuePath([...pathPrefix, ...issue.path])}: ${issue.message}`).join('; ');
}
