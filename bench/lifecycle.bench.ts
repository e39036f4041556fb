/**
 * Detection lag and cost per job: how soon the workflow sees an AAP job end, and what that costs in state
 * transitions and AAP calls, for the adaptive poll schedule against fixed polls (the 30 s poll of the system this
 * replaces, and an aggressive 2 s one). Everything measured is counted, not estimated: lag and AAP calls from the AAP
 * simulator's job records and request log, transitions and scheduled waits from the local engine's history. Each
 * strategy runs in one stack with jobs of every duration at once (their lengths come from an annotation the AAP
 * simulator reads); the pipeline's own latency on the scaled clock is measured per poll round and shown beside the
 * lag, and the schedule alone (no processing at all) is computed for the same jobs.
 *
 *   npx tsx bench/run.ts --only lifecycle [--quick]
 */
import { DEFAULT_POLL_SCHEDULE } from '../lib/workflow/polling';
import {
  allowedLagSeconds,
  clockGroups,
  JOB_DURATIONS,
  type MeasuredJob,
  minimumPollsWithinLagTarget,
  planJobs,
  QUICK_JOB_DURATIONS,
  runStrategy,
  STRATEGIES,
  type StrategyKey,
  type StrategyRun,
  schedulePolls,
  scheduleTradeOff,
  type TransitionModel,
  transitionsFor,
} from './lifecycle';
import {
  type BenchResult,
  count,
  duration,
  environment,
  evaluateTarget,
  fixed,
  linearFit,
  loadAverageNow,
  median,
  percentile,
  summarize,
  type Table,
  type Target,
  targetsTable,
} from './support';

export interface LifecycleRow {
  durationSeconds: number;
  strategy: string;
  baseline: boolean;
  /** `measured` in a stack, or `model`: the schedule alone, for a cell too slow to run at its time scale. */
  source: 'measured' | 'model';
  /** The clock of the stack that measured it (NaN for a model row). */
  timeScale: number;
  jobs: number;
  lagP50: number;
  lagP95: number;
  scheduleOnlyLagP95: number;
  polls: number;
  transitions: number;
  aapCallsPerJob: number;
  /** With notifications: notification waits ended by their timeout (fallback polls), p50 per job. */
  fallbackTimeouts: number;
  /** Jobs the workflow saw end (a poll after the job's end) / notifications lost. */
  detected: number;
  lost: number;
  /** The notification's own delivery time (job end → receiver answered) p95, and the lag beyond it, p95. */
  deliveryP95: number;
  beyondDeliveryP95: number;
}

export interface LifecycleData {
  strategies: Array<{
    key: string;
    label: string;
    timeScale: number;
    wallSeconds: number;
    cpuBusyShare: number;
    pollRounds: number;
    overheadSeconds: { p50: number; p95: number };
    aapCalls: StrategyRun['aapCalls'];
    jobs: MeasuredJob[];
  }>;
  transitionModel: TransitionModel;
  rows: LifecycleRow[];
}

/** Jobs of one strategy's cell, or undefined when the cell was not run. */
function cellJobs(run: StrategyRun, durationSeconds: number): MeasuredJob[] | undefined {
  return run.durations.includes(durationSeconds)
    ? run.jobs.filter((j) => j.cellSeconds === durationSeconds)
    : undefined;
}

/** AAP calls that are not polls (launch, template lookups), spread over the stack's jobs. */
function nonPollCallsPerJob(run: StrategyRun): number {
  return (run.aapCalls.total - run.aapCalls.polls) / run.jobs.length;
}

function measuredRow(run: StrategyRun, durationSeconds: number, jobs: MeasuredJob[]): LifecycleRow {
  const scheduleOnly = jobs.map((job) => schedulePolls(job.endAfterLaunchSeconds, run.strategy.schedule).lagSeconds);
  const lags = jobs.map((job) => job.lagSeconds);
  const extra = nonPollCallsPerJob(run);
  const delivered = jobs.filter((job) => !Number.isNaN(job.deliverySeconds));
  return {
    durationSeconds,
    strategy: run.strategy.label,
    baseline: run.strategy.baseline,
    source: 'measured',
    timeScale: run.timeScale,
    jobs: jobs.length,
    lagP50: median(lags),
    lagP95: percentile(lags, 95),
    scheduleOnlyLagP95: percentile(scheduleOnly, 95),
    polls: median(jobs.map((j) => j.polls)),
    transitions: median(jobs.map((j) => j.transitions)),
    aapCallsPerJob: median(jobs.map((j) => j.polls + extra)),
    fallbackTimeouts: median(jobs.map((j) => j.fallbackTimeouts)),
    detected: jobs.filter((job) => Number.isFinite(job.lagSeconds)).length,
    lost: run.strategy.notifications ? jobs.length - delivered.length : 0,
    deliveryP95: percentile(
      delivered.map((job) => job.deliverySeconds),
      95,
    ),
    beyondDeliveryP95: percentile(
      delivered.map((job) => job.lagSeconds - job.deliverySeconds),
      95,
    ),
  };
}

/** How long after the launch intent a job starts, as measured in the run: the launch's own latency. */
function launchOffsetSeconds(run: StrategyRun): number {
  return median(run.jobs.map((job) => job.endAfterLaunchSeconds - job.ranSeconds));
}

/** The same spread of jobs as a measured cell would have, started as late as the run's did, on the schedule alone. */
function modelRow(run: StrategyRun, durationSeconds: number, jobs: number, model: TransitionModel): LifecycleRow {
  const { strategy } = run;
  // The model is the poll schedule alone: it knows nothing of notifications, so those cells are always run.
  if (strategy.notifications) throw new Error(`${strategy.label}: every length must be measured, none modelled`);
  const offset = launchOffsetSeconds(run);
  const scheduled = planJobs([durationSeconds], jobs).map((job) =>
    schedulePolls(offset + job.requestedSeconds, strategy.schedule),
  );
  const polls = median(scheduled.map((s) => s.polls));
  const lags = scheduled.map((s) => s.lagSeconds);
  return {
    durationSeconds,
    strategy: strategy.label,
    baseline: strategy.baseline,
    source: 'model',
    timeScale: Number.NaN,
    jobs,
    lagP50: median(lags),
    lagP95: percentile(lags, 95),
    scheduleOnlyLagP95: percentile(lags, 95),
    polls,
    transitions: transitionsFor(polls, model),
    // One launch; the template id is cached by a warm container.
    aapCallsPerJob: polls + 1,
    fallbackTimeouts: 0,
    detected: jobs,
    lost: 0,
    deliveryP95: Number.NaN,
    beyondDeliveryP95: Number.NaN,
  };
}

/**
 * Transitions = fixed + perPoll × polls, fitted on single-execution jobs of polling alone (continuations add a few
 * states; a notification round costs what the notification path costs, and no model row uses it).
 */
function fitTransitions(runs: readonly StrategyRun[]): TransitionModel {
  const points = runs
    .filter((run) => !run.strategy.notifications)
    .flatMap((run) =>
      run.jobs.filter((job) => job.executions === 1).map((job) => ({ x: job.polls, y: job.transitions })),
    );
  const fit = linearFit(points);
  if (!fit) throw new Error('every measured job polled equally often: cannot fit transitions per poll');
  return { fixed: Math.round(fit.intercept * 100) / 100, perPoll: Math.round(fit.slope * 100) / 100 };
}

function lifecycleTable(rows: readonly LifecycleRow[]): Table {
  return {
    title: 'Detection lag and cost per job',
    columns: [
      { header: 'job' },
      { header: 'strategy' },
      { header: 'source' },
      { header: 'jobs', align: 'right' },
      { header: 'lag p50 s', align: 'right' },
      { header: 'lag p95 s', align: 'right' },
      { header: 'schedule-only lag p95 s', align: 'right' },
      { header: 'allowed lag s', align: 'right' },
      { header: 'delivery p95 s', align: 'right' },
      { header: 'lag beyond delivery p95 s', align: 'right' },
      { header: 'lost / detected', align: 'right' },
      { header: 'polls', align: 'right' },
      { header: 'fallback timeouts', align: 'right' },
      { header: 'transitions', align: 'right' },
      { header: 'AAP calls/job', align: 'right' },
    ],
    rows: rows.map((r) => [
      duration(r.durationSeconds),
      r.strategy,
      r.source,
      r.jobs,
      fixed(r.lagP50),
      fixed(r.lagP95),
      fixed(r.scheduleOnlyLagP95),
      fixed(allowedLagSeconds(r.durationSeconds)),
      Number.isNaN(r.deliveryP95) ? '–' : fixed(r.deliveryP95, 2),
      Number.isNaN(r.beyondDeliveryP95) ? '–' : fixed(r.beyondDeliveryP95, 2),
      `${r.lost} / ${r.detected}`,
      count(r.polls),
      count(r.fallbackTimeouts),
      count(r.transitions),
      fixed(r.aapCallsPerJob, 2),
    ]),
    notes: [
      'jobs of a cell last 0.9–1.1 × its duration (spread evenly), so the lag samples every phase of the poll cycle; lag and transitions are per job (p50/p95 over its cell, nearest rank), transitions summed over continuations',
      'lag is measured on the stack clock: it includes the pipeline latency of the next table; "schedule-only" is the same jobs (each ending when it really did) on the schedule anchored at their launch intent with zero processing: the real first poll comes later by the launch\'s own latency, so for short jobs, whose lag is all phase, the measured lag can be lower as well as higher',
      '"model" rows were not run (too slow at their time scale): the schedule alone for the same spread of jobs started as late after their intent as the run\'s were, transitions from the fit below',
      "delivery = from the job's end to AAP sending its notification (the AAP simulator's notification record); lag beyond delivery = lag − delivery over the jobs whose notification was sent and not lost: the request, the receiver, the resumed execution and the poll, all this project's; polls, fallback timeouts and transitions are p50 per job",
      'with notifications, "polls" are every read of the job: each wait also reads it once when it is armed (a job that ended before its waiter was stored must not wait for the fallback), so a notification wait round costs two AAP reads, and the lag ends at whichever read came first',
      "every stack-clock second is timeScale real seconds of processing (0.02: 1 s = 20 ms real): the notification path's stack-clock lag is its real milliseconds × 50, cold starts of the receiver and arming functions included; the targets compare its real seconds, as on AWS nothing is scaled",
    ],
  };
}

function pipelineTable(runs: readonly StrategyRun[]): Table {
  return {
    title: 'Pipeline latency per poll round on the scaled clock (subtract it from the lag)',
    columns: [
      { header: 'strategy' },
      { header: 'time scale', align: 'right' },
      { header: 'jobs', align: 'right' },
      { header: 'wall s', align: 'right' },
      { header: 'CPU busy', align: 'right' },
      { header: 'poll rounds', align: 'right' },
      { header: 'latency p50 s', align: 'right' },
      { header: 'latency p95 s', align: 'right' },
      { header: 'real ms p50', align: 'right' },
    ],
    rows: runs.map((run) => {
      const rounds = run.jobs.flatMap((job) => job.overheadSeconds);
      const stats = summarize(rounds);
      return [
        run.strategy.label,
        run.timeScale,
        run.jobs.length,
        fixed(run.wallSeconds, 0),
        `${Math.round(run.cpuBusyShare * 100)} %`,
        count(rounds.length),
        fixed(stats.p50, 2),
        fixed(stats.p95, 2),
        fixed(stats.p50 * run.timeScale * 1000, 0),
      ];
    }),
    notes: [
      'latency of a round = gap between two polls of a job − the wait the state machine scheduled between them: the poll task, its status write, state transitions and HTTP, all in this one Node process',
      'on a clock running 1/scale times faster, every real millisecond is 1/scale virtual ones: at 0.02, 20 ms of processing is 1 s of lag; on AWS the same round costs its real duration',
    ],
  };
}

function tradeOffTable(model: TransitionModel): Table {
  const options = scheduleTradeOff(DEFAULT_POLL_SCHEDULE, [0.1, 0.2, 0.3, 0.5, 1], model);
  const minimumPolls = minimumPollsWithinLagTarget(1800);
  return {
    title: `What pure polling trades (schedule model: ${DEFAULT_POLL_SCHEDULE.minSeconds} s floor, ${DEFAULT_POLL_SCHEDULE.maxSeconds} s cap)`,
    columns: [
      { header: 'fraction', align: 'right' },
      { header: 'polls, 30-min job', align: 'right' },
      { header: 'transitions, 30-min job', align: 'right' },
      { header: 'worst lag, 1 min–2 h', align: 'right' },
      { header: 'worst lag under 1 min', align: 'right' },
    ],
    rows: options.map((o) => [
      o.fraction === DEFAULT_POLL_SCHEDULE.fraction ? `${o.fraction} (default)` : o.fraction,
      o.polls30min,
      o.transitions30min,
      `${Math.round(o.worstLagShare * 100)} % of the duration`,
      `${fixed(o.worstLagUnderAMinute, 0)} s`,
    ]),
    notes: [
      `any pure-polling schedule that keeps every job's lag within target (≤ 5 s under a minute, ≤ 10 % after) needs at least ${minimumPolls} polls by 30 min = ${transitionsFor(minimumPolls, model)} transitions; ≤ 40 transitions allows ${Math.floor((40 - model.fixed) / model.perPoll)} polls`,
      `transitions = ${model.fixed} + ${model.perPoll} × polls, fitted on this run's measured executions`,
      'worst lags are suprema over every job length (a job ending just after a poll waits the whole next interval); the shipped schedule rounds each wait up to a whole second, so it overshoots its own 5 s and 10 % by up to a second (a job ending just after the poll at 55 s is seen at 61 s)',
      'the two targets cannot both hold without knowing the duration: that takes AAP telling us (a job-end notification resuming the execution through a task token), not a better schedule',
    ],
  };
}

function targetsFor(rows: readonly LifecycleRow[], runs: readonly StrategyRun[], model: TransitionModel): Target[] {
  const adaptive = runs.find((run) => run.strategy.key === 'adaptive');
  const row = (seconds: number) =>
    rows.find(
      (r) => r.durationSeconds === seconds && r.source === 'measured' && r.strategy === adaptive?.strategy.label,
    );
  const latency = adaptive ? median(adaptive.jobs.flatMap((job) => job.overheadSeconds)) : Number.NaN;
  const lagNote = (r: LifecycleRow | undefined) =>
    r === undefined
      ? undefined
      : `the schedule alone (zero processing, anchored at the launch intent) gives ${fixed(r.scheduleOnlyLagP95)} s; this stack's pipeline latency is ${fixed(latency, 2)} s per poll round (p50, time scale ${adaptive?.timeScale})`;
  const lagTargets: Target[] = [
    {
      name: 'detection lag, jobs under a minute',
      measuredAs: 'adaptive, 10 s jobs, lag p95',
      direction: 'at-most',
      limit: 5,
      measured: row(10)?.lagP95 ?? Number.NaN,
      unit: 's',
      note: lagNote(row(10)),
    },
    ...[60, 600, 1800, 7200].map(
      (seconds): Target => ({
        name: `detection lag ≤ 10 % of a ${duration(seconds)} job`,
        measuredAs: `adaptive, ${duration(seconds)} jobs, lag p95`,
        direction: 'at-most',
        limit: seconds * 0.1,
        measured: row(seconds)?.lagP95 ?? Number.NaN,
        unit: 's',
        note: lagNote(row(seconds)),
      }),
    ),
  ];
  const minimumPolls = minimumPollsWithinLagTarget(1800);
  const shipped30 = schedulePolls(1800, DEFAULT_POLL_SCHEDULE);
  const extraCalls = Math.max(...runs.map(nonPollCallsPerJob));
  return [
    ...lagTargets,
    {
      name: 'state transitions, 30-minute job',
      measuredAs: 'adaptive, 30 min jobs, transitions p50',
      direction: 'at-most',
      limit: 40,
      measured: row(1800)?.transitions ?? Number.NaN,
      unit: '',
      digits: 0,
      note: `the schedule alone polls a 30-minute job ${shipped30.polls} times (${transitionsFor(shipped30.polls, model)} transitions; this stack's slower rounds poll less); it conflicts with the lag target: keeping every job's lag within it takes ≥ ${minimumPolls} polls (${transitionsFor(minimumPolls, model)} transitions) by 30 min, and 40 transitions buy ${Math.floor((40 - model.fixed) / model.perPoll)} polls (see the trade-off table)`,
    },
    {
      name: 'AAP calls per job ≤ polls + 2',
      measuredAs: 'AAP calls per job − its polls, worst stack',
      direction: 'at-most',
      limit: 2,
      measured: extraCalls,
      unit: '',
      digits: 2,
      note: 'one launch per job plus template lookups, which one warm container makes once; a cold container adds one lookup: polls + 2 at worst',
    },
  ];
}

/** The issue-13 targets, for the shipped fallback and for the lean one beside it (each misses what the other meets). */
function notificationTargets(rows: readonly LifecycleRow[], runs: readonly StrategyRun[]): Target[] {
  const runOf = (key: StrategyKey) => runs.find((run) => run.strategy.key === key);
  const row = (key: StrategyKey, seconds: number) => {
    const run = runOf(key);
    return rows.find(
      (r) => r.durationSeconds === seconds && r.source === 'measured' && r.strategy === run?.strategy.label,
    );
  };
  const scaleNote = (r: LifecycleRow) =>
    ` (time scale ${r.timeScale}: 1 stack-clock s = ${Math.round(r.timeScale * 1000)} ms real)`;
  const beyondDelivery = (key: StrategyKey, label: string): Target[] =>
    JOB_DURATIONS.map((seconds) => {
      const r = row(key, seconds);
      return {
        name: `${label}: lag ≤ 1 s beyond delivery, ${duration(seconds)} job`,
        measuredAs: `${label}, ${duration(seconds)} jobs, (lag − delivery) p95 in real seconds`,
        direction: 'at-most',
        limit: 1,
        measured: r === undefined ? Number.NaN : r.beyondDeliveryP95 * r.timeScale,
        unit: 's',
        digits: 2,
        note:
          r === undefined
            ? undefined
            : `${fixed(r.beyondDeliveryP95, 2)} s on the stack clock${scaleNote(r)}: the receiver, SendTaskSuccess, one state and the poll, cold starts included; delivery itself p95 ${fixed(r.deliveryP95, 2)} s`,
      };
    });
  const transitions = (key: StrategyKey, label: string, seconds: number, limit: number): Target => {
    const r = row(key, seconds);
    return {
      name: `${label}: ≤ ${limit} transitions, ${duration(seconds)} job`,
      measuredAs: `${label}, ${duration(seconds)} jobs, transitions p50`,
      direction: 'at-most',
      limit,
      measured: r?.transitions ?? Number.NaN,
      unit: '',
      digits: 0,
      note:
        r === undefined
          ? undefined
          : `${count(r.fallbackTimeouts)} fallback timeouts before the notification (p50); each fallback round costs 3 transitions (wait task, poll task, choice); the timed looks are what a lost notification is caught by`,
    };
  };
  const lost = (key: StrategyKey, label: string): Target[] =>
    JOB_DURATIONS.flatMap((seconds): Target[] => {
      const r = row(key, seconds);
      return [
        {
          name: `${label}: every job detected, ${duration(seconds)}`,
          measuredAs: `${label}, ${duration(seconds)} jobs, undetected jobs`,
          direction: 'at-most',
          limit: 0,
          measured: r === undefined ? Number.NaN : r.jobs - r.detected,
          unit: '',
          digits: 0,
          note: r === undefined ? undefined : `${r.lost} of ${r.jobs} notifications lost`,
        },
        {
          name: `${label}: lag p95 ≤ 25 % of a ${duration(seconds)} job`,
          measuredAs: `${label}, ${duration(seconds)} jobs, lag p95`,
          direction: 'at-most',
          limit: seconds * 0.25,
          measured: r?.lagP95 ?? Number.NaN,
          unit: 's',
          note:
            r === undefined
              ? undefined
              : `a lost notification is seen at the next timed look: at most the fallback wait in progress when the job ended, a share of the time since the launch intent${scaleNote(r)}`,
        },
      ];
    });
  return [
    ...beyondDelivery('notifications', 'notifications'),
    transitions('notifications', 'notifications', 1800, 15),
    transitions('notifications', 'notifications', 7200, 25),
    ...lost('notifications-lost', '30 % lost'),
    transitions('lean-notifications', 'lean fallback', 1800, 15),
    transitions('lean-notifications', 'lean fallback', 7200, 25),
    ...lost('lean-notifications-lost', 'lean fallback, 30 % lost'),
  ];
}

export async function runLifecycleBench(options: {
  quick: boolean;
  log: (line: string) => void;
}): Promise<BenchResult> {
  const startedAt = new Date();
  const loadAtStart = loadAverageNow();
  const durations = options.quick ? QUICK_JOB_DURATIONS : JOB_DURATIONS;
  const mode = options.quick ? 'quick' : 'full';
  const runs: StrategyRun[] = [];
  for (const strategy of STRATEGIES) {
    const measured = durations.filter((seconds) => seconds <= strategy.longestMeasuredSeconds[mode]);
    for (const group of clockGroups(strategy, measured)) {
      runs.push(
        await runStrategy(strategy, group.durations, strategy.jobsPerDuration[mode], options.log, group.timeScale),
      );
    }
  }
  const model = fitTransitions(runs);
  const rows: LifecycleRow[] = [];
  for (const seconds of durations) {
    for (const strategy of STRATEGIES) {
      const ofStrategy = runs.filter((run) => run.strategy.key === strategy.key);
      const measuring = ofStrategy.find((run) => run.durations.includes(seconds));
      const jobs = measuring && cellJobs(measuring, seconds);
      const anyRun = ofStrategy[0];
      if (measuring && jobs) rows.push(measuredRow(measuring, seconds, jobs));
      else if (anyRun) rows.push(modelRow(anyRun, seconds, strategy.jobsPerDuration[mode], model));
    }
  }
  const pollingTargets = targetsFor(rows, runs, model).map(evaluateTarget);
  const notifiedTargets = notificationTargets(rows, runs).map(evaluateTarget);
  const targets = [...notifiedTargets, ...pollingTargets];
  const data: LifecycleData = {
    strategies: runs.map((run) => {
      const rounds = run.jobs.flatMap((job) => job.overheadSeconds);
      return {
        key: run.strategy.key,
        label: run.strategy.label,
        timeScale: run.timeScale,
        wallSeconds: run.wallSeconds,
        cpuBusyShare: run.cpuBusyShare,
        pollRounds: rounds.length,
        overheadSeconds: { p50: median(rounds), p95: percentile(rounds, 95) },
        aapCalls: run.aapCalls,
        jobs: run.jobs,
      };
    }),
    transitionModel: model,
    rows,
  };
  return {
    name: 'lifecycle',
    command: `tsx bench/run.ts --only lifecycle${options.quick ? ' --quick' : ''}`,
    startedAt: startedAt.toISOString(),
    elapsedSeconds: (Date.now() - startedAt.getTime()) / 1000,
    quick: options.quick,
    environment: environment(loadAtStart),
    tables: [
      lifecycleTable(rows),
      pipelineTable(runs),
      tradeOffTable(model),
      targetsTable(
        'Notification targets (issue 13): the shipped fallback, and the lean one beside it',
        notifiedTargets,
      ),
      targetsTable('Polling targets (polling only, as shipped with JOB_NOTIFICATIONS=off)', pollingTargets),
    ],
    targets,
    data,
  };
}
