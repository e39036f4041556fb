import { readAapFixture } from './fixtures';

/** The two API prefixes a controller answers on: AWX / AAP ≤ 2.4, and the AAP 2.5+ gateway. */
export const API_PREFIXES = ['/api', '/api/controller'] as const;
export type ApiPrefix = (typeof API_PREFIXES)[number];

/**
 * A fixture as a controller addressed under `prefix` would send it: AAP builds every link (`url`, `related.*`,
 * `next`, …) with the prefix the request came in on, and the fixtures are written for `/api/v2/`.
 */
export function aapFixture<T = Record<string, unknown>>(name: string, prefix: ApiPrefix = '/api'): T {
  return withApiPrefix(readAapFixture<T>(name), prefix);
}

export function withApiPrefix<T>(value: T, prefix: ApiPrefix): T {
  if (prefix === '/api') return value;
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    typeof item === 'string' && item.startsWith('/api/v2/') ? `${prefix}/v2/${item.slice('/api/v2/'.length)}` : item,
  ) as T;
}

/** A list envelope around `results`, as AWX's Pagination renders it. */
export function listOf(results: unknown[], next: string | null = null): Record<string, unknown> {
  return { count: results.length, next, previous: null, results };
}

/** A job detail fixture with some fields replaced. */
export function jobDetail(
  overrides: Record<string, unknown> = {},
  fixture = 'job_detail_running.json',
  prefix: ApiPrefix = '/api',
): Record<string, unknown> {
  return { ...aapFixture(fixture, prefix), ...overrides };
}
