import { setTimeout as sleep } from 'node:timers/promises';
import * as z from 'zod';
import { GROUP, PLURAL, type RunStrategy, VERSION } from '../../lib/computeinstance';
import { sampleInstance, tenantAnnotations } from '../../local/fixtures/sample-instance';
import { LOCAL_TENANT } from '../../local/fixtures/sample-tenant';

/**
 * The user of a lifecycle: plain HTTP to the API-server simulator with a bearer token, as kubectl would do it.
 * During 409 storms, 5xx and restarts a user (or kubectl in a retry loop) tries again; so does this, a bounded
 * number of times, and then says what kept failing.
 */

const Created = z.looseObject({
  metadata: z.looseObject({ uid: z.string().min(1), name: z.string().min(1), generation: z.int().optional() }),
});

export interface UserSpec {
  runStrategy: RunStrategy;
  groups: string[];
}

export class ClusterUserError extends Error {
  override readonly name = 'ClusterUserError';
}

const MAX_ATTEMPTS = 40;
const RETRY_BASE_MS = 10;
const RETRY_MAX_MS = 250;

function networkAttachments(groups: readonly string[]) {
  return [{ subnetRef: 'subnet-chaos', securityGroupRefs: [...groups] }];
}

export class ClusterUser {
  /** How many requests had to be repeated because of an injected fault (409, 5xx, a dropped connection). */
  retries = 0;

  constructor(
    private readonly server: string,
    private readonly token: string,
    private readonly namespace: string,
  ) {}

  private url(name?: string): string {
    const base = `${this.server}/apis/${GROUP}/${VERSION}/namespaces/${this.namespace}/${PLURAL}`;
    return name === undefined ? base : `${base}/${name}`;
  }

  /** One logical request, repeated while the answer is a fault a real client would retry. */
  private async request(
    what: string,
    method: string,
    url: string,
    body: unknown,
    contentType: string,
    accept: (status: number) => boolean,
  ): Promise<{ status: number; body: unknown }> {
    let last = '';
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        const res = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': contentType },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await res.text();
        if (accept(res.status)) return { status: res.status, body: text === '' ? {} : JSON.parse(text) };
        last = `HTTP ${res.status} ${text.slice(0, 200)}`;
        const retryable = res.status === 409 || res.status === 429 || res.status >= 500;
        if (!retryable) throw new ClusterUserError(`${what}: ${last}`);
      } catch (error) {
        if (error instanceof ClusterUserError) throw error;
        // Connection refused or reset: the API server is restarting.
        last = `network error: ${(error as Error).message}`;
      }
      this.retries++;
      await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempt, 5)));
    }
    throw new ClusterUserError(`${what}: still failing after ${MAX_ATTEMPTS} attempts (last: ${last})`);
  }

  async create(name: string, spec: UserSpec): Promise<{ uid: string }> {
    const object = sampleInstance(
      { name, namespace: this.namespace, annotations: tenantAnnotations(LOCAL_TENANT) },
      { runStrategy: spec.runStrategy, networkAttachments: networkAttachments(spec.groups) },
    );
    // 409 here is AlreadyExists: an earlier attempt whose answer was lost did create it.
    const res = await this.request(`create ${name}`, 'POST', this.url(), object, 'application/json', (s) =>
      [201, 409].includes(s),
    );
    const created = Created.safeParse(res.status === 201 ? res.body : ((await this.get(name)) ?? {}));
    if (!created.success) throw new ClusterUserError(`create ${name}: the answer holds no uid`);
    return { uid: created.data.metadata.uid };
  }

  async get(name: string): Promise<unknown> {
    const res = await this.request(`get ${name}`, 'GET', this.url(name), undefined, 'application/json', (s) =>
      [200, 404].includes(s),
    );
    return res.status === 404 ? undefined : res.body;
  }

  /** A merge patch of `spec`; false when the object is gone already. */
  async patchSpec(name: string, spec: Record<string, unknown>): Promise<boolean> {
    const res = await this.request(
      `patch ${name}`,
      'PATCH',
      this.url(name),
      { spec },
      'application/merge-patch+json',
      (s) => [200, 404].includes(s),
    );
    return res.status === 200;
  }

  setRunStrategy(name: string, runStrategy: RunStrategy): Promise<boolean> {
    return this.patchSpec(name, { runStrategy });
  }

  setSecurityGroups(name: string, groups: readonly string[]): Promise<boolean> {
    return this.patchSpec(name, { networkAttachments: networkAttachments(groups) });
  }

  /** The request is spelled in one of the forms the API server accepts, so the product meets them all. */
  restart(name: string, at: Date): Promise<boolean> {
    return this.patchSpec(name, { restartRequestedAt: apiServerSpelling(at) });
  }

  /** False when it was gone already. */
  async delete(name: string): Promise<boolean> {
    const res = await this.request(`delete ${name}`, 'DELETE', this.url(name), undefined, 'application/json', (s) =>
      [200, 202, 404].includes(s),
    );
    return res.status !== 404;
  }
}

/** How many spellings `apiServerSpelling` has; the millisecond of the instant picks one. */
export const API_SERVER_SPELLINGS = 8;

/**
 * `at` as one of the spellings of the same instant the API server's date-time check accepts (kube-openapi strfmt):
 * lower case, an offset, a nine-digit fraction after a comma, whole seconds, a twelve-digit fraction after any
 * character, text after a further "t" (never looked at). Picked by the millisecond, so runs see them all. Whole
 * seconds name the start of that second, up to 999 ms before `at`.
 */
export function apiServerSpelling(at: Date): string {
  const iso = at.toISOString();
  const local = (offsetMinutes: number) => {
    const shifted = new Date(at.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
    const sign = offsetMinutes < 0 ? '-' : '+';
    const hh = String(Math.floor(Math.abs(offsetMinutes) / 60)).padStart(2, '0');
    const mm = String(Math.abs(offsetMinutes) % 60).padStart(2, '0');
    return `${shifted}${sign}${hh}:${mm}`;
  };
  switch (at.getTime() % API_SERVER_SPELLINGS) {
    case 0:
      return iso;
    case 1:
      return iso.replace('T', 't').replace('Z', 'z');
    case 2:
      return local(330);
    case 3:
      return `${iso.slice(0, 19)},${iso.slice(20, 23)}000000Z`;
    case 4:
      return local(-480).replace('T', 't');
    case 5:
      return `${iso.slice(0, 19)}+00:00`;
    case 6:
      return `${iso.slice(0, 19)}:${iso.slice(20, 23)}000000000Z`;
    default:
      return `${iso}T`;
  }
}
