import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { handler as reconcileHandler } from '../../functions/reconcile';
import type { ReconcileReport } from '../../lib/reconcile';
import { lambdaContext } from '../../local/gateway';

const FUNCTION_NAME = 'cloudkit-provisioner-local-reconcile';

/** The EventBridge schedule of the reconcile function, in simulated time; `runNow()` for the settle phase. */
export class ReconcilerSchedule {
  readonly totals = { runs: 0, started: 0, restarted: 0, errors: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    const tick = () => {
      if (this.stopped) return;
      void this.runNow().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, this.intervalMs);
  }

  /** One run of the real handler; never two at once. */
  runNow(): Promise<void> {
    this.running ??= (async () => {
      const requestId = randomUUID();
      const event = { source: 'aws.events', 'detail-type': 'Scheduled Event', id: requestId, detail: {} };
      const context: Context = lambdaContext(FUNCTION_NAME, requestId, 300_000);
      try {
        const report: ReconcileReport = await reconcileHandler(event, context);
        this.totals.started += report.started.provision + report.started.deprovision;
        this.totals.restarted += report.restarted;
        this.totals.errors += report.errors;
      } catch {
        // A run that fails outright (the API server restarting) is retried by the next tick, as on AWS.
        this.totals.errors++;
      } finally {
        this.totals.runs++;
        this.running = undefined;
      }
    })();
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
