import * as z from 'zod';
import {
  API_VERSION,
  type ComputeInstance,
  InvalidComputeInstanceError,
  KIND,
  parseComputeInstance,
} from '../computeinstance';
import { describeIssues, joinIssues } from '../runtime/issues';
import { InvalidError } from './errors';
import type { InvalidListItem, ListPage } from './store';

const ListResponse = z.looseObject({
  metadata: z.looseObject({ resourceVersion: z.string(), continue: z.string().optional() }),
  items: z.array(z.unknown()),
});

/**
 * One page of a ComputeInstance list as the API server answered it (`what` names the request in errors). Items of a
 * CR list carry apiVersion/kind, but the list envelope is what guarantees them: they are filled in. The API server
 * validated every item against the CRD, so one our schema refuses (a newer CRD, a field we are stricter about) is
 * reported in `invalid` and skipped: it must not hide the rest of the page from the reconciler. A response that is
 * not a list at all is an InvalidError.
 */
export function parseListPage(raw: unknown, what: string): ListPage {
  const response = ListResponse.safeParse(raw);
  if (!response.success) {
    throw new InvalidError(`${what}: the server returned an unexpected list: ${describeIssues(response.error)}`);
  }
  const items: ComputeInstance[] = [];
  const invalid: InvalidListItem[] = [];
  for (const item of response.data.items) {
    try {
      items.push(parseComputeInstance({ apiVersion: API_VERSION, kind: KIND, ...(item as object) }));
    } catch (err) {
      if (!(err instanceof InvalidComputeInstanceError)) throw err;
      const metadata = (item as { metadata?: { namespace?: unknown; name?: unknown; uid?: unknown } }).metadata;
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      invalid.push({
        namespace: text(metadata?.namespace),
        name: text(metadata?.name),
        uid: text(metadata?.uid),
        message: `${what}: the server returned ${err.message}`,
        problem: joinIssues(err.issues),
      });
    }
  }
  const next = response.data.metadata.continue;
  return {
    items,
    invalid,
    resourceVersion: response.data.metadata.resourceVersion,
    ...(next ? { continueToken: next } : {}),
  };
}
