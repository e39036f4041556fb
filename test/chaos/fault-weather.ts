import type { FaultsInput as AapFaults, AapSimulator, JobView } from '../../local/aap-simulator';
import type { KubeSimulator } from '../../local/kube-simulator';
import type { FaultProfile } from './options';
import type { Prng } from './prng';

/**
 * The fault weather of a run: every period (simulated seconds) the AAP simulator and the API server get a new set
 * of faults drawn from the profile, one active AAP job may be held in `running` for a while, some finished jobs are
 * purged, AAP's job notifications are lost, delayed and duplicated, and now and then the API server restarts. Once
 * per run, at times the profile fixes, AAP becomes a black hole for a while and one provision job is held for a long time behind its instance's deletion. `stop()` clears
 * every fault (which also releases a held job).
 */

/** A stretch of simulated time (epoch ms) a scheduled outage covered; `untilMs` undefined while it lasts. */
export interface OutageWindow {
  fromMs: number;
  untilMs: number | undefined;
}

export interface WeatherStats {
  periods: number;
  aapErrorPeriods: number;
  rateLimitPeriods: number;
  slowPeriods: number;
  dropPeriods: number;
  slowCancelPeriods: number;
  failuresInjected: number;
  hungJobs: number;
  purgedJobs: number;
  conflictStormPeriods: number;
  kubeErrorPeriods: number;
  apiRestarts: number;
  /** Periods in which AAP's notifications were lost, delayed and duplicated. */
  notificationFaultPeriods: number;
  /** Simulated seconds AAP was a black hole, and the provision job held longest (and for how long). */
  blackHoleSeconds: number;
  longHangSeconds: number;
  longHungJob: { id: number; vmKey: string } | undefined;
}

export interface WeatherTargets {
  aap: AapSimulator;
  kube: KubeSimulator;
  /** The simulated clock the stack shares. */
  now(): Date;
  timeScale: number;
  createTemplate: string;
  deleteTemplate: string;
  /**
   * Whether the user of `namespace/name` will delete it and has not asked yet: the long hang is put on such an
   * instance's job, so that its deletion comes while the job is held.
   */
  willBeDeleted(vmKey: string): boolean;
}

const TRACEBACKS = [
  'Traceback (most recent call last):\n  File "/runner/project/playbook_create.yml", line 42\nkubernetes.core.k8s: Failed to create object: DataVolume quota exceeded\n',
  'fatal: [localhost]: FAILED! => {"changed": false, "msg": "VirtualMachine osac-vm did not become ready within 600 s"}\n',
  "ERROR! the role 'osac.compute' was not found in /runner/project/roles\n",
  'fatal: [localhost]: FAILED! => {"msg": "DataVolume root-disk is still in use by a running VirtualMachineInstance"}\n',
];

const ACTIVE = new Set(['new', 'pending', 'waiting', 'running']);
const TERMINAL = new Set(['successful', 'failed', 'error', 'canceled']);

export class FaultWeather {
  readonly stats: WeatherStats = {
    periods: 0,
    aapErrorPeriods: 0,
    rateLimitPeriods: 0,
    slowPeriods: 0,
    dropPeriods: 0,
    slowCancelPeriods: 0,
    failuresInjected: 0,
    hungJobs: 0,
    purgedJobs: 0,
    conflictStormPeriods: 0,
    kubeErrorPeriods: 0,
    apiRestarts: 0,
    notificationFaultPeriods: 0,
    blackHoleSeconds: 0,
    longHangSeconds: 0,
    longHungJob: undefined,
  };
  /** Where the scheduled outages fell, for the report (deletions during them). */
  readonly outages: { blackHole?: OutageWindow; longHang?: OutageWindow } = {};
  private startMs = 0;
  private longHung: { jobId: number; untilMs: number } | undefined;
  private longHangPickable = true;
  private hung: { jobId: number; untilMs: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private rolling: Promise<void> | undefined;
  private stopped = false;
  private readonly picks: Prng;

  constructor(
    private readonly targets: WeatherTargets,
    private readonly profile: FaultProfile,
    private readonly prng: Prng,
  ) {
    this.picks = prng.fork('picks');
  }

  start(): void {
    this.startMs = this.targets.now().getTime();
    const tick = () => {
      if (this.stopped) return;
      this.rolling = this.roll().finally(() => {
        this.rolling = undefined;
        if (!this.stopped) this.timer = setTimeout(tick, this.periodMs());
      });
    };
    tick();
  }

  /** Clears every fault; a job held in `running` carries on. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.rolling;
    this.targets.aap.setFaults({});
    this.targets.kube.setFaults({});
    this.hung = undefined;
    this.endOutages(this.targets.now().getTime());
  }

  /** No long hang starts from now on (the lifecycles are done: a deletion could no longer come during it). */
  closeLongHangPicking(): void {
    this.longHangPickable = false;
  }

  /** Simulated epoch ms at which the scheduled outages are over (a long hang not yet placed counts as over). */
  outagesEndMs(): number {
    const { profile } = this;
    const blackHoleEnd = this.startMs + (profile.blackHoleAtSeconds + profile.blackHoleSeconds) * 1000;
    return Math.max(profile.blackHoleSeconds > 0 ? blackHoleEnd : 0, this.longHung?.untilMs ?? 0);
  }

  /** Closes the outage windows still open (all of them when the weather stops) and books their lengths. */
  private endOutages(nowMs: number, which: ReadonlyArray<'blackHole' | 'longHang'> = ['blackHole', 'longHang']): void {
    for (const name of which) {
      const window = this.outages[name];
      if (window === undefined) continue;
      window.untilMs ??= nowMs;
      const seconds = (window.untilMs - window.fromMs) / 1000;
      if (name === 'blackHole') this.stats.blackHoleSeconds = seconds;
      else this.stats.longHangSeconds = seconds;
    }
  }

  /** The black hole's window and the long hang, decided from the clock alone (no draw from the forecast). */
  private scheduled(nowMs: number, jobs: readonly JobView[]): { blackHole: boolean; longHungJob: number | undefined } {
    const { profile, outages } = this;
    const sinceStartSeconds = (nowMs - this.startMs) / 1000;
    const blackHole =
      profile.blackHoleSeconds > 0 &&
      sinceStartSeconds >= profile.blackHoleAtSeconds &&
      sinceStartSeconds < profile.blackHoleAtSeconds + profile.blackHoleSeconds;
    if (blackHole && outages.blackHole === undefined) outages.blackHole = { fromMs: nowMs, untilMs: undefined };
    if (!blackHole && outages.blackHole !== undefined) this.endOutages(nowMs, ['blackHole']);

    if (this.longHung !== undefined && nowMs >= this.longHung.untilMs) {
      this.endOutages(nowMs, ['longHang']);
      this.longHung = undefined;
      return { blackHole, longHungJob: undefined };
    }
    if (
      outages.longHang === undefined &&
      this.longHangPickable &&
      profile.longHangSeconds > 0 &&
      sinceStartSeconds >= profile.longHangAtSeconds
    ) {
      const candidates = jobs.filter(
        (job) =>
          job.effect === 'create-vm' &&
          job.status === 'running' &&
          !job.purged &&
          job.vmKey !== null &&
          this.targets.willBeDeleted(job.vmKey),
      );
      const job = candidates.length > 0 ? this.picks.pick(candidates) : undefined;
      if (job !== undefined) {
        this.longHung = { jobId: job.id, untilMs: nowMs + profile.longHangSeconds * 1000 };
        outages.longHang = { fromMs: nowMs, untilMs: undefined };
        this.stats.longHungJob = { id: job.id, vmKey: job.vmKey as string };
      }
    }
    return { blackHole, longHungJob: this.longHung?.jobId };
  }

  private periodMs(): number {
    return this.profile.periodSeconds * 1000 * this.targets.timeScale;
  }

  /**
   * Draws the same number of values from the main stream every period, whatever the system is doing, so the
   * forecast of period n depends on the seed alone. Picks that depend on the jobs AAP holds use their own stream.
   */
  private forecast() {
    const { prng, profile } = this;
    const [hangMin, hangMax] = profile.hangSeconds;
    const [nthMin, nthMax] = profile.rateLimitEveryNth;
    return {
      hang: prng.chance(profile.hangChance),
      hangSeconds: hangMin + prng.next() * (hangMax - hangMin),
      aapErrors: prng.chance(profile.aapErrorChance),
      rateLimit: prng.chance(profile.rateLimitChance),
      everyNth: prng.int(nthMin, nthMax),
      slow: prng.chance(profile.latencyChance) && profile.maxLatencyMs > 0,
      latencyMs: prng.int(1, Math.max(1, profile.maxLatencyMs)),
      drop: prng.chance(profile.dropChance),
      dropMode: prng.pick(['before-handling', 'after-handling'] as const),
      slowCancel: prng.chance(profile.slowCancelChance),
      cancelDelaySeconds: prng.pick(profile.slowCancelSeconds),
      failNext: prng.chance(profile.failNextChance),
      failTemplate: prng.pick([this.targets.createTemplate, this.targets.deleteTemplate]),
      traceback: prng.pick(TRACEBACKS),
      aapSeed: prng.int(0, 2 ** 31 - 1),
      storm: prng.chance(profile.conflictStormChance),
      kubeErrors: prng.chance(profile.kubeErrorChance),
      kubeSeed: prng.int(0, 2 ** 31 - 1),
      restart: prng.chance(profile.apiRestartChance),
      restartDowntimeMs: prng.int(10, 100),
      compactHistory: prng.chance(0.5),
      // Drawn last, so the forecast of everything above is what it was before notifications had weather.
      notificationFaults: prng.chance(profile.notificationFaultChance),
    };
  }

  private async roll(): Promise<void> {
    const { profile, targets, stats } = this;
    const forecast = this.forecast();
    stats.periods++;
    const nowMs = targets.now().getTime();
    const jobs = targets.aap.world.jobs();

    if (this.hung !== undefined && nowMs >= this.hung.untilMs) this.hung = undefined;
    if (this.hung === undefined && forecast.hang) {
      const active = jobs.filter((job) => ACTIVE.has(job.status) && !job.purged);
      if (active.length > 0) {
        this.hung = { jobId: this.picks.pick(active).id, untilMs: nowMs + forecast.hangSeconds * 1000 };
        stats.hungJobs++;
      }
    }

    const outage = this.scheduled(nowMs, jobs);
    const faults: AapFaults = { seed: forecast.aapSeed };
    if (outage.blackHole) faults.blackHole = true;
    if (forecast.aapErrors) {
      faults.errorRate = profile.aapErrorRate;
      stats.aapErrorPeriods++;
    }
    if (forecast.rateLimit) {
      faults.rateLimit = { everyNth: forecast.everyNth, retryAfterSeconds: profile.retryAfterSeconds };
      stats.rateLimitPeriods++;
    }
    if (forecast.slow) {
      faults.latencyMs = forecast.latencyMs;
      stats.slowPeriods++;
    }
    if (forecast.drop) {
      faults.dropRate = profile.dropRate;
      // after-handling: the request was done (a launch created its job) but its answer never arrives.
      faults.dropMode = forecast.dropMode;
      stats.dropPeriods++;
    }
    if (forecast.slowCancel) {
      faults.cancelDelaySeconds = forecast.cancelDelaySeconds;
      stats.slowCancelPeriods++;
    }
    // A failNext not yet taken by a launch stays armed: setting faults replaces all of them.
    const armed = targets.aap.faults().failNext;
    if (armed !== undefined) faults.failNext = armed;
    else if (forecast.failNext) {
      faults.failNext = { templateName: forecast.failTemplate, traceback: forecast.traceback, explanation: '' };
      stats.failuresInjected++;
    }
    if (forecast.notificationFaults) {
      // Unequal delays reorder them: a notification may arrive after a later one, or after the fallback poll.
      faults.notifications = {
        lostFraction: profile.notificationLossRate,
        duplicateFraction: profile.notificationDuplicateRate,
        delaySeconds: { min: 0, max: profile.notificationMaxDelaySeconds },
      };
      stats.notificationFaultPeriods++;
    }
    const held = [this.hung?.jobId, outage.longHungJob].filter((id) => id !== undefined);
    if (held.length > 0) faults.hangJobs = { jobIds: [...new Set(held)] };
    targets.aap.setFaults(faults);

    const purgeBefore = nowMs - profile.purgeMinAgeSeconds * 1000;
    for (const job of jobs) {
      const old = job.finishedAt !== null && job.finishedAt <= purgeBefore;
      if (!TERMINAL.has(job.status) || job.purged || !old || !this.picks.chance(profile.purgeShare)) continue;
      // The admin API, as AWX's cleanup_jobs would: the job answers 404 from now on.
      const res = await fetch(`${targets.aap.url}/_sim/jobs/${job.id}/purge`, { method: 'POST' });
      if (res.status === 204) stats.purgedJobs++;
    }

    if (forecast.storm) stats.conflictStormPeriods++;
    if (forecast.kubeErrors) stats.kubeErrorPeriods++;
    targets.kube.setFaults({
      conflictRate: forecast.storm ? profile.conflictRate : 0,
      errorRate: forecast.kubeErrors ? profile.kubeErrorRate : 0,
      seed: forecast.kubeSeed,
    });

    if (forecast.restart) {
      stats.apiRestarts++;
      await targets.kube.restart({ downtimeMs: forecast.restartDowntimeMs, compactHistory: forecast.compactHistory });
    }
  }
}
