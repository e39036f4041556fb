import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * `../shared/` beside the repository root holds read-only reference data and AAP fixtures.
 * CI lays it out the same way next to its fresh clone, so tests reach it by this relative path.
 */
export const SHARED_DIR = path.resolve(__dirname, '..', '..', '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_DIR, ...parts);
}

export function readAapFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(sharedPath('aap-fixtures', name), 'utf8')) as T;
}
