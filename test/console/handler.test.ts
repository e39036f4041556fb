import type { HistoryEvent } from '@aws-sdk/client-sfn';
import type { ComputeInstance } from '../../lib/computeinstance';
import type { JobView, VmRecord } from '../../local/aap-simulator';
import {
  type Console,
  ConsoleSnapshot,
  type ConsoleSource,
  createConsole,
  ExecutionDetail,
  MAX_EVENTS,
  redactSecrets,
  redactTaskTokens,
  TASK_TOKEN_LABEL,
} from '../../local/console';
import type { ExecutionRecord } from '../../local/sfn-engine';
import { type ServedConsole, serveConsole } from './helpers';

const SECRET = 'tok-3f9a1c77e2b84d0e';
const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:svc-test-provision';

function record(name: string, overrides: Partial<ExecutionRecord> = {}): ExecutionRecord {
  return {
    executionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`,
    stateMachineArn: MACHINE_ARN,
    stateMachineName: 'svc-test-provision',
    name,
    status: 'RUNNING',
    input: JSON.stringify({ token: SECRET }),
    startDate: new Date('2026-01-01T00:00:00Z'),
    stateTransitions: 1,
    historyEventCount: 2,
    ...overrides,
  };
}

const instance = (message: string): ComputeInstance =>
  ({
    apiVersion: 'osac.openshift.io/v1alpha1',
    kind: 'ComputeInstance',
    metadata: { name: 'vm-a', namespace: 'ns' },
    spec: {},
    status: {
      phase: 'Starting',
      conditions: [
        {
          type: 'Provisioned',
          status: 'False',
          reason: 'JobRunning',
          message,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  }) as unknown as ComputeInstance;

/** An in-memory stack: each test swaps in the part it is about. */
function fakeSource(overrides: Partial<ConsoleSource> = {}): ConsoleSource {
  const history: HistoryEvent[] = [
    { id: 1, timestamp: new Date(0), type: 'ExecutionStarted' },
    { id: 2, timestamp: new Date(0), type: 'PassStateEntered', stateEnteredEventDetails: { name: 'Only' } },
  ];
  return {
    listInstances: async () => [],
    executions: () => [record('run-1')],
    history: () => history,
    definitions: () => [
      {
        name: 'svc-test-provision',
        arn: MACHINE_ARN,
        definition: { StartAt: 'Only', States: { Only: { Type: 'Pass', End: true } } },
      },
    ],
    aapJobs: () => [],
    aapVms: () => [],
    secrets: () => [SECRET, 'local'],
    ...overrides,
  };
}

describe('the console handler', () => {
  const running: Array<{ app: Console; served: ServedConsole }> = [];
  async function start(source: ConsoleSource) {
    const app = createConsole(source);
    const served = await serveConsole(app);
    running.push({ app, served });
    return served.url;
  }
  afterAll(async () => {
    for (const { app, served } of running) {
      app.close();
      await served.close();
    }
  });

  it('redacts every secret value that reaches a response, but not short ones like the placeholder "local"', async () => {
    const url = await start(
      fakeSource({
        listInstances: async () => [instance(`AAP said 401 for token ${SECRET} (cluster local)`)],
      }),
    );
    const text = await (await fetch(`${url}/api/snapshot`)).text();
    expect(text).not.toContain(SECRET);
    expect(ConsoleSnapshot.parse(JSON.parse(text)).instances[0]?.conditions[0]?.message).toBe(
      'AAP said 401 for token [REDACTED] (cluster local)',
    );
  });

  it('shows a callback task waiting for its notification, and never a task token', async () => {
    const token = 'Tk_-'.repeat(160);
    const waiting: HistoryEvent[] = [
      { id: 1, timestamp: new Date(0), type: 'ExecutionStarted' },
      { id: 2, timestamp: new Date(0), type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Only' } },
      {
        id: 3,
        timestamp: new Date(1000),
        type: 'TaskScheduled',
        taskScheduledEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke.waitForTaskToken',
          region: 'us-east-1',
          parameters: JSON.stringify({ FunctionName: 'f', Payload: { token } }),
          timeoutInSeconds: 300,
        },
      },
      { id: 4, timestamp: new Date(1000), type: 'TaskStarted' },
      {
        id: 5,
        timestamp: new Date(2000),
        type: 'TaskFailed',
        taskFailedEventDetails: {
          resourceType: 'lambda',
          resource: 'invoke.waitForTaskToken',
          error: 'Arming.Failed',
          cause: `could not store waiter for ${token}`,
        },
      },
    ];
    const url = await start(
      fakeSource({
        history: () => waiting,
        executions: () => [record('run-1', { cause: `last token ${token}` })],
      }),
    );
    const text = await (await fetch(`${url}/api/executions/run-1`)).text();
    const detail = ExecutionDetail.parse(JSON.parse(text));

    expect(text).not.toContain(token);
    expect(detail.events.find((event) => event.id === 5)?.detail).toBe(
      `Arming.Failed: could not store waiter for ${TASK_TOKEN_LABEL}`,
    );
    expect(detail.execution.cause).toBe(`last token ${TASK_TOKEN_LABEL}`);
    // The TaskFailed above ended that wait; the path no longer shows it.
    expect(detail.path.waitingForCallback).toBeUndefined();

    const stillWaiting = await start(fakeSource({ history: () => waiting.slice(0, 4) }));
    const waitingDetail = ExecutionDetail.parse(await (await fetch(`${stillWaiting}/api/executions/run-1`)).json());
    expect(waitingDetail.path.waitingForCallback).toEqual({
      state: 'Only',
      since: new Date(1000).toISOString(),
      timeoutSeconds: 300,
    });
  });

  it('never sends an execution input, even one holding a secret the source did not list', async () => {
    const url = await start(fakeSource({ secrets: () => [] }));
    const text = await (await fetch(`${url}/api/executions/run-1`)).text();
    expect(text).not.toContain(SECRET);
    expect(ExecutionDetail.parse(JSON.parse(text)).path.current).toBe('Only');
  });

  it('shows what it can when one part of the stack cannot be read, and says which part failed', async () => {
    const url = await start(
      fakeSource({
        listInstances: async () => {
          throw new Error('invalid ComputeInstance ns/vm-x: spec.cores: Too big');
        },
        aapJobs: () => {
          throw new Error('the simulator is closed');
        },
        aapVms: () => [{ key: 'ns/vm-a', namespace: 'ns', name: 'vm-a', uid: 'u1', createdByJob: 1001, createdAt: 0 }],
      }),
    );
    const snapshot = ConsoleSnapshot.parse(await (await fetch(`${url}/api/snapshot`)).json());
    expect(snapshot.problems).toEqual([
      'ComputeInstances: invalid ComputeInstance ns/vm-x: spec.cores: Too big',
      'AAP jobs: the simulator is closed',
    ]);
    expect(snapshot.executions.map((e) => e.name)).toEqual(['run-1']);
    expect(snapshot.vms).toEqual([expect.objectContaining({ key: 'ns/vm-a', createdAt: '1970-01-01T00:00:00.000Z' })]);
  });

  it.each<[string, Partial<ConsoleSource>, string]>([
    [
      'no definition for the machine',
      { definitions: () => [] },
      'no definition is known for state machine svc-test-provision',
    ],
    [
      'a definition it cannot draw',
      {
        definitions: () => [
          { name: 'svc-test-provision', arn: MACHINE_ARN, definition: { StartAt: 'Gone', States: {} } },
        ],
      },
      "StartAt names 'Gone', but the definition has no such state",
    ],
  ])('still answers an execution with %s, saying why there is no graph', async (_case, overrides, problem) => {
    const url = await start(fakeSource(overrides));
    const detail = ExecutionDetail.parse(await (await fetch(`${url}/api/executions/run-1`)).json());
    expect(detail.graph).toBeNull();
    expect(detail.graphProblem).toBe(problem);
    expect(detail.path.entry).toBe('Only');
  });

  it('asks which state machine is meant when two executions share a name', async () => {
    const other = record('twin', { stateMachineName: 'svc-test-deprovision', stateMachineArn: `${MACHINE_ARN}-de` });
    const url = await start(fakeSource({ executions: () => [record('twin'), other] }));
    const ambiguous = await fetch(`${url}/api/executions/twin`);
    expect(ambiguous.status).toBe(409);
    expect(await ambiguous.json()).toEqual({
      error: '2 executions are named twin (svc-test-provision, svc-test-deprovision): add ?stateMachine=<name>',
    });
    const chosen = await fetch(`${url}/api/executions/twin?stateMachine=svc-test-deprovision`);
    expect(chosen.status).toBe(200);
    expect(ExecutionDetail.parse(await chosen.json()).execution.stateMachine).toBe('svc-test-deprovision');
  });

  it(`lists only the latest ${MAX_EVENTS} events of a long history, but follows the whole path`, async () => {
    const rounds = 130; // of Wait then Poll, 4 events each: well over the limit
    const long: HistoryEvent[] = [{ id: 1, type: 'ExecutionStarted', timestamp: new Date(0) }];
    for (let round = 0; round < rounds; round += 1) {
      for (const [type, name] of [
        ['Wait', 'Wait'],
        ['Task', 'Poll'],
      ] as const) {
        long.push({
          id: long.length + 1,
          timestamp: new Date(0),
          type: `${type}StateEntered`,
          stateEnteredEventDetails: { name },
        });
        long.push({
          id: long.length + 1,
          timestamp: new Date(0),
          type: `${type}StateExited`,
          stateExitedEventDetails: { name },
        });
      }
    }
    const url = await start(fakeSource({ history: () => long }));
    const detail = ExecutionDetail.parse(await (await fetch(`${url}/api/executions/run-1`)).json());
    expect(detail.events).toHaveLength(MAX_EVENTS);
    expect(detail.eventsOmitted).toBe(long.length - MAX_EVENTS);
    expect(detail.events.at(-1)?.id).toBe(long.length);
    expect(detail.path.states.find((s) => s.name === 'Wait')?.visits).toBe(rounds);
  });

  it('answers AAP jobs newest first, without their extra vars', async () => {
    const job = (id: number): JobView => ({
      id,
      type: 'job',
      templateId: 7,
      templateName: 'osac-create-compute-instance',
      status: 'running',
      effect: 'create-vm',
      vmKey: 'ns/vm-a',
      uid: 'u1',
      targetError: null,
      effectApplied: false,
      cancelRequested: false,
      held: false,
      purged: false,
      launchedAt: 0,
      startedAt: 1000,
      finishedAt: null,
      canceledOn: null,
      transitions: [],
      extraVars: JSON.stringify({ ansible_eda: { event: { payload: { spec: { sshKey: 'ssh-ed25519 AAAA' } } } } }),
    });
    const vms: VmRecord[] = [];
    const url = await start(fakeSource({ aapJobs: () => [job(1001), job(1002)], aapVms: () => vms }));
    const text = await (await fetch(`${url}/api/snapshot`)).text();
    expect(text).not.toContain('ssh-ed25519');
    const snapshot = ConsoleSnapshot.parse(JSON.parse(text));
    expect(snapshot.aapJobs.map((j) => j.id)).toEqual([1002, 1001]);
    expect(snapshot.aapJobs[0]).toEqual({
      id: 1002,
      template: 'osac-create-compute-instance',
      type: 'job',
      status: 'running',
      effect: 'create-vm',
      vm: 'ns/vm-a',
      launchedAt: '1970-01-01T00:00:00.000Z',
      startedAt: '1970-01-01T00:00:01.000Z',
      finishedAt: null,
      cancelRequested: false,
    });
  });
});

describe('redactSecrets', () => {
  it.each<[string, string, string[], string]>([
    ['a plain token', 'token abcdefgh123 used', ['abcdefgh123'], 'token [REDACTED] used'],
    ['every occurrence', 'x-secret-1234 and x-secret-1234', ['x-secret-1234'], '[REDACTED] and [REDACTED]'],
    [
      'the longer of two overlapping secrets first',
      'key abcdefgh-long',
      ['abcdefgh', 'abcdefgh-long'],
      'key [REDACTED]',
    ],
    ['its JSON-escaped spelling', JSON.stringify({ v: 'p"ss\\word1' }), ['p"ss\\word1'], '{"v":"[REDACTED]"}'],
    ['nothing shorter than 8 characters', 'cluster local', ['local'], 'cluster local'],
  ])('%s', (_case, text, secrets, expected) => {
    expect(redactSecrets(text, secrets)).toBe(expected);
  });
});

describe('redactTaskTokens', () => {
  const token = 'a1B2_-'.repeat(106).concat('abcd');
  it.each([
    ['a token alone', token, TASK_TOKEN_LABEL],
    ['a token inside JSON', JSON.stringify({ token }), `{"token":"${TASK_TOKEN_LABEL}"}`],
    ['two tokens', `${token} ${token}`, `${TASK_TOKEN_LABEL} ${TASK_TOKEN_LABEL}`],
    ['a longer run, which is not a token', `${token}x`, `${token}x`],
    ['a shorter run', token.slice(1), token.slice(1)],
  ])('%s', (_case, text, expected) => {
    expect(token).toHaveLength(640);
    expect(redactTaskTokens(text)).toBe(expected);
  });
});
