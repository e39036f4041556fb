import type { JobView } from '../../local/aap-simulator';
import type { Prng } from './prng';

/**
 * An actor who is not AAP and POSTs to the notification receiver anyway: wrong or missing bearer tokens, the right
 * token with lies about real jobs (a running job "successful", a successful one "failed"), made-up jobs, and
 * oversized or malformed bodies. Each kind has one right answer (the receiver's contract), so every answer is
 * checked; the lies are remembered, so the verdict can show that no lie ended up in an instance's status.
 */

export const FORGERY_KINDS = ['bad-token', 'lying-status', 'unknown-job', 'oversized', 'malformed'] as const;
export type ForgeryKind = (typeof FORGERY_KINDS)[number];

/** The answer the receiver owes each kind: size first, then the token, then the body; the rest is a hint it ignores. */
export const EXPECTED_ANSWER: Readonly<Record<ForgeryKind, number>> = {
  'bad-token': 401,
  'lying-status': 200,
  'unknown-job': 200,
  oversized: 413,
  malformed: 400,
};

/** A lie the receiver accepted (200): what it said about which job, and what AAP said at the time. */
export interface ForgedLie {
  jobId: number;
  claimed: string;
  actualThen: string;
}

export interface ForgerStats {
  sent: number;
  byKind: Record<ForgeryKind, number>;
  /** Requests answered otherwise than EXPECTED_ANSWER says (or not at all). */
  unexpected: number;
  /** The first of them, `kind: got status (expected)`, never a token. */
  samples: string[];
  lies: ForgedLie[];
}

export interface NotificationForgerOptions {
  /** The receiver: `<gateway>/v1/aap/notifications`. */
  url: string;
  /** The real bearer token (for the kinds that get past authentication). */
  token: string;
  jobs(): readonly JobView[];
  prng: Prng;
  perPeriod: number;
  /** Real milliseconds between bursts. */
  periodMs: number;
}

const TERMINAL = ['successful', 'failed', 'error', 'canceled'] as const;
const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);
const MAX_SAMPLES = 10;
/** Made-up job ids start far above what a run launches. */
const UNKNOWN_JOB_BASE = 5_000_000;

export class NotificationForger {
  readonly stats: ForgerStats = {
    sent: 0,
    byKind: Object.fromEntries(FORGERY_KINDS.map((kind) => [kind, 0])) as Record<ForgeryKind, number>,
    unexpected: 0,
    samples: [],
    lies: [],
  };
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: NotificationForgerOptions) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      for (let i = 0; i < this.options.perPeriod; i++) this.track(this.forgeOne());
      this.timer = setTimeout(tick, this.options.periodMs);
    };
    this.timer = setTimeout(tick, this.options.periodMs);
  }

  /** No more bursts; resolves once every request sent has its answer. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }

  /** One forged request of a random kind, its answer checked. */
  forgeOne(): Promise<void> {
    const { prng } = this.options;
    const kind = prng.pick(FORGERY_KINDS);
    const request = this.build(kind);
    this.stats.sent++;
    this.stats.byKind[kind]++;
    return fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...request.headers },
      body: request.body,
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        if (response.status !== EXPECTED_ANSWER[kind]) {
          this.unexpected(`${kind} (${request.what}): ${response.status}, expected ${EXPECTED_ANSWER[kind]}`);
        } else if (request.lie !== undefined) this.stats.lies.push(request.lie);
      },
      (error: unknown) => this.unexpected(`${kind} (${request.what}): no answer (${(error as Error).name})`),
    );
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private unexpected(line: string): void {
    this.stats.unexpected++;
    if (this.stats.samples.length < MAX_SAMPLES) this.stats.samples.push(line);
  }

  private build(kind: ForgeryKind): {
    headers: Record<string, string>;
    body: Uint8Array | string;
    what: string;
    lie?: ForgedLie;
  } {
    const { prng, token } = this.options;
    const bearer = { authorization: `Bearer ${token}` };
    switch (kind) {
      case 'bad-token': {
        // A believable body (a lie about a real job): if the token check were broken, it would resume executions.
        const { body } = this.lie();
        const [what, headers] = prng.pick<[string, Record<string, string>]>([
          ['no Authorization', {}],
          ['another token', { authorization: `Bearer forged-${prng.int(0, 1e9)}` }],
          [
            'the token one character off',
            { authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('x') ? 'y' : 'x'}` },
          ],
          ['the token as a prefix', { authorization: `Bearer ${token}${token}` }],
          ['Basic auth', { authorization: `Basic ${Buffer.from(`aap:${token}`).toString('base64')}` }],
          ['the bare token', { authorization: token }],
        ]);
        // Junk behind a bad token is 401 too: an unauthenticated sender learns nothing about the body.
        return { headers, body: prng.chance(0.2) ? '{"id": "nope"' : body, what };
      }
      case 'lying-status': {
        const lie = this.lie();
        return { headers: bearer, body: lie.body, what: lie.what, ...(lie.lie ? { lie: lie.lie } : {}) };
      }
      case 'unknown-job': {
        const jobs = this.options.jobs();
        const real = jobs.length > 0 && prng.chance(0.5) ? prng.pick(jobs) : undefined;
        // A real id under the other kind names no waiter either: the table is keyed by kind and id.
        const body =
          real === undefined
            ? {
                id: UNKNOWN_JOB_BASE + prng.int(0, 1e6),
                type: prng.pick(['job', 'workflow_job']),
                status: 'successful',
              }
            : { id: real.id, type: real.type === 'job' ? 'workflow_job' : 'job', status: prng.pick(TERMINAL) };
        return { headers: bearer, body: JSON.stringify(body), what: real === undefined ? 'made-up id' : 'other kind' };
      }
      case 'oversized': {
        const size = prng.int(4 * 1024 + 1, 64 * 1024);
        const body = JSON.stringify({ id: 1, type: 'job', status: 'successful', padding: 'x'.repeat(size) });
        return { headers: prng.chance(0.5) ? bearer : {}, body, what: `${body.length} bytes` };
      }
      case 'malformed': {
        const [what, body] = prng.pick<[string, Uint8Array | string]>([
          ['not JSON', 'id=1&type=job&status=successful'],
          ['truncated JSON', '{"id": 12, "type": "job", "sta'],
          ['empty body', ''],
          ['an array', '[1, "job", "successful"]'],
          ['id as a string', '{"id": "12", "type": "job", "status": "successful"}'],
          ['negative id', '{"id": -3, "type": "job", "status": "successful"}'],
          ['a project update', '{"id": 12, "type": "project_update", "status": "successful"}'],
          ['no status', '{"id": 12, "type": "job"}'],
          ['invalid UTF-8', new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
        ]);
        return { headers: bearer, body, what };
      }
    }
  }

  /** A notification about a real job with a status that is not its own (an active job "ended", an ended one "otherwise"). */
  private lie(): { body: string; what: string; lie?: ForgedLie } {
    const { prng } = this.options;
    const jobs = this.options.jobs().filter((job) => !job.purged);
    const active = jobs.filter((job) => ACTIVE.has(job.status));
    const pool = active.length > 0 && prng.chance(0.7) ? active : jobs;
    if (pool.length === 0) {
      const id = UNKNOWN_JOB_BASE + prng.int(0, 1e6);
      return { body: JSON.stringify({ id, type: 'job', status: 'successful' }), what: 'no job yet' };
    }
    const job = prng.pick(pool);
    const claimed = prng.pick(['running', ...TERMINAL].filter((status) => status !== job.status));
    return {
      body: JSON.stringify({ id: job.id, type: job.type, status: claimed }),
      what: `job ${job.id} ${job.status} said ${claimed}`,
      lie: { jobId: job.id, claimed, actualThen: job.status },
    };
  }
}
