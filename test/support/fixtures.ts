import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Data the suites read, kept in the repository (`test/fixtures/`); each folder's README says where it came from. */
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

/** The upstream ComputeInstance CRD the project follows, vendored with its source (test/fixtures/upstream/SOURCE.md). */
export const UPSTREAM_CRD = path.join(FIXTURES_DIR, 'upstream', 'osac.openshift.io_computeinstances.yaml');
/** The upstream Tenant CRD, vendored beside it; `deploy/crds/tenants.osac.openshift.io.yaml` is a copy. */
export const UPSTREAM_TENANT_CRD = path.join(FIXTURES_DIR, 'upstream', 'osac.openshift.io_tenants.yaml');

export function readAapFixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURES_DIR, 'aap', name), 'utf8')) as T;
}
