import type { HistoryEvent } from '@aws-sdk/client-sfn';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { ClusterClient, sfnClient, startProvision } from '../e2e/harness';

// The provision poll loop with AAP's notifications on, end to end on the local stack: a poll that finds the job still
// running goes straight back to the notification wait (no WillAapNotifyUs per round), and every round is still
// counted in $.loop.rounds for the hand-over.

/** The states entered, in order. */
const entered = (history: readonly HistoryEvent[]) =>
  history.flatMap((event) => (event.stateEnteredEventDetails?.name ? [event.stateEnteredEventDetails] : []));

describe('the provision poll loop with notifications on', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.02, notifications: true });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function provision(name: string) {
    const sfn = sfnClient(stack);
    try {
      const { executionArn } = await startProvision(stack, sfn, await cluster.create(name));
      const record = await stack.sfn.settled(executionArn);
      expect(record.status).toBe('SUCCEEDED');
      return { record, states: entered(stack.sfn.history(executionArn)) };
    } finally {
      sfn.destroy();
    }
  }

  it('a lost notification: fallback rounds of wait, count, poll, choice; each counted; the job still seen', async () => {
    stack.aap.setFaults({ seed: 13, notifications: { lostFraction: 1 } });
    const { record, states } = await provision('vm-lost-notification');
    const names = states.map((s) => s.name);
    const polls = states.filter((s) => s.name === 'PollProvisionJob');
    expect(polls.length).toBeGreaterThan(2);
    // Only the first wait goes through the Choice; every later one comes straight from IsTheJobFinished.
    expect(names.filter((n) => n === 'WillAapNotifyUs')).toHaveLength(1);
    expect(names.filter((n) => n === 'WaitBeforeNextPoll')).toHaveLength(0);
    names.forEach((name, i) => {
      if (name === 'IsTheJobFinished' && i < names.length - 2) expect(names[i + 1]).toBe('WaitForProvisionJobToEnd');
    });
    const rounds = polls.map((s) => (JSON.parse(s.input ?? '{}') as { loop: { rounds: number } }).loop.rounds);
    expect(rounds).toEqual(rounds.map((_, i) => i + 1));
    // Four transitions a round beyond the fixed path: StartCountingRounds, FetchInstance, WhatDoesTheInstanceNeed,
    // EnsureFinalizer, LaunchProvisionJob, WillAapNotifyUs, ProvisionSucceeded.
    expect(record.stateTransitions).toBe(7 + 4 * polls.length);
  });
});

describe('the provision poll loop with notifications on and no timed look before the job ends', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    // A fallback far longer than the job: only the notification (or the arming check) can end the wait.
    stack = await startLocalStack({
      timeScale: 0.02,
      notifications: true,
      env: { FALLBACK_POLL_MIN_SECONDS: '3600', FALLBACK_POLL_MAX_SECONDS: '3600' },
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a delivered notification ends the wait it arrives in: the poll after it sees the job ended', async () => {
    const sfn = sfnClient(stack);
    try {
      const { executionArn } = await startProvision(stack, sfn, await cluster.create('vm-notified'));
      expect((await stack.sfn.settled(executionArn)).status).toBe('SUCCEEDED');
      const history = stack.sfn.history(executionArn);
      const names = entered(history).map((s) => s.name);
      // The last wait was ended by the notification (TaskSucceeded), not by its timeout, and the poll right after it
      // found the job ended.
      const endings = history.filter((e) => e.type === 'TaskSucceeded' || e.type === 'TaskTimedOut');
      expect(endings.at(-1)?.type).toBe('TaskSucceeded');
      expect(endings.every((e) => e.type === 'TaskSucceeded')).toBe(true);
      expect(names.slice(-5)).toEqual([
        'WaitForProvisionJobToEnd',
        'CountPollRound',
        'PollProvisionJob',
        'IsTheJobFinished',
        'ProvisionSucceeded',
      ]);
    } finally {
      sfn.destroy();
    }
  });
});

describe('the provision poll loop with notifications off (polling alone)', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    stack = await startLocalStack({ timeScale: 0.02 });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('costs what it did before notifications: Wait, count, poll, choice a round, straight back to the Wait', async () => {
    const sfn = sfnClient(stack);
    try {
      const { executionArn } = await startProvision(stack, sfn, await cluster.create('vm-polled'));
      const record = await stack.sfn.settled(executionArn);
      expect(record.status).toBe('SUCCEEDED');
      const names = entered(stack.sfn.history(executionArn)).map((s) => s.name);
      const polls = names.filter((n) => n === 'PollProvisionJob').length;
      expect(polls).toBeGreaterThan(1);
      expect(names.filter((n) => n === 'WillAapNotifyUs')).toHaveLength(1);
      expect(names.filter((n) => n === 'WaitForProvisionJobToEnd')).toHaveLength(0);
      names.forEach((name, i) => {
        if (name === 'IsTheJobFinished' && i < names.length - 2) expect(names[i + 1]).toBe('WaitBeforeNextPoll');
      });
      expect(record.stateTransitions).toBe(7 + 4 * polls);
    } finally {
      sfn.destroy();
    }
  });
});
