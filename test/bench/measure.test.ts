import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { breakDownAapCalls, type ExecutionTrace, measureJob, scheduledWaits } from '../../bench/lifecycle';
import type { JobView, RequestLogEntry } from '../../local/aap-simulator';

const LAUNCHED_AT = '2026-01-01T00:00:00Z';
const T0 = Date.parse(LAUNCHED_AT);
const at = (seconds: number) => T0 + seconds * 1000;

function job(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 1001,
    type: 'job',
    templateId: 1,
    templateName: 'osac-create-compute-instance',
    status: 'successful',
    effect: 'create-vm',
    vmKey: 'osac-computeinstance/vm-1',
    uid: 'uid-1',
    targetError: null,
    effectApplied: true,
    cancelRequested: false,
    held: false,
    purged: false,
    launchedAt: at(1),
    startedAt: at(1),
    finishedAt: at(13),
    canceledOn: null,
    transitions: [],
    extraVars: '{}',
    ...overrides,
  };
}

const get = (path: string, seconds: number): RequestLogEntry => ({
  method: 'GET',
  path,
  query: '',
  status: 200,
  time: at(seconds),
});

function waitEntered(waitSeconds: number, name = 'WaitBeforeNextPoll'): HistoryEvent {
  return {
    type: 'WaitStateEntered',
    id: 1,
    timestamp: new Date(T0),
    stateEnteredEventDetails: { name, input: JSON.stringify({ poll: { waitSeconds, launchedAt: LAUNCHED_AT } }) },
  };
}

function callbackEntered(waitSeconds: number): HistoryEvent {
  return {
    ...waitEntered(waitSeconds, 'WaitForProvisionJobToEnd'),
    type: 'TaskStateEntered',
  };
}

const event = (type: 'TaskTimedOut' | 'TaskSucceeded' | 'TaskFailed'): HistoryEvent => ({
  type,
  id: 2,
  timestamp: new Date(T0),
});

const trace = (stateTransitions: number, waits: number[]): ExecutionTrace => ({
  stateTransitions,
  history: waits.map((wait) => waitEntered(wait)),
});

describe('the lifecycle measurements', () => {
  const polls = [
    get('/api/controller/v2/jobs/1001/', 5.5),
    get('/api/controller/v2/jobs/1001/', 11.2),
    get('/api/controller/v2/jobs/1001/', 16.4),
    // Another job's poll, and a lookup: not this job's.
    get('/api/controller/v2/jobs/1002/', 6),
    get('/api/controller/v2/job_templates/', 0.5),
  ];

  it('measures lag from the job’s end to the first poll after it, and each round’s latency beyond its wait', () => {
    const measured = measureJob(job(), 12, polls, [trace(14, [5, 5, 5])]);
    expect(measured).toMatchObject({
      jobId: 1001,
      requestedSeconds: 12,
      ranSeconds: 12,
      endAfterLaunchSeconds: 13,
      polls: 3,
      transitions: 14,
      executions: 1,
    });
    expect(measured.lagSeconds).toBeCloseTo(3.4, 10);
    expect(measured.overheadSeconds.map((s) => Math.round(s * 1000) / 1000)).toEqual([0.7, 0.2]);
  });

  it('adds up continuations: transitions and waits of every execution of the chain', () => {
    const measured = measureJob(job(), 12, polls, [trace(11, [5, 5]), trace(8, [5])]);
    expect(measured).toMatchObject({ transitions: 19, executions: 2, polls: 3 });
    expect(measured.overheadSeconds).toHaveLength(2);
  });

  it('reports no round latency when waits and polls cannot be paired (a retried poll)', () => {
    expect(measureJob(job(), 12, polls, [trace(14, [5, 5])]).overheadSeconds).toEqual([]);
  });

  it('has no lag to report when no poll came after the end', () => {
    expect(measureJob(job({ finishedAt: at(20) }), 19, polls, [trace(14, [5, 5, 5])]).lagSeconds).toBeNaN();
  });

  it('refuses a job that has not finished, and executions that never waited to poll', () => {
    expect(() => measureJob(job({ finishedAt: null }), 12, polls, [trace(5, [5])])).toThrow(
      'AAP job 1001 has not finished: nothing to measure',
    );
    expect(() => measureJob(job(), 12, polls, [trace(5, [])])).toThrow('its executions never waited to poll it');
  });

  it('reads the scheduled waits of the poll Wait state only', () => {
    const other = waitEntered(300, 'WaitAfterLaunchRefused');
    expect(scheduledWaits([{ stateTransitions: 3, history: [other, waitEntered(5), waitEntered(6)] }])).toEqual([
      { waitSeconds: 5, launchedAt: LAUNCHED_AT, ended: 'timer' },
      { waitSeconds: 6, launchedAt: LAUNCHED_AT, ended: 'timer' },
    ]);
    const broken: HistoryEvent = {
      ...waitEntered(5),
      stateEnteredEventDetails: { name: 'WaitBeforeNextPoll', input: '{}' },
    };
    expect(() => scheduledWaits([{ stateTransitions: 1, history: [broken] }])).toThrow(
      'WaitBeforeNextPoll was entered without $.poll.waitSeconds and $.poll.launchedAt',
    );
  });

  it('reads the notification waits too: how each ended, and a wait that could not be armed gives way to the Wait', () => {
    const history = [
      callbackEntered(5),
      event('TaskTimedOut'),
      callbackEntered(6),
      event('TaskFailed'),
      waitEntered(6),
      callbackEntered(7),
      event('TaskSucceeded'),
    ];
    expect(scheduledWaits([{ stateTransitions: 12, history }])).toEqual([
      { waitSeconds: 5, launchedAt: LAUNCHED_AT, ended: 'timeout' },
      { waitSeconds: 6, launchedAt: LAUNCHED_AT, ended: 'timer' },
      { waitSeconds: 7, launchedAt: LAUNCHED_AT, ended: 'notified' },
    ]);
  });

  it('counts fallback timeouts and the notification, and takes no round latency from a notified round', () => {
    // Polls at 5.5 (after a 5 s timeout) and 11.2 (a timeout of 5 s: 0.7 s beyond), 16.4 (notified: no latency).
    const history = [
      callbackEntered(5),
      event('TaskTimedOut'),
      callbackEntered(5),
      event('TaskTimedOut'),
      callbackEntered(60),
      event('TaskSucceeded'),
    ];
    const measured = measureJob(job(), 12, polls, [{ stateTransitions: 15, history }]);
    expect(measured).toMatchObject({ fallbackTimeouts: 2, notified: true, polls: 3 });
    expect(measured.overheadSeconds.map((s) => Math.round(s * 1000) / 1000)).toEqual([0.7]);
  });

  it('sorts AAP requests into polls, launches, template lookups and the rest', () => {
    const log: RequestLogEntry[] = [
      ...polls,
      { ...get('/api/controller/v2/job_templates/2/launch/', 1), method: 'POST' },
      { ...get('/api/controller/v2/workflow_jobs/77/', 2) },
      get('/api/controller/v2/jobs/1001/cancel/', 3),
      get('/_sim/jobs', 4),
    ];
    expect(breakDownAapCalls(log)).toEqual({ polls: 5, launches: 1, templateLookups: 1, other: 1, total: 8 });
  });
});
