import type { z } from 'zod';
import { InvalidResponse } from './errors';
import { errorForStatus } from './failures';
import { parseBody } from './response';
import { AapListEnvelope } from './schemas';
import type { AapRequest, AapTransport } from './transport';

// A list that keeps offering a `next` page beyond this is broken, not long.
const MAX_PAGES = 100;

/**
 * A list page by page, following `next` links (origin-relative, carrying the API prefix), so a caller can stop
 * early. `endpoint` is always the first page's, the one that names the query in messages.
 */
export async function* listPages<T extends z.ZodType>(
  transport: AapTransport,
  path: string,
  params: Record<string, string | number>,
  item: T,
): AsyncGenerator<{ results: z.output<T>[]; count: number | undefined; endpoint: string }> {
  const envelope = AapListEnvelope(item);
  let request: AapRequest = { method: 'GET', path, params, idempotent: true };
  let firstEndpoint: string | undefined;
  for (let page = 1; ; page++) {
    const response = await transport.send(request);
    firstEndpoint ??= response.endpoint;
    if (response.status !== 200) throw errorForStatus(response);
    const body = parseBody(envelope, response);
    yield { results: body.results, count: body.count, endpoint: firstEndpoint };
    if (!body.next) return;
    if (page >= MAX_PAGES) {
      throw new InvalidResponse(`${firstEndpoint} still had a next page after ${MAX_PAGES} pages`, 'INVALID_BODY');
    }
    request = { method: 'GET', path: body.next, idempotent: true };
  }
}

/** Every item of a list. */
export async function listAll<T extends z.ZodType>(
  transport: AapTransport,
  path: string,
  params: Record<string, string | number>,
  item: T,
): Promise<{ items: z.output<T>[]; endpoint: string }> {
  const items: z.output<T>[] = [];
  let endpoint = path;
  for await (const page of listPages(transport, path, params, item)) {
    items.push(...page.results);
    endpoint = page.endpoint;
  }
  return { items, endpoint };
}
