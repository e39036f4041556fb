import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { ReconcileReport } from '../../lib/reconcile';
import { ACCOUNT_ID, lambdaContext } from '../gateway';

/** serverless.yml gives the reconcile function 300 s. */
const RECONCILE_TIMEOUT_MS = 300_000;

export interface Reconciler {
  readonly intervalMs: number;
  /** Clears the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

type ReconcileHandler = (event: unknown, context: Context) => Promise<ReconcileReport>;

/**
 * The EventBridge schedule, in-process: the reconcile function runs every `intervalMs`, never two runs at once (the
 * next is scheduled when one ends).
 */
export function scheduleReconciler(options: {
  handler: ReconcileHandler;
  /** The deployed name, which the Lambda context carries. */
  functionName: string;
  /** Real milliseconds between the end of one run and the start of the next. */
  intervalMs: number;
  onReport: (report: ReconcileReport) => void;
  onError: (error: unknown) => void;
}): Reconciler {
  const { handler, intervalMs, onReport, onError } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = async () => {
    const requestId = randomUUID();
    const event = {
      version: '0',
      id: requestId,
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: new Date().toISOString(),
      region: process.env.AWS_REGION ?? 'us-east-1',
      resources: [],
      detail: {},
    };
    try {
      onReport(await handler(event, lambdaContext(options.functionName, requestId, RECONCILE_TIMEOUT_MS)));
    } catch (error) {
      onError(error);
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce().finally(() => {
        running = undefined;
        schedule();
      });
    }, intervalMs);
  };
  schedule();
  return {
    intervalMs,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** One line when a run had to start something or failed somewhere; a run that found all in order says nothing. */
export function describeReconcileReport(report: ReconcileReport): string | undefined {
  const { provision, deprovision } = report.started;
  if (provision + deprovision + report.restarted + report.errors === 0) return undefined;
  const failed = report.failedClusters.length ? ` (unreachable: ${report.failedClusters.join(', ')})` : '';
  return `reconciler: ${report.instances} instances; started ${provision} provision, ${deprovision} deprovision, ${report.restarted} retries; ${report.errors} errors${failed}`;
}
