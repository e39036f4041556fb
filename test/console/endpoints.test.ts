import type { ComputeInstance } from '../../lib/computeinstance';
import {
  type Console,
  ConsoleSnapshot,
  consoleSourceFor,
  createConsole,
  ExecutionDetail,
  type ExecutionSummary,
} from '../../local/console';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, sfnClient, startProvision } from '../e2e/harness';
import { NOT_THE_CONSOLE, openSnapshotStream, type ServedConsole, serveConsole } from './helpers';

const WEBHOOK_SECRET = 'console-test-webhook-secret';
const TAKEN_ON_SUCCESS = [
  'FetchInstance',
  'WhatDoesTheInstanceNeed',
  'EnsureFinalizer',
  'LaunchProvisionJob',
  'WaitBeforeNextPoll',
  'PollProvisionJob',
  'IsTheJobFinished',
  'ProvisionSucceeded',
];

describe('the console JSON endpoints on a live local stack', () => {
  let stack: LocalStack;
  let app: Console;
  let served: ServedConsole;
  let cluster: ClusterClient;
  let instance: ComputeInstance;
  let executionName: string;
  /** Every body the console answered, checked for secrets at the end. */
  const bodies: string[] = [];

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${served.url}${path}`, init);
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, headers: response.headers, text };
  };
  const getJson = async (path: string) => {
    const response = await get(path);
    return { ...response, body: JSON.parse(response.text) as unknown };
  };

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.01, webhookSecret: WEBHOOK_SECRET });
    app = createConsole(consoleSourceFor(stack));
    served = await serveConsole(app);
    cluster = new ClusterClient(stack);
    instance = await cluster.create('vm-console');
    const { executionArn } = await startProvision(stack, sfnClient(stack), instance);
    const record = await stack.sfn.settled(executionArn);
    expect(record.status).toBe('SUCCEEDED');
    executionName = record.name;
  });
  afterAll(async () => {
    app?.close();
    await served?.close();
    await stack?.close();
  });

  it('/api/snapshot shows the instance Running with its job, the execution, the AAP job and the VM', async () => {
    const { status, headers, body } = await getJson('/api/snapshot');
    expect(status).toBe(200);
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('no-store');
    const snapshot = ConsoleSnapshot.parse(body);
    expect(snapshot.problems).toEqual([]);

    const shown = snapshot.instances.find((i) => i.name === 'vm-console');
    expect(shown).toMatchObject({ namespace: 'osac-computeinstance', phase: 'Running', deleting: false });
    expect(shown?.uid).toBe(instance.metadata.uid);
    const conditions = Object.fromEntries((shown?.conditions ?? []).map((c) => [c.type, c.status]));
    expect(conditions).toMatchObject({ ConfigurationApplied: 'True', Provisioned: 'True' });
    expect(shown?.jobs).toEqual([
      expect.objectContaining({ type: 'provision', state: 'Succeeded', message: 'successful' }),
    ]);
    const jobId = Number(shown?.jobs[0]?.id);

    expect(snapshot.executions).toEqual([
      expect.objectContaining({ name: executionName, status: 'SUCCEEDED', stopDate: expect.any(String) }),
    ]);
    expect(snapshot.executions[0]?.stateMachine).toMatch(/-provision$/);

    expect(snapshot.aapJobs).toEqual([
      expect.objectContaining({
        id: jobId,
        template: 'osac-create-compute-instance',
        status: 'successful',
        vm: 'osac-computeinstance/vm-console',
        finishedAt: expect.any(String),
      }),
    ]);
    expect(snapshot.vms).toEqual([
      expect.objectContaining({
        key: 'osac-computeinstance/vm-console',
        uid: instance.metadata.uid,
        createdByJob: jobId,
      }),
    ]);
  });

  it('/api/executions/:name gives the graph, the path taken and the events', async () => {
    const { status, body } = await getJson(`/api/executions/${encodeURIComponent(executionName)}`);
    expect(status).toBe(200);
    const detail = ExecutionDetail.parse(body);
    expect(detail.execution.status).toBe('SUCCEEDED');

    const graph = detail.graph;
    if (graph === null) throw new Error(`no graph: ${detail.graphProblem}`);
    const stateIds = graph.nodes.filter((n) => n.kind === 'state').map((n) => n.id);
    expect(stateIds).toEqual(expect.arrayContaining([...TAKEN_ON_SUCCESS, 'WaitAfterLaunchRefused']));

    const taken = detail.path.states.map((s) => s.name);
    expect(taken).toEqual(expect.arrayContaining(TAKEN_ON_SUCCESS));
    expect(taken).not.toContain('WaitAfterLaunchRefused');
    expect(detail.path.states.every((s) => s.run === 'visited')).toBe(true);
    expect(detail.path).toMatchObject({ entry: 'StartCountingRounds', reachedEnd: true });
    expect(detail.path.current).toBeUndefined();
    // Every move the execution made is an arrow of the drawing, so the page can highlight it.
    const arrows = new Set(graph.edges.map((e) => `${e.from}->${e.to}`));
    for (const move of detail.path.transitions) expect(arrows).toContain(`${move.from}->${move.to}`);
    // Notifications off (the default): the Choice takes the plain Wait.
    expect(detail.path.transitions).toContainEqual({ from: 'LaunchProvisionJob', to: 'WillAapNotifyUs' });
    expect(detail.path.transitions).toContainEqual({ from: 'WillAapNotifyUs', to: 'WaitBeforeNextPoll' });

    const record = stack.sfn.executions().find((e) => e.name === executionName);
    expect(detail.events).toHaveLength(record?.historyEventCount ?? -1);
    expect(detail.eventsOmitted).toBe(0);
    expect(detail.events[0]?.type).toBe('ExecutionStarted');
    expect(detail.events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(detail.events.find((e) => e.type === 'LambdaFunctionScheduled')?.detail).toMatch(/inspectInstance$/);
  });

  it.each<[string, string, RequestInit | undefined, number, RegExp]>([
    ['an unknown execution', '/api/executions/no-such-run', undefined, 404, /no execution named no-such-run/],
    [
      'an execution of another state machine',
      '/api/executions/{name}?stateMachine=other',
      undefined,
      404,
      /of state machine other/,
    ],
    ['a broken percent-encoding', '/api/executions/%E0%A4%A', undefined, 400, /not valid percent-encoding/],
    ['POST on the snapshot', '/api/snapshot', { method: 'POST' }, 405, /POST is not allowed on \/api\/snapshot/],
    ['HEAD on the stream', '/api/stream', { method: 'HEAD' }, 405, /^$/],
    ['the webhook path', '/webhook/local', undefined, 404, new RegExp(`^${NOT_THE_CONSOLE}$`)],
    ['another API path', '/api/instances', undefined, 404, new RegExp(`^${NOT_THE_CONSOLE}$`)],
    ['the favicon', '/favicon.ico', undefined, 404, new RegExp(`^${NOT_THE_CONSOLE}$`)],
  ])('%s: %s', async (_case, path, init, status, body) => {
    const response = await get(path.replace('{name}', encodeURIComponent(executionName)), init);
    expect(response.status).toBe(status);
    expect(response.text).toMatch(body);
  });

  it.each([
    ['/', /^text\/html/, '<script type="module" src="/console.js"></script>'],
    ['/index.html', /^text\/html/, '<link rel="stylesheet" href="/console.css" />'],
    ['/console.js', /^text\/javascript/, "new EventSource('/api/stream')"],
    ['/console.css', /^text\/css/, '.node.run-visited rect'],
  ])('serves %s from memory, with nothing fetched from elsewhere', async (path, contentType, content) => {
    const response = await get(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(contentType);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'self'/);
    expect(response.text).toContain(content);
    if (path !== '/console.js') expect(response.text).not.toMatch(/https?:\/\//);
  });

  it('/api/stream sends the current snapshot at once, then each change', async () => {
    const stream = await openSnapshotStream(served.url);
    try {
      expect(stream.contentType).toMatch(/^text\/event-stream/);
      const first = await stream.next((s) => s.instances.some((i) => i.name === 'vm-console'), 'vm-console');
      expect(first.executions.map((e: ExecutionSummary) => e.name)).toContain(executionName);
      await cluster.create('vm-console-late');
      const later = await stream.next(
        (s) => s.instances.some((i) => i.name === 'vm-console-late'),
        'the instance created after connecting',
      );
      expect(later.instances.map((i) => i.name)).toEqual(['vm-console', 'vm-console-late']);
    } finally {
      bodies.push(stream.rawText());
      stream.close();
    }
  });

  it('close() ends open streams and stops serving', async () => {
    const second = createConsole(consoleSourceFor(stack));
    const secondServed = await serveConsole(second);
    try {
      const stream = await openSnapshotStream(secondServed.url);
      await stream.next(() => true, 'any snapshot');
      second.close();
      await stream.ended;
      const after = await fetch(`${secondServed.url}/api/snapshot`);
      expect(after.status).toBe(404);
      expect(await after.text()).toBe(NOT_THE_CONSOLE);
    } finally {
      await secondServed.close();
    }
  });

  it('no response carries a token, webhook secret, setting or payload', async () => {
    for (const path of ['/', '/console.js', '/api/snapshot', `/api/executions/${encodeURIComponent(executionName)}`]) {
      await get(path);
    }
    const stream = await openSnapshotStream(served.url);
    await stream.next(() => true, 'any snapshot');
    stream.close();
    bodies.push(stream.rawText());
    const everything = bodies.join('\n');
    for (const secret of [stack.kube.token, stack.aap.token, WEBHOOK_SECRET]) {
      expect(secret.length).toBeGreaterThanOrEqual(8);
      expect(everything).not.toContain(secret);
    }
    // Neither the environment nor any payload: execution and state input/output, AAP extra vars.
    for (const leak of ['AAP_TOKEN', 'CLUSTERS_FILE', 'extraVars', '"input"', '"output"', '"extra_vars"']) {
      expect(everything).not.toContain(leak);
    }
  });
});
