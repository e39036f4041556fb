import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { type Console, consoleSourceFor, createConsole } from '../../local/console';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, sfnClient, startProvision } from '../e2e/harness';
import { type ServedConsole, serveConsole } from './helpers';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Outside the repository: the picture is for a person to look at, not something to commit. */
const SCREENSHOTS = path.join(tmpdir(), 'cloudkit-console');
const SCREENSHOT = path.join(SCREENSHOTS, 'execution-graph.png');
const WAIT_MS = 20_000;

/** The page's window, for code evaluated in the browser (the project compiles without the DOM library). */
interface BrowserWindow {
  getComputedStyle(element: unknown): { stroke: string };
}

const TAKEN = ['FetchInstance', 'LaunchProvisionJob', 'WaitBeforeNextPoll', 'PollProvisionJob', 'ProvisionSucceeded'];
const NOT_TAKEN = [
  'WaitAfterLaunchRefused',
  'WaitForBackoffAfterFailedJob',
  'ContinueAsNewExecution',
  // Notifications are off by default.
  'WaitForProvisionJobToEnd',
];

describe('the console page in Chromium', () => {
  let stack: LocalStack;
  let app: Console;
  let served: ServedConsole;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `the console's browser test needs Chromium at ${CHROMIUM}: install it with ` +
          "`sudo apt-get install -y chromium` (Debian/Ubuntu; CI's .ci/run installs it)",
      );
    }
    stack = await startLocalStack({ timeScale: 0.01 });
    app = createConsole(consoleSourceFor(stack));
    served = await serveConsole(app);
    profile = mkdtempSync(path.join(tmpdir(), 'cloudkit-console-chromium-'));
    // Playwright passes the profile as --user-data-dir itself, and refuses it among the args.
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1720, height: 1100 },
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    app?.close();
    await served?.close();
    await stack?.close();
  });

  it('follows a provision live and draws the path the execution took', async () => {
    await page.goto(served.url);
    await page.locator('#connection[data-connection="live"]').waitFor({ timeout: WAIT_MS });

    // Created after the page is open: what follows can only reach the page through the live stream.
    const cluster = new ClusterClient(stack);
    const instance = await cluster.create('vm-browser');
    const { executionArn } = await startProvision(stack, sfnClient(stack), instance);
    await page
      .locator('[data-instance="osac-computeinstance/vm-browser"][data-phase="Running"]')
      .waitFor({ timeout: WAIT_MS });
    const { name } = await stack.sfn.settled(executionArn);
    const row = page.locator(`#executions tr[data-execution="${name}"][data-status="SUCCEEDED"]`);
    await row.waitFor({ timeout: WAIT_MS });
    await row.click();

    const detail = page.locator(`#execution-detail[data-execution="${name}"][data-status="SUCCEEDED"]`);
    await detail.waitFor({ timeout: WAIT_MS });
    const graph = detail.locator('svg.state-graph');
    const runOf = (state: string) => graph.locator(`[data-state="${state}"]`).getAttribute('data-run');
    for (const state of TAKEN) expect([state, await runOf(state)]).toEqual([state, 'visited']);
    for (const state of NOT_TAKEN) expect([state, await runOf(state)]).toEqual([state, 'unvisited']);
    expect(await graph.locator('[data-node="end"]').getAttribute('data-run')).toBe('visited');

    // Highlighted means drawn differently, not just tagged: compare the boxes' painted outlines.
    const stroke = (state: string) =>
      graph
        .locator(`[data-state="${state}"] rect`)
        .evaluate((rect) => (globalThis as unknown as BrowserWindow).getComputedStyle(rect).stroke);
    expect(await stroke('LaunchProvisionJob')).not.toBe(await stroke('WaitAfterLaunchRefused'));
    const arrow = (from: string, to: string) =>
      graph.locator(`path.edge[data-from="${from}"][data-to="${to}"]`).getAttribute('data-taken');
    expect(await arrow('LaunchProvisionJob', 'WillAapNotifyUs')).toBe('true');
    expect(await arrow('WillAapNotifyUs', 'WaitBeforeNextPoll')).toBe('true');
    expect(await arrow('WillAapNotifyUs', 'WaitForProvisionJobToEnd')).toBe('false');
    expect(await arrow('LaunchProvisionJob', 'WaitAfterLaunchRefused')).toBe('false');

    await expect(detail.locator('#events tbody tr').last().textContent()).resolves.toContain('ExecutionSucceeded');
    expect(await page.locator('[data-job] td').nth(1).textContent()).toBe('osac-create-compute-instance');
    expect(await page.locator('[data-vm="osac-computeinstance/vm-browser"]').count()).toBe(1);

    mkdirSync(SCREENSHOTS, { recursive: true });
    await detail.screenshot({ path: SCREENSHOT });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'console-page.png'), fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
