import {
  applyStatusPatch,
  type ComputeInstance,
  type ComputeInstanceStatus,
  type Condition,
  desiredConfigVersion,
  findCondition,
  formatMetaTime,
  MAX_JOB_MESSAGE_LENGTH,
  type NextAction,
  nextAction,
  onDeprovisionFinished,
  onDeprovisionStarted,
  onJobLaunched,
  onJobProgress,
  onLaunchFailed,
  onProvisionFinished,
  onProvisionLaunchIntent,
  onWorkStalled,
  type ProvisioningJob,
  parseComputeInstance,
  type StatusPatch,
} from '../../lib/computeinstance';
import type { JobState } from '../../lib/domain/job-state';
import { baseSpec, type InstanceOptions, job, MINUTE, makeInstance, minutesAgo, NOW } from './fixtures';

const NOW_TEXT = '2026-03-20T12:00:00Z';
const A = desiredConfigVersion(baseSpec());
const HALTED = desiredConfigVersion(baseSpec({ runStrategy: 'Halted' }));
const REQUESTED = '2026-03-20T11:50:00Z';
const WITH_RESTART = desiredConfigVersion(baseSpec({ restartRequestedAt: REQUESTED }));
const IN_2099 = '2099-01-01T00:00:00Z';
const WITH_2099 = desiredConfigVersion(baseSpec({ restartRequestedAt: IN_2099 }));

const later = (minutes: number) => new Date(NOW.getTime() + minutes * MINUTE);
const condition = (patch: StatusPatch, type: string) => findCondition(patch.conditions, type);
const summary = (patch: StatusPatch, type: string) => {
  const found = condition(patch, type);
  return found === undefined ? undefined : `${found.status}/${found.reason}`;
};
const entry = (patch: StatusPatch, jobID: string) => patch.provisioningJobs?.find((j) => j.jobID === jobID);

/** A provision job 1500 launched 3 minutes ago for `configVersion`, still running. */
const runningProvision = (configVersion = A) =>
  job('provision', 'Running', { jobID: '1500', at: minutesAgo(3), configVersion, message: 'running' });

describe('onProvisionLaunchIntent', () => {
  it('records the intent on a new instance, before anything else has happened', () => {
    const patch = onProvisionLaunchIntent(makeInstance(), { now: NOW, configVersion: A, executionName: 'exec-1' });
    expect(patch).toEqual({
      phase: 'Starting',
      desiredConfigVersion: A,
      conditions: [
        {
          type: 'ConfigurationApplied',
          status: 'False',
          reason: 'ApplyingConfiguration',
          message: `Applying configuration ${A}`,
          lastTransitionTime: NOW_TEXT,
          observedGeneration: 1,
        },
        {
          type: 'Provisioned',
          status: 'False',
          reason: 'Initialized',
          message: '',
          lastTransitionTime: NOW_TEXT,
          observedGeneration: 1,
        },
        {
          type: 'RestartInProgress',
          status: 'False',
          reason: 'AsExpected',
          message: '',
          lastTransitionTime: NOW_TEXT,
          observedGeneration: 1,
        },
      ],
      provisioningJobs: [
        {
          jobID: '',
          type: 'provision',
          timestamp: NOW_TEXT,
          state: 'Pending',
          message: 'Launching provision job (execution exec-1)',
          configVersion: A,
        },
      ],
    });
  });

  it.each<[string, InstanceOptions, string, string | undefined, string]>([
    [
      'a re-provision keeps Running',
      { status: { phase: 'Running' }, jobs: [job('provision', 'Succeeded')] },
      A,
      'Running',
      'False/AsExpected',
    ],
    [
      'a retry after a first failure keeps Failed',
      { status: { phase: 'Failed' }, jobs: [job('provision', 'Failed')] },
      A,
      'Failed',
      'False/AsExpected',
    ],
    [
      'a Halted instance keeps Stopped',
      { spec: { runStrategy: 'Halted' }, status: { phase: 'Stopped' } },
      HALTED,
      'Stopped',
      'False/AsExpected',
    ],
    [
      'a pending restart is under way',
      { spec: { restartRequestedAt: REQUESTED } },
      WITH_RESTART,
      'Starting',
      'True/RestartInProgress',
    ],
    [
      'a restart requested in 2099 is refused, not started',
      { spec: { restartRequestedAt: IN_2099 } },
      WITH_2099,
      'Starting',
      'False/RestartRequestedInFuture',
    ],
    [
      'a genuine request after a 2099 lastRestartedAt (the old bug) is under way',
      { spec: { restartRequestedAt: REQUESTED }, status: { phase: 'Running', lastRestartedAt: IN_2099 } },
      WITH_RESTART,
      'Running',
      'True/RestartInProgress',
    ],
  ])('%s', (_case, given, configVersion, phase, restart) => {
    const patch = onProvisionLaunchIntent(makeInstance(given), { now: NOW, configVersion, executionName: 'exec-2' });
    expect(patch.phase).toBe(phase);
    expect(summary(patch, 'RestartInProgress')).toBe(restart);
    expect(patch.provisioningJobs?.at(-1)).toMatchObject({ jobID: '', configVersion });
  });

  it('says since when a restart is under way', () => {
    const instance = makeInstance({ spec: { restartRequestedAt: REQUESTED } });
    const patch = onProvisionLaunchIntent(instance, { now: NOW, configVersion: WITH_RESTART, executionName: 'e' });
    expect(condition(patch, 'RestartInProgress')?.message).toBe(`Restart initiated at ${NOW_TEXT}`);
  });

  it('writes its timestamps without milliseconds', () => {
    const patch = onProvisionLaunchIntent(makeInstance(), {
      now: new Date('2026-03-20T12:00:00.987Z'),
      configVersion: A,
      executionName: 'e',
    });
    expect(patch.provisioningJobs?.[0]?.timestamp).toBe(NOW_TEXT);
    expect(patch.conditions?.every((c) => c.lastTransitionTime === NOW_TEXT)).toBe(true);
  });

  it('bounds the history', () => {
    const jobs = Array.from({ length: 4 }, (_, i) => job('provision', 'Failed', { at: minutesAgo(50 - i) }));
    const patch = onProvisionLaunchIntent(makeInstance({ jobs }), {
      now: NOW,
      configVersion: A,
      executionName: 'e',
      maxHistory: 3,
    });
    expect(patch.provisioningJobs).toEqual([jobs[2], jobs[3], expect.objectContaining({ jobID: '' })]);
  });

  it.each<[string, InstanceOptions, string, RegExp]>([
    [
      'the instance is being deleted',
      { deleting: true },
      A,
      /vm-7fk2p is being deleted: no provision job may be launched/,
    ],
    [
      'the spec changed since the decision',
      { spec: { runStrategy: 'Halted' } },
      A,
      /is now at config version .*, not .*; decide again/,
    ],
    ['a provision job is still running', { jobs: [runningProvision()] }, A, /provision job 1500 is still Running/],
    [
      'a provision launch is in flight',
      { jobs: [job('provision', 'Pending', { jobID: '', at: minutesAgo(1) })] },
      A,
      /a provision launch of .* is already in flight/,
    ],
  ])('refuses when %s', (_case, given, configVersion, message) => {
    expect(() => onProvisionLaunchIntent(makeInstance(given), { now: NOW, configVersion, executionName: 'e' })).toThrow(
      message,
    );
  });
});

describe('onJobLaunched', () => {
  const intentAt = minutesAgo(1);
  const withIntent = makeInstance({
    jobs: [
      job('provision', 'Pending', { jobID: '', at: intentAt, configVersion: A, message: 'Launching provision job' }),
    ],
  });

  it.each<[string, 'provision' | 'deprovision', string]>([['provision', 'provision', 'Provisioning job triggered']])(
    'gives the %s intent its id and the launch message',
    (_case, type, message) => {
      const patch = onJobLaunched(withIntent, { intentTimestamp: intentAt, jobID: '1500', type });
      expect(patch).toEqual({
        provisioningJobs: [{ jobID: '1500', type, timestamp: intentAt, state: 'Pending', message, configVersion: A }],
      });
    },
  );

  it('gives the deprovision intent its id and the launch message', () => {
    const instance = makeInstance({
      deleting: true,
      jobs: [job('deprovision', 'Pending', { jobID: '', at: intentAt })],
    });
    const patch = onJobLaunched(instance, { intentTimestamp: intentAt, jobID: '1600', type: 'deprovision' });
    expect(entry(patch, '1600')?.message).toBe('Deprovision job triggered');
  });

  it('changes nothing when repeated after the first write went through and a poll moved on', () => {
    const launched = applyStatusPatch(
      withIntent,
      onJobLaunched(withIntent, { intentTimestamp: intentAt, jobID: '1500', type: 'provision' }),
    );
    const polled = applyStatusPatch(
      launched,
      onJobProgress(launched, { jobID: '1500', type: 'provision', state: 'Running', message: 'running', now: NOW }),
    );
    const again = onJobLaunched(polled, { intentTimestamp: intentAt, jobID: '1500', type: 'provision' });
    expect(again.provisioningJobs).toEqual(polled.status?.provisioningJobs);
  });
});

describe('onJobProgress', () => {
  const instance = makeInstance({ jobs: [runningProvision()] });

  it.each<[string, JobState, string, string | undefined, Partial<ProvisioningJob>]>([
    ['pending → waiting', 'Waiting', 'waiting', undefined, { state: 'Waiting', message: 'waiting' }],
    ['an unmapped AAP status', 'Unknown', 'new', undefined, { state: 'Unknown', message: 'new' }],
    ['no change', 'Running', 'running', undefined, { state: 'Running', message: 'running' }],
    ['an error detail on a non-failure is not appended', 'Running', 'running', 'noise', { message: 'running' }],
  ])('%s', (_case, state, message, errorDetail, expected) => {
    const patch = onJobProgress(instance, { jobID: '1500', type: 'provision', state, message, errorDetail, now: NOW });
    expect(Object.keys(patch)).toEqual(['provisioningJobs']);
    expect(entry(patch, '1500')).toMatchObject(expected);
  });

  it.each<[string, JobState, string, Partial<StatusPatch>]>([
    ['a success finishes the provision', 'Succeeded', 'successful', { phase: 'Running' }],
    ['a failure finishes the provision', 'Failed', 'failed', { phase: 'Failed' }],
  ])('%s', (_case, state, message, expected) => {
    const patch = onJobProgress(instance, { jobID: '1500', type: 'provision', state, message, now: NOW });
    expect(patch).toMatchObject(expected);
    expect(entry(patch, '1500')?.state).toBe(state);
  });

  it.each<[string, string, 'provision' | 'deprovision', RegExp]>([
    ['an unknown job', '9999', 'provision', /provision job 9999 is not in status.provisioningJobs/],
    ['a job of the other type', '1500', 'deprovision', /job 1500 is a provision job, not a deprovision job/],
  ])('rejects %s', (_case, jobID, type, message) => {
    expect(() => onJobProgress(instance, { jobID, type, state: 'Running', message: 'running', now: NOW })).toThrow(
      message,
    );
  });
});

describe('onProvisionFinished', () => {
  interface Row {
    case: string;
    given: InstanceOptions;
    state: JobState;
    errorDetail?: string;
    expected: {
      phase: string | undefined;
      configurationApplied: string;
      provisioned: string;
      restart: string;
      lastRestartedAt?: string;
      jobMessage: string;
    };
  }

  const firstJob = [runningProvision()];
  const afterSuccess = [job('provision', 'Succeeded', { at: minutesAgo(60), configVersion: 'v0' }), runningProvision()];
  const restartPending = {
    spec: { restartRequestedAt: REQUESTED },
    status: {
      phase: 'Running',
      lastRestartedAt: '2026-03-19T08:00:00Z',
      conditions: [
        {
          type: 'RestartInProgress',
          status: 'True',
          reason: 'RestartInProgress',
          message: `Restart initiated at ${minutesAgo(3)}`,
          lastTransitionTime: minutesAgo(3),
        },
      ] satisfies Condition[],
    },
  } satisfies InstanceOptions;

  const ROWS: Row[] = [
    {
      case: 'first success',
      given: { jobs: firstJob },
      state: 'Succeeded',
      expected: {
        phase: 'Running',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/AsExpected',
        jobMessage: 'successful',
      },
    },
    {
      case: 'success of a Halted instance',
      given: { spec: { runStrategy: 'Halted' }, jobs: [runningProvision(HALTED)] },
      state: 'Succeeded',
      expected: {
        phase: 'Stopped',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/AsExpected',
        jobMessage: 'successful',
      },
    },
    {
      case: 'success, but the spec changed while the job ran',
      given: { spec: { runStrategy: 'Halted' }, jobs: firstJob },
      state: 'Succeeded',
      expected: {
        phase: 'Stopped',
        configurationApplied: 'False/ConfigurationChanged',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/Initialized',
        jobMessage: 'successful',
      },
    },
    {
      case: 'success of a restart',
      given: { ...restartPending, jobs: [runningProvision(WITH_RESTART)] },
      state: 'Succeeded',
      expected: {
        phase: 'Running',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/AsExpected',
        lastRestartedAt: REQUESTED,
        jobMessage: 'successful',
      },
    },
    {
      case: 'success with a restart requested in 2099: not recorded, the condition says why',
      given: { ...restartPending, spec: { restartRequestedAt: IN_2099 }, jobs: [runningProvision(WITH_2099)] },
      state: 'Succeeded',
      expected: {
        phase: 'Running',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/RestartRequestedInFuture',
        lastRestartedAt: '2026-03-19T08:00:00Z',
        jobMessage: 'successful',
      },
    },
    {
      case: 'success of a genuine restart after the old bug recorded 2099',
      given: {
        ...restartPending,
        status: { ...restartPending.status, lastRestartedAt: IN_2099 },
        jobs: [runningProvision(WITH_RESTART)],
      },
      state: 'Succeeded',
      expected: {
        phase: 'Running',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/AsExpected',
        lastRestartedAt: REQUESTED,
        jobMessage: 'successful',
      },
    },
    {
      case: 'success of an older spec while a restart is pending: the restart is not claimed',
      given: { ...restartPending, jobs: [runningProvision(A)] },
      state: 'Succeeded',
      expected: {
        phase: 'Running',
        configurationApplied: 'False/ConfigurationChanged',
        provisioned: 'True/InfrastructureReady',
        restart: 'True/RestartInProgress',
        jobMessage: 'successful',
      },
    },
    {
      case: 'first failure',
      given: { jobs: firstJob },
      state: 'Failed',
      errorDetail: 'Traceback: no storage class for tenant-acme',
      expected: {
        phase: 'Failed',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'False/Initialized',
        jobMessage: 'failed: Traceback: no storage class for tenant-acme',
      },
    },
    {
      case: 'failure of a re-provision keeps the phase',
      given: { status: { phase: 'Running' }, jobs: afterSuccess },
      state: 'Failed',
      expected: {
        phase: 'Running',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'False/Initialized',
        jobMessage: 'failed',
      },
    },
    {
      case: 'failure with a VM already made (history trimmed) keeps the phase',
      given: {
        status: {
          phase: 'Starting',
          virtualMachineReference: { namespace: 'subnet-web', kubeVirtVirtualMachineName: 'vm-7fk2p' },
        },
        jobs: firstJob,
      },
      state: 'Failed',
      expected: {
        phase: 'Starting',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'False/Initialized',
        jobMessage: 'failed',
      },
    },
    {
      case: 'first provision canceled',
      given: { jobs: firstJob },
      state: 'Canceled',
      errorDetail: 'ignored: only failures carry a detail',
      expected: {
        phase: 'Failed',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'False/Initialized',
        jobMessage: 'canceled',
      },
    },
    {
      case: 'failure of a restart: still under way, not recorded as done',
      given: { ...restartPending, jobs: [runningProvision(WITH_RESTART)] },
      state: 'Failed',
      expected: {
        phase: 'Running',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'True/RestartInProgress',
        jobMessage: 'failed',
      },
    },
    {
      case: 'failure while being deleted',
      given: { deleting: true, jobs: firstJob },
      state: 'Canceled',
      expected: {
        phase: 'Deleting',
        configurationApplied: 'False/ProvisioningFailed',
        provisioned: 'False/ProvisioningFailed',
        restart: 'False/Initialized',
        jobMessage: 'canceled',
      },
    },
    {
      case: 'success while being deleted',
      given: { deleting: true, jobs: firstJob },
      state: 'Succeeded',
      expected: {
        phase: 'Deleting',
        configurationApplied: 'True/AsExpected',
        provisioned: 'True/InfrastructureReady',
        restart: 'False/AsExpected',
        jobMessage: 'successful',
      },
    },
  ];

  it.each(ROWS)('$case', ({ given, state, errorDetail, expected }) => {
    const instance = makeInstance(given);
    const patch = onProvisionFinished(instance, { jobID: '1500', state, errorDetail, now: NOW });
    expect({
      phase: patch.phase,
      configurationApplied: summary(patch, 'ConfigurationApplied'),
      provisioned: summary(patch, 'Provisioned'),
      restart: summary(patch, 'RestartInProgress'),
      lastRestartedAt: patch.lastRestartedAt,
      jobMessage: entry(patch, '1500')?.message,
    }).toEqual(expected);
    expect(entry(patch, '1500')?.state).toBe(state);
    expect(patch.desiredConfigVersion).toBe(desiredConfigVersion(instance.spec));
    // Every patch leaves a resource the API server would accept.
    expect(() => parseComputeInstance(applyStatusPatch(instance, patch))).not.toThrow();
  });

  it.each<[string, { message?: string; errorDetail: string }, (patch: StatusPatch) => unknown, unknown]>([
    [
      'puts the job and its detail into the Provisioned message',
      { errorDetail: 'no storage class' },
      (patch) => condition(patch, 'Provisioned')?.message,
      'Provision job 1500 failed (failed: no storage class)',
    ],
    [
      'uses the AAP status string it is given',
      { message: 'error', errorDetail: 'EE image pull failed' },
      (patch) => entry(patch, '1500')?.message,
      'error: EE image pull failed',
    ],
    [
      'bounds a long traceback',
      { errorDetail: 'x'.repeat(100_000) },
      (patch) => entry(patch, '1500')?.message?.length,
      MAX_JOB_MESSAGE_LENGTH,
    ],
  ])('%s', (_case, failure, read, expected) => {
    const patch = onProvisionFinished(makeInstance({ jobs: firstJob }), {
      jobID: '1500',
      state: 'Failed',
      ...failure,
      now: NOW,
    });
    expect(read(patch)).toEqual(expected);
  });

  it('is stable when reported twice: conditions keep their transition time', () => {
    const instance = makeInstance({ jobs: firstJob });
    const first = onProvisionFinished(instance, { jobID: '1500', state: 'Succeeded', now: NOW });
    const second = onProvisionFinished(applyStatusPatch(instance, first), {
      jobID: '1500',
      state: 'Succeeded',
      now: later(5),
    });
    expect(second).toEqual(first);
  });

  it.each<[string, string, JobState, RegExp]>([
    ['a non-terminal state', '1500', 'Running', /expected a terminal job state, got Running/],
    ['an unknown job', '1501', 'Succeeded', /provision job 1501 is not in status.provisioningJobs/],
  ])('rejects %s', (_case, jobID, state, message) => {
    expect(() => onProvisionFinished(makeInstance({ jobs: firstJob }), { jobID, state, now: NOW })).toThrow(message);
  });
});

describe('onLaunchFailed', () => {
  const at = minutesAgo(0.5);

  it('turns a provision intent into a failure that backs off', () => {
    const instance = makeInstance({ jobs: [job('provision', 'Pending', { jobID: '', at, configVersion: A })] });
    const patch = onLaunchFailed(instance, {
      intentTimestamp: at,
      type: 'provision',
      errorDetail: 'HTTP 503',
      now: NOW,
    });
    expect(patch.provisioningJobs?.[0]).toMatchObject({
      jobID: '',
      state: 'Failed',
      message: 'launch failed: HTTP 503',
    });
    expect(patch.phase).toBe('Failed');
    expect(condition(patch, 'Provisioned')?.message).toBe(
      `Launch of provision job at ${at} failed (launch failed: HTTP 503)`,
    );
    expect(nextAction({ instance: applyStatusPatch(instance, patch), now: NOW })).toEqual({
      action: 'Backoff',
      jobType: 'provision',
      remainingMs: 1.5 * MINUTE,
      configVersion: A,
    });
  });

  it('turns a deprovision intent into a failure that blocks deletion and backs off', () => {
    const instance = makeInstance({
      deleting: true,
      jobs: [job('deprovision', 'Pending', { jobID: '', at, blockDeletionOnFailure: true })],
    });
    const patch = onLaunchFailed(instance, {
      intentTimestamp: at,
      type: 'deprovision',
      errorDetail: 'timeout',
      now: NOW,
    });
    expect(patch).toEqual({
      phase: 'Deleting',
      provisioningJobs: [expect.objectContaining({ state: 'Failed', message: 'launch failed: timeout' })],
    });
    expect(nextAction({ instance: applyStatusPatch(instance, patch), now: NOW })).toMatchObject({ action: 'Backoff' });
  });
});

describe('the launcher and the stale-intent recovery settling the same intent', () => {
  // Found by the chaos suite on a loaded machine: the launcher outlived LAUNCH_INTENT_TTL_SECONDS, so a second
  // execution's recovery settled the same intent. Each writer re-reads before it writes; the second must find the
  // first one's verdict and keep it, never fail the execution (nor the first write stand for a job AAP never got).
  const intentAt = minutesAgo(6);
  const afterTtl = later(1);
  const intent = job('provision', 'Pending', { jobID: '', at: intentAt, configVersion: A, message: 'Launching' });
  const withIntent = makeInstance({ status: { phase: 'Starting' }, jobs: [intent] });
  const write = (instance: ComputeInstance, patch: StatusPatch) =>
    parseComputeInstance(applyStatusPatch(instance, patch));
  const launched = (instance: ComputeInstance) =>
    onJobLaunched(instance, { intentTimestamp: intentAt, jobID: '1500', type: 'provision' });
  const launchFailed = (instance: ComputeInstance, errorDetail: string) =>
    onLaunchFailed(instance, { intentTimestamp: intentAt, type: 'provision', errorDetail, now: afterTtl });

  it('the launcher got the job id first: the recovery, finding no job yet, changes nothing', () => {
    const resolved = write(withIntent, launched(withIntent));
    const patch = launchFailed(resolved, 'the launch never reported back, and AAP holds no job for it');
    expect(patch).toEqual({ provisioningJobs: resolved.status?.provisioningJobs });
    expect(write(resolved, patch)).toEqual(resolved);
    expect(nextAction({ instance: resolved, now: afterTtl })).toEqual({
      action: 'Poll',
      jobType: 'provision',
      jobID: '1500',
    });
  });

  it('the recovery gave the intent up first: the launcher refused later keeps that verdict', () => {
    const abandoned = write(withIntent, launchFailed(withIntent, 'never reported back'));
    const patch = launchFailed(abandoned, 'HTTP 429');
    expect(write(abandoned, patch)).toEqual(abandoned);
    expect(abandoned.status?.provisioningJobs?.[0]?.message).toBe('launch failed: never reported back');
  });

  it('the recovery gave the intent up first, then AAP answered the launch: the job is recorded and followed', () => {
    const abandoned = write(withIntent, launchFailed(withIntent, 'never reported back'));
    // Left Failed, the next decision would launch a second job beside the one AAP created.
    expect(nextAction({ instance: abandoned, now: afterTtl })).toMatchObject({ action: 'Trigger' });
    const revived = write(abandoned, launched(abandoned));
    expect(revived.status?.provisioningJobs).toEqual([
      { ...intent, jobID: '1500', state: 'Pending', message: 'Provisioning job triggered' },
    ]);
    expect(nextAction({ instance: revived, now: afterTtl })).toEqual({
      action: 'Poll',
      jobType: 'provision',
      jobID: '1500',
    });
  });

  it('a newer job since: the late failure leaves its phase and conditions alone', () => {
    const newer = job('provision', 'Running', { jobID: '1501', at: minutesAgo(1), configVersion: A });
    const abandonedThenRelaunched = makeInstance({
      status: { phase: 'Running' },
      jobs: [{ ...intent, state: 'Failed', message: 'launch failed: never reported back' }, newer],
    });
    const patch = launchFailed(abandonedThenRelaunched, 'HTTP 400');
    expect(patch).toEqual({ provisioningJobs: abandonedThenRelaunched.status?.provisioningJobs });
  });
});

describe('onDeprovisionStarted', () => {
  it.each<[string, ProvisioningJob[]]>([
    ['with no job before', []],
    ['while a provision job still runs (it is cancelled next)', [runningProvision()]],
    ['after a failed deprovision', [job('deprovision', 'Failed', { blockDeletionOnFailure: true })]],
  ])('records phase Deleting and a deprovision intent %s', (_case, jobs) => {
    const patch = onDeprovisionStarted(makeInstance({ deleting: true, jobs }), NOW, { executionName: 'del-1' });
    expect(patch).toEqual({
      phase: 'Deleting',
      provisioningJobs: [
        ...jobs,
        {
          jobID: '',
          type: 'deprovision',
          timestamp: NOW_TEXT,
          state: 'Pending',
          message: 'Launching deprovision job (execution del-1)',
          blockDeletionOnFailure: true,
        },
      ],
    });
  });

  it.each<[string, InstanceOptions, RegExp]>([
    ['the instance is not being deleted', {}, /is not being deleted: no deprovision job may be launched/],
    [
      'a deprovision job is running',
      { deleting: true, jobs: [job('deprovision', 'Running', { jobID: '1600' })] },
      /deprovision job 1600 is still Running/,
    ],
  ])('refuses when %s', (_case, given, message) => {
    expect(() => onDeprovisionStarted(makeInstance(given), NOW)).toThrow(message);
  });
});

describe('onDeprovisionFinished', () => {
  const instance = makeInstance({
    deleting: true,
    status: { phase: 'Deleting' },
    jobs: [job('deprovision', 'Running', { jobID: '1600', blockDeletionOnFailure: true })],
  });

  it.each<[string, JobState, string | undefined, string, string | undefined]>([
    ['success', 'Succeeded', undefined, 'successful', 'False/Deprovisioned'],
    ['failure', 'Failed', 'VM delete timed out', 'failed: VM delete timed out', undefined],
    ['cancellation', 'Canceled', undefined, 'canceled', undefined],
  ])('%s', (_case, state, errorDetail, message, provisioned) => {
    const patch = onDeprovisionFinished(instance, { jobID: '1600', state, errorDetail, now: NOW });
    expect(patch.phase).toBe('Deleting');
    expect(entry(patch, '1600')).toMatchObject({ state, message, blockDeletionOnFailure: true });
    expect(summary(patch, 'Provisioned')).toBe(provisioned);
  });
});

describe('the whole lifecycle, decided and recorded by these functions alone', () => {
  /** Applies a patch the way the API server would, and checks the result is still a valid resource. */
  function write(instance: ComputeInstance, patch: StatusPatch): ComputeInstance {
    return parseComputeInstance(applyStatusPatch(instance, patch));
  }
  const decide = (instance: ComputeInstance, now = NOW): NextAction => nextAction({ instance, now });
  const status = (instance: ComputeInstance): ComputeInstanceStatus => instance.status ?? {};

  it('provisions, re-provisions on a spec change, and deletes with cancel-before-deprovision', () => {
    let ci = makeInstance();
    expect(decide(ci)).toEqual({ action: 'Trigger', configVersion: A, addFinalizer: false });

    ci = write(ci, onProvisionLaunchIntent(ci, { now: NOW, configVersion: A, executionName: 'p-1' }));
    expect(decide(ci)).toMatchObject({ action: 'WaitForLaunch', jobType: 'provision' });

    ci = write(ci, onJobLaunched(ci, { intentTimestamp: NOW_TEXT, jobID: '1500', type: 'provision' }));
    expect(decide(ci)).toEqual({ action: 'Poll', jobType: 'provision', jobID: '1500' });

    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1500', type: 'provision', state: 'Running', message: 'running', now: later(1) }),
    );
    expect(decide(ci, later(1))).toEqual({ action: 'Poll', jobType: 'provision', jobID: '1500' });

    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1500', type: 'provision', state: 'Succeeded', message: 'successful', now: later(4) }),
    );
    expect(decide(ci, later(4))).toMatchObject({ action: 'Skip' });
    expect(status(ci).phase).toBe('Running');

    // runStrategy → Halted: a new job at once.
    ci = { ...ci, spec: { ...ci.spec, runStrategy: 'Halted' } };
    expect(decide(ci, later(5))).toEqual({ action: 'Trigger', configVersion: HALTED, addFinalizer: false });
    ci = write(ci, onProvisionLaunchIntent(ci, { now: later(5), configVersion: HALTED, executionName: 'p-2' }));
    expect(status(ci).phase).toBe('Running');
    ci = write(ci, onJobLaunched(ci, { intentTimestamp: formatMetaTime(later(5)), jobID: '1501', type: 'provision' }));

    // Deleted while 1501 runs: cancel it, then deprovision.
    ci = { ...ci, metadata: { ...ci.metadata, deletionTimestamp: formatMetaTime(later(6)) } };
    expect(decide(ci, later(6))).toEqual({ action: 'Deprovision', cancelProvisionJobID: '1501' });
    ci = write(ci, onDeprovisionStarted(ci, later(6), { executionName: 'd-1' }));
    expect(status(ci).phase).toBe('Deleting');
    expect(decide(ci, later(6))).toMatchObject({ action: 'WaitForLaunch', jobType: 'deprovision' });

    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1501', type: 'provision', state: 'Canceled', message: 'canceled', now: later(7) }),
    );
    expect(status(ci).phase).toBe('Deleting');

    ci = write(
      ci,
      onJobLaunched(ci, { intentTimestamp: formatMetaTime(later(6)), jobID: '1600', type: 'deprovision' }),
    );
    expect(decide(ci, later(7))).toEqual({ action: 'Poll', jobType: 'deprovision', jobID: '1600' });

    ci = write(
      ci,
      onJobProgress(ci, {
        jobID: '1600',
        type: 'deprovision',
        state: 'Succeeded',
        message: 'successful',
        now: later(9),
      }),
    );
    expect(decide(ci, later(9))).toEqual({ action: 'RemoveFinalizer', reason: 'deprovision job 1600 succeeded' });
    expect(status(ci).provisioningJobs?.map((j) => `${j.jobID}:${j.type}:${j.state}`)).toEqual([
      '1500:provision:Succeeded',
      '1501:provision:Canceled',
      '1600:deprovision:Succeeded',
    ]);
  });

  it('restarts once per request, retries a failed restart after backoff, and ignores a request in the past', () => {
    let ci = makeInstance({
      status: { phase: 'Running', lastRestartedAt: '2026-03-19T08:00:00Z' },
      jobs: [job('provision', 'Succeeded', { jobID: '1400', at: minutesAgo(600), configVersion: A })],
    });
    ci = { ...ci, spec: { ...ci.spec, restartRequestedAt: REQUESTED } };
    expect(decide(ci)).toEqual({ action: 'Trigger', configVersion: WITH_RESTART, addFinalizer: false });

    ci = write(ci, onProvisionLaunchIntent(ci, { now: NOW, configVersion: WITH_RESTART, executionName: 'r-1' }));
    expect(findCondition(status(ci).conditions, 'RestartInProgress')?.status).toBe('True');
    ci = write(ci, onJobLaunched(ci, { intentTimestamp: NOW_TEXT, jobID: '1501', type: 'provision' }));
    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1501', type: 'provision', state: 'Failed', message: 'failed', now: later(1) }),
    );
    expect(findCondition(status(ci).conditions, 'RestartInProgress')?.status).toBe('True');
    expect(status(ci).lastRestartedAt).toBe('2026-03-19T08:00:00Z');
    expect(decide(ci, later(1))).toMatchObject({ action: 'Backoff', remainingMs: 1 * MINUTE });

    expect(decide(ci, later(2))).toEqual({ action: 'Trigger', configVersion: WITH_RESTART, addFinalizer: false });
    ci = write(ci, onProvisionLaunchIntent(ci, { now: later(2), configVersion: WITH_RESTART, executionName: 'r-2' }));
    ci = write(ci, onJobLaunched(ci, { intentTimestamp: formatMetaTime(later(2)), jobID: '1502', type: 'provision' }));
    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1502', type: 'provision', state: 'Succeeded', message: 'successful', now: later(4) }),
    );
    expect(status(ci).lastRestartedAt).toBe(REQUESTED);
    expect(findCondition(status(ci).conditions, 'RestartInProgress')?.status).toBe('False');
    expect(decide(ci, later(4))).toMatchObject({ action: 'Skip' });

    // A past timestamp changes the spec (so a job runs) but is no new restart request.
    ci = { ...ci, spec: { ...ci.spec, restartRequestedAt: '2020-01-01T00:00:00Z' } };
    const past = desiredConfigVersion(ci.spec);
    expect(decide(ci, later(5))).toEqual({ action: 'Trigger', configVersion: past, addFinalizer: false });
    ci = write(ci, onProvisionLaunchIntent(ci, { now: later(5), configVersion: past, executionName: 'r-3' }));
    expect(findCondition(status(ci).conditions, 'RestartInProgress')?.status).toBe('False');
    ci = write(ci, onJobLaunched(ci, { intentTimestamp: formatMetaTime(later(5)), jobID: '1503', type: 'provision' }));
    ci = write(
      ci,
      onJobProgress(ci, { jobID: '1503', type: 'provision', state: 'Succeeded', message: 'successful', now: later(7) }),
    );
    expect(status(ci).lastRestartedAt).toBe(REQUESTED);
  });
});

describe('onWorkStalled: the Stalled condition the reconciler writes', () => {
  const stalledCondition = (status: 'True' | 'False', message = 'deprovision: 3 executions ended') => ({
    type: 'Stalled',
    status,
    reason: status === 'True' ? 'ExecutionsFailing' : 'Recovered',
    message,
    lastTransitionTime: minutesAgo(10),
    observedGeneration: 1,
  });
  const withStalled = (status: 'True' | 'False', message?: string) =>
    makeInstance({ status: { conditions: [stalledCondition(status, message)] } });

  it.each<[string, ReturnType<typeof makeInstance>, boolean, string, unknown]>([
    [
      'sets it on an instance that never had it',
      makeInstance(),
      true,
      'deprovision: 3 executions ended',
      { conditions: [expect.objectContaining({ type: 'Stalled', status: 'True', reason: 'ExecutionsFailing' })] },
    ],
    ['writes nothing when it already says so', withStalled('True'), true, 'deprovision: 3 executions ended', undefined],
    [
      'updates the message (next retry) without moving the transition time',
      withStalled('True'),
      true,
      'deprovision: 4 executions ended',
      {
        conditions: [
          expect.objectContaining({ message: 'deprovision: 4 executions ended', lastTransitionTime: minutesAgo(10) }),
        ],
      },
    ],
    [
      'clears it once the work is done',
      withStalled('True'),
      false,
      'done',
      { conditions: [expect.objectContaining({ status: 'False', reason: 'Recovered' })] },
    ],
    ['never adds a False one to an instance that never stalled', makeInstance(), false, 'done', undefined],
    ['writes nothing to clear it twice', withStalled('False'), false, 'done', undefined],
  ])('%s', (_label, instance, stalled, message, expected) => {
    expect(onWorkStalled(instance, { stalled, message, now: NOW })).toEqual(expected);
  });
});

describe('provisioningJobs[].target (CRD of 2026-08-22)', () => {
  it('is never set on the entries we write, and an entry that carries one keeps it through launch, poll and finish', () => {
    const intentAt = minutesAgo(1);
    const foreign = { ...job('provision', 'Succeeded', { jobID: '900', at: minutesAgo(30) }), target: 'fabric' };
    let instance = makeInstance({ jobs: [foreign] });
    instance = applyStatusPatch(
      instance,
      onProvisionLaunchIntent(instance, { now: new Date(intentAt), configVersion: A, executionName: 'e' }),
    );
    const intent = instance.status?.provisioningJobs?.at(-1);
    expect(intent?.jobID).toBe('');
    expect(intent).not.toHaveProperty('target');
    instance = {
      ...instance,
      status: {
        ...instance.status,
        provisioningJobs: instance.status?.provisioningJobs?.map((entry) =>
          entry.jobID === '' ? { ...entry, target: 'kept' } : entry,
        ),
      },
    };
    instance = applyStatusPatch(
      instance,
      onJobLaunched(instance, { intentTimestamp: intent?.timestamp ?? '', jobID: '1500', type: 'provision' }),
    );
    instance = applyStatusPatch(
      instance,
      onJobProgress(instance, { jobID: '1500', type: 'provision', state: 'Running', message: 'running', now: NOW }),
    );
    instance = applyStatusPatch(
      instance,
      onProvisionFinished(instance, { jobID: '1500', state: 'Succeeded', now: NOW }),
    );
    expect(instance.status?.provisioningJobs?.map((entry) => [entry.jobID, entry.state, entry.target])).toEqual([
      ['900', 'Succeeded', 'fabric'],
      ['1500', 'Succeeded', 'kept'],
    ]);
  });
});
