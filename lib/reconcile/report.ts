import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/** What one reconciliation run did; the handler returns it and publishes it as metrics. */
export interface ReconcileReport {
  /** Executions started under their first name (`-r0`): the webhook for them was lost or never sent. */
  started: { provision: number; deprovision: number };
  /** Retries (`-r<n>`) started because every earlier execution of the same work had ended. */
  restarted: number;
  /** Instances whose work already has a live execution (including one started by a webhook meanwhile). */
  alreadyRunning: number;
  /** Instances that need nothing: applied, unmanaged, backing off, or a job still running in AAP. */
  ignored: number;
  /**
   * Instances whose work is stalled: it needed `stalledAfterRetries` executions or more and still is not done. Each
   * is retried after a backoff (at most an hour) and carries `Stalled=True`; never given up.
   */
  stalled: number;
  /**
   * Instances that could not be reconciled (the `invalid` ones included), plus clusters that could not be listed
   * (see `failedClusters`).
   */
  errors: number;
  /**
   * Instances the API server holds but our schema refuses: nothing can be done for them until they are fixed. Each
   * gets the Unprocessable condition saying what is wrong; the metric has an alarm.
   */
  invalid: number;
  /** Job-list requests to AAP (`jobs/?id__in=…`, up to 200 ids each). */
  aapCalls: number;
  /** Instances listed across all clusters. */
  instances: number;
  /** Clusters listed completely. */
  clusters: number;
  /** Instances left for the next run: the cap on started executions (or the run's deadline) was reached. */
  capped: number;
  /** Ids of the clusters whose listing failed; their instances listed before the failure were still reconciled. */
  failedClusters: string[];
}

export function emptyReport(): ReconcileReport {
  return {
    started: { provision: 0, deprovision: 0 },
    restarted: 0,
    alreadyRunning: 0,
    ignored: 0,
    stalled: 0,
    errors: 0,
    invalid: 0,
    aapCalls: 0,
    instances: 0,
    clusters: 0,
    capped: 0,
    failedClusters: [],
  };
}

/** Powertools' Metrics, or anything with its addMetric. */
export interface MetricSink {
  addMetric(name: string, unit: Parameters<Metrics['addMetric']>[1], value: number): unknown;
}

/** The report as CloudWatch metrics, one per count, every run (zeros included, so alarms see a steady series). */
export function reportMetrics(report: ReconcileReport): Array<{ name: string; value: number }> {
  return [
    { name: 'ReconcileStartedProvision', value: report.started.provision },
    { name: 'ReconcileStartedDeprovision', value: report.started.deprovision },
    { name: 'ReconcileRestarted', value: report.restarted },
    { name: 'ReconcileAlreadyRunning', value: report.alreadyRunning },
    { name: 'ReconcileIgnored', value: report.ignored },
    { name: 'ReconcileErrors', value: report.errors },
    { name: 'ReconcileInvalidObjects', value: report.invalid },
    { name: 'ReconcileStalledWork', value: report.stalled },
    { name: 'ReconcileAapCalls', value: report.aapCalls },
    { name: 'ReconcileInstances', value: report.instances },
    { name: 'ReconcileClusters', value: report.clusters },
    { name: 'ReconcileClustersFailed', value: report.failedClusters.length },
    { name: 'ReconcileCapped', value: report.capped },
  ];
}

export function publishReport(sink: MetricSink, report: ReconcileReport): void {
  for (const { name, value } of reportMetrics(report)) sink.addMetric(name, MetricUnit.Count, value);
}
