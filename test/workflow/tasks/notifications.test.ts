import { cancelProvision, inspect, launch, PollInput, poll } from '../../../lib/workflow/tasks';
import { type Harness, harness } from './support';

// With JOB_NOTIFICATIONS=on every wait for a job says so (the state machine then waits in a `.waitForTaskToken`
// task) and takes the stretched fallback schedule; off (the default), the waits are today's plain polls.

const ON = { JOB_NOTIFICATIONS: 'on', JOB_WAITERS_TABLE: 'waiters' };

async function launched(h: Harness) {
  const ref = h.create('vm-1');
  return { ref, state: await launch(h.ctx, { ref, type: 'provision', execution: 'e' }) };
}

describe.each([
  // settings, notifications, the first wait (polling: 5 s; fallback: 2 s), the wait 10 min into a job (polling: a
  // tenth; fallback: a fifth)
  ['off (default)', {}, false, 5, 60],
  ['on', ON, true, 2, 120],
] as const)('notifications %s', (_label, settings, notifications, firstWait, waitAfterTenMinutes) => {
  it(`launch and poll say notifications: ${notifications}, and wait ${waitAfterTenMinutes} s at 10 minutes`, async () => {
    const h = harness({ settings });
    const { ref, state } = await launched(h);
    expect(state).toMatchObject({ notifications, waitSeconds: firstWait });
    h.advance(600_000);
    expect(await poll(h.ctx, { ref, poll: state })).toMatchObject({
      notifications,
      waitSeconds: waitAfterTenMinutes,
      terminal: false,
    });
  });

  it(`a running job found by inspect is followed with notifications: ${notifications}`, async () => {
    const h = harness({ settings });
    const { ref } = await launched(h);
    h.advance(600_000);
    const decision = await inspect(h.ctx, { ref, workflow: 'provision', rounds: 0 });
    expect(decision).toMatchObject({ action: 'Poll', poll: { notifications, waitSeconds: waitAfterTenMinutes } });
  });

  it(`the cancel-wait names the job it waits for, notifications: ${notifications}`, async () => {
    const h = harness({ settings });
    const { ref, state } = await launched(h);
    h.aap.setStatus(state.job.id, 'running');
    h.deleteInstance(ref);
    const first = await cancelProvision(h.ctx, { ref, rounds: 0 });
    expect(first).toMatchObject({ settled: false, job: state.job, notifications, waitSeconds: firstWait });
    h.advance(600_000);
    expect(await cancelProvision(h.ctx, { ref, cancel: first, rounds: 1 })).toMatchObject({
      notifications,
      waitSeconds: waitAfterTenMinutes,
    });
  });
});

it('a poll state carried from before notifications existed reads as notifications off', async () => {
  const h = harness();
  const { ref, state } = await launched(h);
  const { notifications: _dropped, ...old } = state;
  expect(PollInput.parse({ ref, poll: old }).poll.notifications).toBe(false);
});

it('turning notifications on applies from the next wait of a running poll loop', async () => {
  const off = harness();
  const { ref, state } = await launched(off);
  expect(state.notifications).toBe(false);
  const on = harness({ settings: ON });
  Object.assign(off.ctx, { settings: on.ctx.settings });
  expect((await poll(off.ctx, { ref, poll: state })).notifications).toBe(true);
});

it('a cancel-wait for a launch still in flight has no job to be told about: a plain Wait', async () => {
  const h = harness({ settings: ON });
  const ref = h.create('vm-intent');
  await h.writeIntent(ref);
  h.deleteInstance(ref);
  const result = await cancelProvision(h.ctx, { ref, rounds: 0 });
  expect(result).toMatchObject({ settled: false, notifications: false });
  expect(result).not.toHaveProperty('job');
});
