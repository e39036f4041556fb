import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Console, type ConsoleSource, createConsole } from '../../local/console';
import type { ExecutionRecord } from '../../local/sfn-engine';
import { type ServedConsole, serveConsole } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const WAIT_MS = 20_000;
const MACHINE_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:svc-test-provision';
// The shape of a local engine token: 640 base64url characters.
const TOKEN = 'Zq9_-x'.repeat(106).concat('Zq9_');

const waiting: ExecutionRecord = {
  executionArn: `${MACHINE_ARN.replace(':stateMachine:', ':execution:')}:run-waiting`,
  stateMachineArn: MACHINE_ARN,
  stateMachineName: 'svc-test-provision',
  name: 'run-waiting',
  status: 'RUNNING',
  input: '{}',
  startDate: new Date('2026-01-01T00:00:00Z'),
  stateTransitions: 1,
  historyEventCount: 5,
};

const history: HistoryEvent[] = [
  { id: 1, timestamp: new Date('2026-01-01T00:00:00Z'), type: 'ExecutionStarted' },
  {
    id: 2,
    timestamp: new Date('2026-01-01T00:00:00Z'),
    type: 'TaskStateEntered',
    stateEnteredEventDetails: { name: 'AwaitJobEnd' },
  },
  {
    id: 3,
    timestamp: new Date('2026-01-01T00:00:01Z'),
    type: 'TaskScheduled',
    taskScheduledEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      region: 'us-east-1',
      parameters: JSON.stringify({ FunctionName: 'awaitJobEnd', Payload: { token: TOKEN } }),
      timeoutInSeconds: 300,
    },
  },
  { id: 4, timestamp: new Date('2026-01-01T00:00:01Z'), type: 'TaskStarted' },
  {
    id: 5,
    timestamp: new Date('2026-01-01T00:00:02Z'),
    type: 'TaskSubmitted',
    taskSubmittedEventDetails: {
      resourceType: 'lambda',
      resource: 'invoke.waitForTaskToken',
      output: JSON.stringify({ Payload: { armed: TOKEN } }),
    },
  },
];

const source: ConsoleSource = {
  listInstances: async () => [],
  executions: () => [waiting],
  history: () => history,
  definitions: () => [
    {
      name: 'svc-test-provision',
      arn: MACHINE_ARN,
      definition: {
        StartAt: 'AwaitJobEnd',
        States: {
          AwaitJobEnd: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
            TimeoutSecondsPath: '$.waitSeconds',
            Next: 'Done',
          },
          Done: { Type: 'Succeed' },
        },
      },
    },
  ],
  aapJobs: () => [],
  aapVms: () => [],
};

describe('the console page in Chromium, for an execution waiting for a callback', () => {
  let app: Console;
  let served: ServedConsole;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`the console's browser tests need Chromium at ${CHROMIUM}: \`sudo apt-get install -y chromium\``);
    }
    app = createConsole(source);
    served = await serveConsole(app);
    profile = mkdtempSync(path.join(tmpdir(), 'cloudkit-console-callback-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
      viewport: { width: 1400, height: 900 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    app?.close();
    await served?.close();
  });

  it('labels the waiting state "waiting for a callback" with its timeout, and shows no task token', async () => {
    await page.goto(served.url);
    const row = page.locator('#executions tr[data-execution="run-waiting"]');
    await row.waitFor({ timeout: WAIT_MS });
    await row.click();
    const detail = page.locator('#execution-detail[data-execution="run-waiting"]');
    await detail.waitFor({ timeout: WAIT_MS });

    const state = detail.locator('svg.state-graph [data-state="AwaitJobEnd"]');
    expect(await state.getAttribute('data-run')).toBe('current');
    expect(await state.getAttribute('data-waiting')).toBe('callback');
    expect(await state.locator('.node-waiting').textContent()).toBe('waiting for a callback · timeout 300 s');
    expect(await page.locator('#detail-summary').textContent()).toContain(
      'AwaitJobEnd is waiting for a callback (timeout 300 s)',
    );
    // The whole rendered DOM: the event list, tooltips, the summary.
    expect(await page.content()).not.toContain(TOKEN);
    expect(pageErrors).toEqual([]);
  });
});
