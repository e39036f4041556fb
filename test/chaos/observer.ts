import type { ChangeEvent } from '../../forwarder/src';
import { type ComputeInstance, desiredConfigVersion, latestJob, parseComputeInstance } from '../../lib/computeinstance';
import { isTerminalJobState } from '../../lib/domain/job-state';
import type { AapSimulator, JobView } from '../../local/aap-simulator';
import type { Moment } from './plan';

/**
 * What the lifecycles look at to time their steps: the objects as the cluster's watch reports them, and AAP's jobs
 * as the simulator's world holds them (read at most once per `jobsMaxAgeMs`, shared by every lifecycle).
 */
export class Observer {
  private readonly objects = new Map<string, ComputeInstance>();
  /** Uids the watch reported deleted. */
  private readonly deleted = new Set<string>();
  private jobsCache: { at: number; jobs: JobView[] } | undefined;

  constructor(
    private readonly aap: AapSimulator,
    private readonly jobsMaxAgeMs = 25,
  ) {}

  /** Fed by the watch, in order. */
  apply(event: ChangeEvent): void {
    const name = event.object.metadata.name;
    if (event.type === 'DELETED') {
      this.deleted.add(event.object.metadata.uid);
      const known = this.objects.get(name);
      if (known?.metadata.uid === event.object.metadata.uid) this.objects.delete(name);
      return;
    }
    try {
      this.objects.set(name, parseComputeInstance(event.object));
    } catch {
      // An object our schema refuses is the intake's concern (it answers 400 and the channel counts it).
    }
  }

  instance(name: string, uid: string): ComputeInstance | undefined {
    const instance = this.objects.get(name);
    return instance?.metadata.uid === uid ? instance : undefined;
  }

  jobs(): JobView[] {
    const now = Date.now();
    if (this.jobsCache === undefined || now - this.jobsCache.at > this.jobsMaxAgeMs) {
      this.jobsCache = { at: now, jobs: this.aap.world.jobs() };
    }
    return this.jobsCache.jobs;
  }

  /**
   * Has `moment` come for this object? A deleted object has nothing more to wait for: true. One the watch has not
   * reported yet (just created) has not reached anything.
   */
  reached(moment: Moment, name: string, uid: string): boolean {
    const instance = this.instance(name, uid);
    if (instance === undefined) return this.deleted.has(uid);
    const provisionJobs = () => this.jobs().filter((job) => job.uid === uid && job.effect === 'create-vm');
    switch (moment) {
      case 'launch-in-flight': {
        const latest = latestJob(instance.status?.provisioningJobs, 'provision');
        return latest !== undefined && !isTerminalJobState(latest.state);
      }
      case 'job-running':
        return provisionJobs().some((job) => job.status === 'running');
      case 'provisioned': {
        const latest = latestJob(instance.status?.provisioningJobs, 'provision');
        return latest?.state === 'Succeeded' && latest.configVersion === desiredConfigVersion(instance.spec);
      }
      case 'cancel-in-flight':
        return provisionJobs().some(
          (job) => job.cancelRequested && ['pending', 'waiting', 'running'].includes(job.status),
        );
    }
  }
}
