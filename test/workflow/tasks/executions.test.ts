import { executionNamePrefix } from '../../../lib/sfn';
import { continueAsNew, stopProvisioning } from '../../../lib/workflow/tasks';
import { harness, PROVISION_ARN } from './support';

describe('stopProvisioning', () => {
  it("phase Deleting, and only this instance's running provision executions stopped, naming the deprovision", async () => {
    const h = harness();
    const ref = h.create('vm');
    const other = h.create('vm-other');
    h.deleteInstance(ref);
    const ours = `${executionNamePrefix('provision', ref)}-g1`;
    const theirs = `${executionNamePrefix('provision', other)}-g1`;
    h.sfn.run(PROVISION_ARN, ours);
    h.sfn.run(PROVISION_ARN, theirs);

    const result = await stopProvisioning(h.ctx, { ref, execution: 'deprovision-exec' });
    expect(result).toEqual({ settled: false, waitSeconds: 5, stoppedExecutions: [ours] });
    expect(h.sfn.stopped).toEqual([
      { name: ours, error: 'InstanceDeleting', cause: expect.stringContaining('deprovision-exec takes over') },
    ]);
    expect(h.sfn.executions.get(theirs)?.status).toBe('RUNNING');
    expect((await h.read(ref)).status?.phase).toBe('Deleting');
  });

  it.each([
    ['a first execution', {}, {}],
    [
      'a continued cancel-wait',
      { cancel: { requestedFor: 7, requestedAt: '2026-01-01T00:00:00.000Z' } },
      { requestedFor: 7, requestedAt: '2026-01-01T00:00:00.000Z' },
    ],
    [
      'a continued cancel-wait from before the request time was carried',
      { cancel: { requestedFor: 7 } },
      { requestedFor: 7 },
    ],
    ['a time without its job (not ours)', { cancel: { requestedAt: '2026-01-01T00:00:00.000Z' } }, {}],
  ])('%s: the cancel state starts from what its execution input carries', async (_case, executionInput, carried) => {
    const h = harness({ settings: { PROVISION_STATE_MACHINE_ARN: '' } });
    const ref = h.create('vm');
    h.deleteInstance(ref);
    const result = await stopProvisioning(h.ctx, { ref, execution: 'd', executionInput });
    expect(result).toEqual({ settled: false, waitSeconds: 5, stoppedExecutions: [], ...carried });
  });

  it('without a provision state machine configured it only marks the phase', async () => {
    const h = harness({ settings: { PROVISION_STATE_MACHINE_ARN: '' } });
    const ref = h.create('vm');
    h.deleteInstance(ref);
    expect((await stopProvisioning(h.ctx, { ref, execution: 'd' })).stoppedExecutions).toEqual([]);
    expect((await h.read(ref)).status?.phase).toBe('Deleting');
  });
});

describe('continueAsNew', () => {
  it('starts the next execution under the continuation name with the reference and what it serves', async () => {
    const h = harness();
    const ref = h.create('vm');
    const input = {
      ref,
      generation: 3,
      execution: `${executionNamePrefix('provision', ref)}-g3`,
      stateMachineArn: PROVISION_ARN,
    };
    const first = await continueAsNew(h.ctx, input);
    expect(first).toMatchObject({ executionName: `${input.execution}-c1`, started: true });
    expect(h.sfn.executions.get(first.executionName)?.input).toEqual({ ref, generation: 3 });
    // A retried hand-over starts nothing twice.
    expect(await continueAsNew(h.ctx, input)).toMatchObject({ executionName: `${input.execution}-c1`, started: false });
    expect((await continueAsNew(h.ctx, { ...input, execution: first.executionName })).executionName).toBe(
      `${input.execution}-c2`,
    );
  });

  it('a cancel-wait hands over which job the cancel was asked for and when, and nothing else of its state', async () => {
    const h = harness();
    const ref = h.create('vm');
    const requestedAt = '2026-01-01T00:00:00.000Z';
    const started = await continueAsNew(h.ctx, {
      ref,
      deletionTimestamp: requestedAt,
      execution: `${executionNamePrefix('deprovision', ref)}-d1`,
      stateMachineArn: PROVISION_ARN,
      cancel: {
        settled: false,
        requestedFor: 7,
        requestedAt,
        waitSeconds: 300,
        stoppedExecutions: ['p'],
        continueAsNew: true,
      },
    });
    expect(h.sfn.executions.get(started.executionName)?.input).toEqual({
      ref,
      deletionTimestamp: requestedAt,
      cancel: { requestedFor: 7, requestedAt },
    });
  });

  it('a cancel-wait that never asked (a launch in flight) carries no cancel', async () => {
    const h = harness();
    const ref = h.create('vm');
    const started = await continueAsNew(h.ctx, {
      ref,
      execution: `${executionNamePrefix('deprovision', ref)}-d1`,
      stateMachineArn: PROVISION_ARN,
      cancel: { settled: false, waitSeconds: 5, continueAsNew: true },
    });
    expect(h.sfn.executions.get(started.executionName)?.input).toEqual({ ref });
  });
});
