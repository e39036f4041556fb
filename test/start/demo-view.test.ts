import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { JobView, Violation, VmRecord } from '../../local/aap-simulator';
import {
  changeLines,
  compressPath,
  elapsed,
  LiveView,
  renderFrame,
  renderSummary,
  type Snapshot,
  type StepState,
  type SummaryInputs,
  summarize,
  terminalStatusTimes,
  type ViewState,
} from '../../local/demo';
import { sampleInstance } from '../../local/fixtures/sample-instance';
import type { RequestLogEntry } from '../../local/kube-simulator';
import type { ExecutionRecord } from '../../local/sfn-engine';
import type { LocalStack } from '../../local/stack';

const T0 = Date.parse('2026-03-20T10:00:00Z');

function snapshot(overrides: Partial<Snapshot> = {}): Snapshot {
  return { at: T0, instances: [], executions: [], jobs: [], vms: [], ...overrides };
}

function view(steps: StepState[], snap: Snapshot): ViewState {
  return { steps, snapshot: snap, startedAt: T0, timeScale: 0.02 };
}

function job(overrides: Partial<JobView>): JobView {
  return {
    id: 1001,
    type: 'job',
    templateId: 1,
    templateName: 'osac-create-compute-instance',
    status: 'successful',
    effect: 'create-vm',
    vmKey: 'ns/demo-web',
    uid: 'u1',
    targetError: null,
    effectApplied: true,
    cancelRequested: false,
    held: false,
    purged: false,
    launchedAt: T0,
    startedAt: T0 + 2000,
    finishedAt: T0 + 22_000,
    canceledOn: null,
    transitions: [],
    extraVars: '{}',
    ...overrides,
  };
}

function logEntry(overrides: Partial<RequestLogEntry>): RequestLogEntry {
  return {
    time: new Date(T0).toISOString(),
    method: 'PATCH',
    path: '/apis/osac.openshift.io/v1alpha1/namespaces/ns/computeinstances/demo-web/status',
    query: '',
    status: 200,
    watch: false,
    ...overrides,
  };
}

const statusBody = (jobs: Array<{ jobID: string; state: string }>) => ({
  metadata: { resourceVersion: '7' },
  status: {
    provisioningJobs: jobs.map((j) => ({ ...j, type: 'provision', timestamp: '2026-03-20T10:00:00Z' })),
  },
});

describe('compressPath: an execution’s states with loops folded', () => {
  it.each([
    [[], ''],
    [['A'], 'A'],
    [['A', 'B', 'C'], 'A → B → C'],
    [['A', 'A', 'A', 'B'], 'A ×3 → B'],
    [['A', 'W', 'P', 'W', 'P', 'W', 'P', 'Z'], 'A → (W → P) ×3 → Z'],
    [['F', 'L', 'W', 'P', 'I', 'W', 'P', 'I', 'S'], 'F → L → (W → P → I) ×2 → S'],
    [['W', 'P', 'W', 'X'], 'W → P → W → X'],
  ])('%j → %s', (states, text) => {
    expect(compressPath(states)).toBe(text);
  });
});

describe('the live view', () => {
  it.each([
    [0, '+00:00'],
    [59_999, '+00:59'],
    [61_000, '+01:01'],
    [3_600_000, '+60:00'],
  ])('stamps %i ms of system time as %s', (ms, text) => {
    expect(elapsed(T0, T0 + ms)).toBe(text);
  });

  it('appends what changed: steps, instances, executions and AAP jobs, stamped with system time', () => {
    const before = view(
      [
        { title: 'Create', status: 'running' },
        { title: 'Provision', status: 'pending' },
      ],
      snapshot({
        instances: [
          {
            key: 'ns/a',
            phase: 'Starting',
            deleting: false,
            conditions: [{ type: 'Provisioned', status: 'False' }],
            jobs: [],
          },
        ],
        executions: [
          { name: 'provision-a-g1', machine: 'provision', status: 'RUNNING', currentState: 'PollProvisionJob' },
        ],
        jobs: [{ id: 1001, template: 'osac-create-compute-instance', status: 'running', vmKey: 'ns/a' }],
      }),
    );
    const after = view(
      [
        { title: 'Create', status: 'done', detail: 'uid 1234' },
        { title: 'Provision', status: 'running' },
      ],
      snapshot({
        at: T0 + 65_000,
        instances: [
          {
            key: 'ns/a',
            phase: 'Running',
            deleting: true,
            conditions: [{ type: 'Provisioned', status: 'True' }],
            jobs: [],
          },
          { key: 'ns/b', phase: '-', deleting: false, conditions: [], jobs: [] },
        ],
        executions: [
          { name: 'provision-a-g1', machine: 'provision', status: 'SUCCEEDED', currentState: undefined },
          { name: 'deprovision-a', machine: 'deprovision', status: 'RUNNING', currentState: 'FetchInstance' },
        ],
        jobs: [
          { id: 1001, template: 'osac-create-compute-instance', status: 'successful', vmKey: 'ns/a' },
          { id: 1002, template: 'osac-delete-compute-instance', status: 'pending', vmKey: 'ns/a' },
        ],
      }),
    );
    expect(changeLines(before, after)).toEqual([
      '[+01:05] instance ns/a: deletion requested',
      '[+01:05] instance ns/a: phase Starting → Running',
      '[+01:05] instance ns/a: Provisioned=True',
      '[+01:05] instance ns/b: created',
      '[+01:05] execution provision-a-g1 SUCCEEDED',
      '[+01:05] execution deprovision-a (deprovision) started',
      '[+01:05] AAP job 1001: successful',
      '[+01:05] AAP job 1002 osac-delete-compute-instance: pending (ns/a)',
      '[+01:05] ✔ step 1: Create — uid 1234',
      '[+01:05] ▶ step 2: Provision',
    ]);
  });

  it('says when an instance is gone and when a step failed, and nothing when nothing changed', () => {
    const steps: StepState[] = [{ title: 'Delete', status: 'running' }];
    const present = snapshot({
      instances: [{ key: 'ns/a', phase: 'Deleting', deleting: true, conditions: [], jobs: [] }],
    });
    expect(changeLines(view(steps, present), view(steps, present))).toEqual([]);
    const failed: StepState[] = [{ title: 'Delete', status: 'failed', detail: 'timed out' }];
    expect(changeLines(view(steps, present), view(failed, snapshot()))).toEqual([
      '[+00:00] instance ns/a: gone',
      '[+00:00] ✘ step 1: Delete — timed out',
    ]);
  });

  it('draws a frame that fits the terminal, with a spinner on the running step', () => {
    const state = view(
      [
        { title: 'Create demo-web through the Kubernetes API', status: 'done', detail: 'uid 802bead7…' },
        { title: 'Provision', status: 'running' },
        { title: 'Restart', status: 'pending' },
      ],
      snapshot({
        instances: [
          {
            key: 'osac-computeinstance/demo-web',
            phase: 'Starting',
            deleting: false,
            conditions: [
              { type: 'ConfigurationApplied', status: 'False' },
              { type: 'Provisioned', status: 'False' },
            ],
            jobs: [{ jobID: '1001', type: 'provision', state: 'Running' }],
          },
        ],
        executions: [
          { name: 'provision-x-g1', machine: 'provision', status: 'RUNNING', currentState: 'PollProvisionJob' },
        ],
        jobs: [
          {
            id: 1001,
            template: 'osac-create-compute-instance',
            status: 'running',
            vmKey: 'osac-computeinstance/demo-web',
          },
        ],
      }),
    );
    const narrow = renderFrame(state, 60, 0);
    expect(narrow.every((line) => [...line].length <= 60)).toBe(true);
    expect(narrow).toContain('  ⠋ 2. Provision');
    expect(narrow.some((line) => line.endsWith('…'))).toBe(true);
    const frame = renderFrame(state, 200, 0);
    expect(frame).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}✔ 1\. Create demo-web/),
        '  ⠋ 2. Provision',
        '  · 3. Restart',
        expect.stringMatching(/^ {2}osac-computeinstance\/demo-web +Starting/),
        expect.stringMatching(/^ {2}RUNNING +provision +provision-x-g1 +at PollProvisionJob$/),
        expect.stringMatching(/^ {2}1001 +osac-create-compute-instance +running/),
        'VMs: (none)',
      ]),
    );
    expect(renderFrame(state, 200, 1)).toContain('  ⠙ 2. Provision');
    expect(renderFrame(state, 200, 0).join('\n')).toContain(
      'ConfigurationApplied=False Provisioned=False  jobs: 1001 provision Running',
    );
  });
});

describe('a frame on a short terminal', () => {
  it.each([24, 30, 16])('fits %i rows (or the fewest it can), keeping the running execution first', (height) => {
    const steps: StepState[] = Array.from({ length: 7 }, (_, i) => ({ title: `step ${i}`, status: 'pending' }));
    const executions = Array.from({ length: 10 }, (_, i) => ({
      name: `execution-${i}`,
      machine: 'provision',
      status: i === 9 ? 'RUNNING' : 'SUCCEEDED',
      currentState: i === 9 ? 'PollProvisionJob' : undefined,
    }));
    const jobs = Array.from({ length: 10 }, (_, i) => ({
      id: 1001 + i,
      template: 't',
      status: 'successful',
      vmKey: 'ns/a',
    }));
    const frame = renderFrame(view(steps, snapshot({ executions, jobs })), 120, 0, height);
    // The steps and headers always show; a screen too short for them gets one execution and one job.
    const smallest = 7 + steps.length + 1 + 2;
    expect(frame.length).toBeLessThanOrEqual(Math.max(height - 1, smallest));
    const firstExecution = frame[frame.indexOf('Executions') + 1];
    expect(firstExecution).toMatch(/RUNNING +provision +execution-9/);
    // The newest job is the one kept.
    expect(frame[frame.indexOf('VMs: (none)') - 1]).toMatch(/^ {2}1010 /);
  });
});

describe('LiveView output', () => {
  /** Just what a snapshot reads, with one instance whose phase the test moves on. */
  function fakeStack(state: { phase: string }): LocalStack {
    return {
      now: () => new Date(T0),
      kube: {
        objects: () => [{ ...sampleInstance({ name: 'demo-web', namespace: 'ns' }), status: { phase: state.phase } }],
      },
      sfn: { executions: () => [], history: () => [] },
      aap: { world: { jobs: () => [], vms: () => [] } },
    } as unknown as LocalStack;
  }
  const steps: StepState[] = [{ title: 'Provision', status: 'running' }];

  it('redraws in place on a terminal: cursor hidden, moved up over the last frame, cleared, shown at the end', () => {
    const writes: string[] = [];
    const state = { phase: 'Starting' };
    const live = new LiveView({
      output: { isTTY: true, columns: 100, write: (text: string) => writes.push(text) },
      stack: fakeStack(state),
      steps,
      startedAt: T0,
      timeScale: 1,
      refreshMs: 3_600_000,
    });
    live.start();
    expect(writes[0]).toBe('\x1b[?25l');
    const first = writes[1] as string;
    expect(first.startsWith('\x1b[0J')).toBe(true);
    const firstLines = first.split('\n').length - 1;
    state.phase = 'Running';
    live.draw();
    const second = writes[2] as string;
    expect(second.startsWith(`\x1b[${firstLines}A\r\x1b[0J`)).toBe(true);
    expect(second).toMatch(/ns\/demo-web +Running/);
    live.stop();
    expect(writes.at(-1)).toBe('\x1b[?25h');
  });

  it('appends only what changed when the output is not a terminal, without escape codes', () => {
    const writes: string[] = [];
    const state = { phase: 'Starting' };
    const live = new LiveView({
      output: { write: (text: string) => writes.push(text) },
      stack: fakeStack(state),
      steps,
      startedAt: T0,
      timeScale: 1,
      refreshMs: 3_600_000,
    });
    live.start();
    live.draw();
    state.phase = 'Running';
    live.draw();
    live.setSteps([{ title: 'Provision', status: 'done', detail: 'job 1001 succeeded' }]);
    live.stop();
    expect(writes.join('')).toBe(
      [
        '[+00:00] instance ns/demo-web: created',
        '[+00:00] ▶ step 1: Provision',
        '[+00:00] instance ns/demo-web: phase Starting → Running',
        '[+00:00] ✔ step 1: Provision — job 1001 succeeded',
        '',
      ].join('\n'),
    );
  });
});

describe('the demo summary', () => {
  it('reads when each job’s end was first recorded from the API server’s request log', () => {
    const log = [
      logEntry({ time: new Date(T0 + 1000).toISOString(), body: statusBody([{ jobID: '1001', state: 'Running' }]) }),
      logEntry({
        time: new Date(T0 + 2000).toISOString(),
        status: 409,
        body: statusBody([{ jobID: '1001', state: 'Succeeded' }]),
      }),
      logEntry({ time: new Date(T0 + 3000).toISOString(), body: statusBody([{ jobID: '1001', state: 'Succeeded' }]) }),
      logEntry({
        time: new Date(T0 + 4000).toISOString(),
        body: statusBody([
          { jobID: '1001', state: 'Succeeded' },
          { jobID: '1002', state: 'Canceled' },
        ]),
      }),
      logEntry({
        time: new Date(T0 + 5000).toISOString(),
        method: 'GET',
        body: statusBody([{ jobID: '1003', state: 'Failed' }]),
      }),
      logEntry({
        time: new Date(T0 + 6000).toISOString(),
        path: '/apis/x/computeinstances/a',
        body: statusBody([{ jobID: '1004', state: 'Failed' }]),
      }),
    ];
    expect(terminalStatusTimes(log)).toEqual(
      new Map([
        ['1001', T0 + 3000],
        ['1002', T0 + 4000],
      ]),
    );
  });

  const steps: StepState[] = [
    { title: 'one', status: 'done', detail: 'ok' },
    { title: 'two', status: 'done', detail: 'ok' },
  ];
  const history = (names: string[]): HistoryEvent[] =>
    names.map((name, id) => ({
      id,
      timestamp: new Date(T0),
      type: 'TaskStateEntered',
      stateEnteredEventDetails: { name },
    }));
  const record = (name: string, status: ExecutionRecord['status']) =>
    ({ name, status, stateMachineName: 'cloudkit-provisioner-local-provision' }) as ExecutionRecord;
  const inputs: SummaryInputs = {
    steps,
    instanceKeys: ['ns/demo-web'],
    jobs: [
      job({ id: 1001, finishedAt: T0 + 22_000 }),
      job({ id: 1002, effect: 'delete-vm', templateName: 'osac-delete-compute-instance', finishedAt: T0 + 60_000 }),
      job({ id: 1003, finishedAt: null, status: 'running' }),
      job({ id: 1004, vmKey: 'ns/someone-else' }),
    ],
    executions: [{ record: record('provision-g1', 'SUCCEEDED'), history: history(['F', 'W', 'P', 'W', 'P', 'S']) }],
    terminalRecordedAt: new Map([['1001', T0 + 25_000]]),
    vms: [],
    violations: [],
  };

  it('passes when every step is done, no VM is left and nothing was violated', () => {
    const summary = summarize(inputs);
    expect(summary).toMatchObject({
      ok: true,
      steps: { done: 2, total: 2, failed: [] },
      jobsLaunched: {
        provision: 2,
        deprovision: 1,
        byTemplate: { 'osac-create-compute-instance': 2, 'osac-delete-compute-instance': 1 },
      },
      detectionLag: { samplesMs: [3000], medianMs: 3000, maxMs: 3000, notRecorded: [1002] },
      executions: [
        { name: 'provision-g1', machine: 'provision', status: 'SUCCEEDED', transitions: 6, path: 'F → (W → P) ×2 → S' },
      ],
      vmsLeft: [],
      violations: [],
    });
    const text = renderSummary(summary);
    expect(text).toMatch(/^ {2}steps: +2 of 2 done$/m);
    expect(text).toMatch(/^ {2}VMs left: +0$/m);
    expect(text).toMatch(/^ {2}violations: +0$/m);
    expect(text).toMatch(/^ {2}detection lag: +median 3\.0 s, max 3\.0 s over 1 jobs/m);
    expect(text).toMatch(/^ {2}result: +PASS$/m);
  });

  const vm: VmRecord = {
    key: 'ns/demo-web',
    namespace: 'ns',
    name: 'demo-web',
    uid: 'u1',
    createdByJob: 1001,
    createdAt: T0,
  };
  const violation: Violation = {
    kind: 'orphan',
    vmKey: 'ns/demo-web',
    jobIds: [1001],
    time: T0,
    message: 'orphan VM ns/demo-web',
  };
  it.each([
    ['a VM is left', { vms: [vm] }, /VMs left: +1 {2}\(ns\/demo-web\)/],
    ['a violation was recorded', { violations: [violation] }, /violations: +1\n +orphan VM ns\/demo-web/],
    [
      'a step failed',
      { steps: [steps[0] as StepState, { title: 'two', status: 'failed' as const, detail: 'timed out' }] },
      /failed: two: timed out/,
    ],
    [
      'a step never ran',
      { steps: [steps[0] as StepState, { title: 'two', status: 'pending' as const }] },
      /steps: +1 of 2 done/,
    ],
  ])('fails when %s', (_label, change, shown) => {
    const summary = summarize({ ...inputs, ...change });
    expect(summary.ok).toBe(false);
    const text = renderSummary(summary);
    expect(text).toMatch(shown);
    expect(text).toMatch(/result: +FAIL$/m);
  });
});
