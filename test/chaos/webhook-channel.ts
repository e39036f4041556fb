import { setTimeout as sleep } from 'node:timers/promises';
import type { ChangeEvent } from '../../forwarder/src';
import { SIGNATURE_HEADER, signWebhook } from '../../lib/intake';
import type { Prng } from './prng';

/**
 * The road from the cluster's watch to the webhook, with potholes: each event is lost, duplicated, delayed (and so
 * arrives after later ones) or delivered as it is, decided by a per-object PRNG stream. What does arrive is signed
 * with the cluster's secret at the moment it is sent and POSTed to the gateway's events route, retried on 5xx and
 * network errors as the forwarder would. A 4xx is never retried and is counted: a webhook must not refuse a real
 * cluster's event.
 */

export interface WebhookWeather {
  lossRate: number;
  duplicateRate: number;
  delayRate: number;
  maxDelaySeconds: number;
}

export interface WebhookStats {
  events: number;
  lost: number;
  duplicated: number;
  delayed: number;
  posts: number;
  /** 202: a workflow was started (or already ran under that name). */
  accepted: number;
  /** 200: the intake decided nothing needs starting. */
  ignored: number;
  /** 5xx / network errors answered by a retry. */
  retried: number;
  /** 4xx answers: the intake refused an event a real cluster sent. Listed in `refusals`. */
  refused: number;
  /** Retries ran out (the gateway kept failing). */
  undelivered: number;
  refusals: string[];
}

export interface WebhookChannelOptions {
  /** The gateway's base URL. */
  url: string;
  cluster: string;
  secret: string;
  prng: Prng;
  weather: WebhookWeather;
  timeScale: number;
}

const CALM: WebhookWeather = { lossRate: 0, duplicateRate: 0, delayRate: 0, maxDelaySeconds: 0 };
const MAX_ATTEMPTS = 8;

export class WebhookChannel {
  readonly stats: WebhookStats = {
    events: 0,
    lost: 0,
    duplicated: 0,
    delayed: 0,
    posts: 0,
    accepted: 0,
    ignored: 0,
    retried: 0,
    refused: 0,
    undelivered: 0,
    refusals: [],
  };
  private weather: WebhookWeather;
  private readonly streams = new Map<string, Prng>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly held = new Set<{ release(): void }>();
  private readonly logs = new Map<string, string[]>();

  constructor(private readonly options: WebhookChannelOptions) {
    this.weather = options.weather;
  }

  /** From now on every event goes straight through; delayed ones are sent at once. */
  calm(): void {
    this.weather = CALM;
    for (const hold of [...this.held]) hold.release();
  }

  /** Resolves when nothing is held or being sent. */
  async drained(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private stream(event: ChangeEvent): Prng {
    const { namespace, name, uid } = event.object.metadata;
    const key = `${namespace}/${name}/${uid}`;
    let stream = this.streams.get(key);
    if (stream === undefined) {
      stream = this.options.prng.fork(key);
      this.streams.set(key, stream);
    }
    return stream;
  }

  /** What became of each event of an object (by name), in the order they were sent: for the evidence. */
  log(name: string): readonly string[] {
    return this.logs.get(name) ?? [];
  }

  private note(name: string, line: string): void {
    let lines = this.logs.get(name);
    if (lines === undefined) {
      lines = [];
      this.logs.set(name, lines);
    }
    if (lines.length < 60) lines.push(line);
  }

  /** Called by the watch for every change, in the order the API server made them. */
  deliver(event: ChangeEvent): void {
    this.stats.events++;
    const prng = this.stream(event);
    const weather = this.weather;
    const { name, generation } = event.object.metadata as { name: string; generation?: number };
    const label = `${event.type} g${generation ?? '?'} rv${event.object.metadata.resourceVersion}`;
    // Every draw is made whatever the weather, so calm weather does not shift the stream of later events.
    const lost = prng.chance(weather.lossRate);
    const copies = prng.chance(weather.duplicateRate) ? prng.int(2, 3) : 1;
    const delays = [0, 1, 2].map(() => (prng.chance(weather.delayRate) ? prng.next() * weather.maxDelaySeconds : 0));
    if (lost) {
      this.stats.lost++;
      this.note(name, `${label} lost`);
      return;
    }
    if (copies > 1) this.stats.duplicated++;
    const body = JSON.stringify({ type: event.type, object: event.object });
    for (let copy = 0; copy < copies; copy++) {
      const delaySeconds = delays[copy] ?? 0;
      if (delaySeconds > 0) this.stats.delayed++;
      const what = `${label}${copies > 1 ? ` copy ${copy + 1}` : ''}${delaySeconds > 0 ? ` +${delaySeconds.toFixed(0)}s` : ''}`;
      this.track(
        this.sendLater(body, delaySeconds * 1000 * this.options.timeScale, (status) =>
          this.note(name, `${what} → ${status}`),
        ),
      );
    }
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async sendLater(body: string, delayMs: number, done: (status: string) => void): Promise<void> {
    if (delayMs > 0) {
      await new Promise<void>((resolve) => {
        const hold = {
          release: () => {
            clearTimeout(timer);
            this.held.delete(hold);
            resolve();
          },
        };
        const timer = setTimeout(hold.release, delayMs);
        this.held.add(hold);
      });
    }
    done(await this.post(body));
  }

  /** The final answer: `202`, `200`, `4xx …` or `undelivered`. */
  private async post(body: string): Promise<string> {
    const url = `${this.options.url}/v1/clusters/${this.options.cluster}/events`;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      this.stats.posts++;
      let status: number | undefined;
      let text = '';
      try {
        // Signed when sent, as the forwarder does: a late delivery carries a fresh timestamp.
        const signature = signWebhook(this.options.secret, body, Math.floor(Date.now() / 1000));
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
          body,
        });
        status = res.status;
        text = await res.text();
      } catch {
        status = undefined;
      }
      if (status === 202) {
        this.stats.accepted++;
        return '202';
      }
      if (status === 200) {
        this.stats.ignored++;
        return '200';
      }
      if (status !== undefined && status < 500 && status !== 429) {
        this.stats.refused++;
        if (this.stats.refusals.length < 20) this.stats.refusals.push(`HTTP ${status}: ${text.slice(0, 300)}`);
        return String(status);
      }
      this.stats.retried++;
      await sleep(Math.min(1000, 20 * 2 ** attempt));
    }
    this.stats.undelivered++;
    return 'undelivered';
  }
}
