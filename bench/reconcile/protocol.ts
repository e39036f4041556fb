import type { ReconcileReport } from '../../lib/reconcile';
import type { CpuProfile } from '../support/cpu-profile';

/** Messages between the reconcile benchmark, its world process and its handler runner. */

export interface WorldEndpoints {
  clusters: Array<{ id: string; url: string; token: string }>;
  sfnEndpoint: string;
  aap: { url: string; token: string };
}

export type WorldCommand =
  | { cmd: 'populate'; size: number }
  | { cmd: 'resetCounters' }
  | { cmd: 'counters' }
  | { cmd: 'close' };

/** What the world served since the counters were last reset. */
export interface Counters {
  kubeRequestsPerCluster: number[];
  aapJobLists: number;
  aapRequests: number;
  sfn: Record<string, number>;
  /** Epoch ms of the last request any API server saw: the listing phase ends there. */
  lastKubeRequestMs: number | undefined;
  aapRequestsMs: { first: number; last: number } | undefined;
}

export type RunnerCommand = { cmd: 'run'; profile: boolean } | { cmd: 'exit' };

export interface RunResult {
  /** Epoch ms (this machine's clock, shared with the world) when the invocation began and ended. */
  startedAtMs: number;
  endedAtMs: number;
  wallMs: number;
  cpuMs: number;
  /** Largest heapUsed sampled every 5 ms during the invocation. */
  heapPeakMB: number;
  /** The process's peak resident memory so far: what Lambda reports as Max Memory Used. */
  maxRssMB: number;
  report: ReconcileReport;
  profile?: CpuProfile;
}

export type RunnerMessage =
  | { kind: 'ready'; loadMs: number; maxRssMB: number }
  | { kind: 'ran'; result: RunResult }
  | { kind: 'failed'; error: string };
