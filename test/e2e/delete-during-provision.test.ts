import type { ComputeInstance } from '../../lib/computeinstance';
import { type LocalStack, startLocalStack } from '../../local/stack';
import {
  aapJobsFor,
  ClusterClient,
  deletionInvariants,
  eventually,
  sfnClient,
  startDeprovision,
  startProvision,
  waitUntilGone,
} from './harness';

/**
 * The scenario the system this replaces got wrong for longest: the user deletes an instance while its provision job
 * is at some point of its life. Whatever the point, the provision job must end before exactly one deprovision job
 * starts, the object must go away, and the AAP simulator must hold no VM and have seen no overlap.
 */
type Moment =
  | 'before launch'
  | 'right after launch'
  | 'while running'
  | 'while the cancel is in flight'
  | 'slow cancel';

interface Case {
  moment: Moment;
  /** Virtual seconds the AAP simulator takes to turn a cancel request into `canceled`. */
  cancelDelaySeconds: number;
  /** When to delete, judged from the AAP simulator's view of the provision job. */
  ready: (stack: LocalStack, name: string) => boolean;
}

const provisionStatus = (stack: LocalStack, name: string) => aapJobsFor(stack, name).provision[0]?.status;

const cases: Case[] = [
  { moment: 'before launch', cancelDelaySeconds: 2, ready: () => true },
  {
    moment: 'right after launch',
    cancelDelaySeconds: 2,
    ready: (stack, name) => provisionStatus(stack, name) !== undefined,
  },
  {
    moment: 'while running',
    cancelDelaySeconds: 2,
    ready: (stack, name) => provisionStatus(stack, name) === 'running',
  },
  {
    moment: 'while the cancel is in flight',
    cancelDelaySeconds: 30,
    ready: (stack, name) => provisionStatus(stack, name) === 'running',
  },
  {
    // Deleted a minute into the run, well before the VM-creating task (5 min in): the cancel lands first, but it
    // takes AAP 4 min to stop the job, so the task is dispatched during the cancel and still creates the VM.
    // The margins leave our pipeline about 2 s of real time to get the cancel in, even on a loaded machine.
    moment: 'slow cancel',
    cancelDelaySeconds: 240,
    ready: (stack, name) => {
      const job = aapJobsFor(stack, name).provision[0];
      return job?.status === 'running' && job.startedAt !== null && stack.now().getTime() - job.startedAt > 60_000;
    },
  },
];

describe('delete during provision', () => {
  let stack: LocalStack;
  let cluster: ClusterClient;

  beforeAll(async () => {
    // A create job long enough (10 min, its VM created 5 min in) that every moment below falls inside it, even on
    // a slow machine.
    stack = await startLocalStack({
      timeScale: 0.01,
      templates: [
        {
          name: 'osac-create-compute-instance',
          effect: 'create-vm',
          durations: { pending: 2, waiting: 2, running: 600 },
        },
      ],
    });
    cluster = new ClusterClient(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(cases)(
    '$moment: the provision job ends before exactly one deprovision job, nothing is orphaned',
    async ({ moment, cancelDelaySeconds, ready }) => {
      stack.aap.setFaults({ cancelDelaySeconds });
      const name = `vm-${moment.replace(/\W+/g, '-')}`;
      const sfn = sfnClient(stack);
      const created = await cluster.create(name);
      const provision = await startProvision(stack, sfn, created);
      await eventually(async () => (ready(stack, name) ? true : undefined), { what: `${name}: ${moment}` });

      // What the webhook does on deletion: the API server marks the object, the deprovision workflow starts.
      await cluster.delete(name);
      const current: ComputeInstance | undefined = await cluster.get(name);
      if (current !== undefined) {
        const deprovision = await startDeprovision(stack, sfn, current);
        expect((await stack.sfn.settled(deprovision.executionArn)).status).toBe('SUCCEEDED');
      }
      await waitUntilGone(cluster, name);
      const provisionRecord = await stack.sfn.settled(provision.executionArn);
      expect(['SUCCEEDED', 'ABORTED']).toContain(provisionRecord.status);

      const outcome = deletionInvariants(stack, name);
      expect(outcome.violations).toEqual([]);
      expect(outcome.vmsLeft).toBe(0);
      expect(outcome.provisionEndedFirst).toBe(true);
      if (current === undefined) {
        // Deleted before our finalizer went on: the object went at once and no job may ever start for it.
        expect(outcome).toMatchObject({ provisionJobs: 0, deprovisionJobs: 0 });
      } else {
        expect(outcome.deprovisionJobs).toBe(1);
        expect(outcome.provisionJobs).toBeLessThanOrEqual(1);
      }
      if (moment === 'slow cancel') {
        // The dispatched task really did create the VM during the cancel; the deprovision job removed it.
        expect(aapJobsFor(stack, name).provision[0]).toMatchObject({ status: 'canceled', effectApplied: true });
      }
    },
  );
});
