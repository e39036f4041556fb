import { fixed, type Table } from './table';

/**
 * A target the project set itself (e.g. "webhook p99 ≤ 5 ms") and what a run measured against it. A miss is
 * reported with its size and a reason; nothing here fails the run, because a benchmark's job is to say.
 */
export interface Target {
  /** The target as the brief states it. */
  name: string;
  /** Which figure of the run is compared. */
  measuredAs: string;
  direction: 'at-most' | 'at-least';
  limit: number;
  /** NaN when the run did not measure it (e.g. --quick). */
  measured: number;
  unit: string;
  /** Why it is missed, what else it depends on, what would change it. */
  note?: string;
  /** Decimals to show; 1 unless said. */
  digits?: number;
}

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetResult extends Target {
  verdict: Verdict;
  /** How far from the limit, in `unit`: positive = room to spare, negative = missed by that much. */
  margin: number;
  /** The same as a share of the limit (0.25 = 25 %). */
  marginRatio: number;
}

export function evaluateTarget(target: Target): TargetResult {
  if (Number.isNaN(target.measured)) {
    return { ...target, verdict: 'not measured', margin: Number.NaN, marginRatio: Number.NaN };
  }
  const margin = target.direction === 'at-most' ? target.limit - target.measured : target.measured - target.limit;
  return {
    ...target,
    verdict: margin >= 0 ? 'met' : 'missed',
    margin,
    marginRatio: target.limit === 0 ? Number.NaN : margin / Math.abs(target.limit),
  };
}

/** `met: 1.2 ms to spare (24 %)`, `missed by 3.0 s (60 % over)`. */
export function describeVerdict(result: TargetResult): string {
  if (result.verdict === 'not measured') return 'not measured in this run';
  const digits = result.digits ?? 1;
  const amount = `${fixed(Math.abs(result.margin), digits)} ${result.unit}`.trim();
  const share = Number.isNaN(result.marginRatio) ? '' : ` (${Math.round(Math.abs(result.marginRatio) * 100)} %`;
  if (result.verdict === 'met') return `met, ${amount} to spare${share ? `${share})` : ''}`;
  return `MISSED by ${amount}${share ? `${share} over)` : ''}`;
}

export function targetsTable(title: string, results: readonly TargetResult[]): Table {
  const sign = (r: TargetResult) => (r.direction === 'at-most' ? '≤' : '≥');
  return {
    title,
    columns: [
      { header: 'target' },
      { header: 'measured as' },
      { header: 'limit', align: 'right' },
      { header: 'measured', align: 'right' },
      { header: 'verdict' },
    ],
    rows: results.map((r) => [
      r.name,
      r.measuredAs,
      `${sign(r)} ${fixed(r.limit, r.digits ?? 1)} ${r.unit}`.trim(),
      `${fixed(r.measured, r.digits ?? 1)} ${r.unit}`.trim(),
      describeVerdict(r),
    ]),
    notes: results.filter((r) => r.note).map((r) => `${r.name}: ${r.note}`),
  };
}
