import type { NotificationRecord } from '../../local/aap-simulator';
import type { InvariantRow } from './invariants';
import type { ChaosOptions } from './options';

/** The invariant table as fixed-width text: one row per invariant, then the details of every failed one. */
export function formatTable(rows: readonly InvariantRow[], detailLimit = 10): string {
  const header = ['invariant', 'value', 'expected', 'result'];
  const body = rows.map((row) => [row.invariant, row.value, row.expected, row.ok ? 'ok' : 'BREACH']);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => cells[column]?.length ?? 0)),
  );
  const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  const rule = `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`;
  const lines = [line(header), rule, ...body.map(line)];
  for (const row of rows) {
    if (row.ok || row.details.length === 0) continue;
    lines.push('', `${row.invariant}:`);
    for (const detail of row.details.slice(0, detailLimit)) lines.push(`  - ${detail}`);
    if (row.details.length > detailLimit) lines.push(`  … and ${row.details.length - detailLimit} more`);
  }
  return lines.join('\n');
}

/** The command that plays the same plan again (same lifecycles, same fault weather, same webhook fates). */
export function replayCommand(
  options: Pick<
    ChaosOptions,
    'seed' | 'lifecycles' | 'concurrency' | 'timeScale' | 'settleSeconds' | 'env' | 'notifications'
  >,
  profile: string,
): string {
  const quote = (text: string) => (/^[\w.:=/-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`);
  return [
    'npx tsx bench/chaos.ts',
    `--seed ${quote(options.seed)}`,
    `--lifecycles ${options.lifecycles}`,
    `--concurrency ${options.concurrency}`,
    `--time-scale ${options.timeScale}`,
    profile.startsWith("'") ? `--faults-json ${profile}` : `--faults ${profile}`,
    `--settle-seconds ${options.settleSeconds}`,
    // On is the default: only the polling-only run needs saying so.
    ...(options.notifications ? [] : ['--notifications off']),
    ...Object.entries(options.env).map(([key, value]) => `--env ${quote(`${key}=${value}`)}`),
  ].join(' ');
}

/** Delivered notifications that arrived (were answered) before one AAP created earlier: arrivals out of AAP's order. */
export function reorderedArrivals(
  records: readonly Pick<NotificationRecord, 'created' | 'modified' | 'status'>[],
): number {
  const delivered = records.filter((record) => record.status === 'successful').sort((a, b) => a.created - b.created);
  let count = 0;
  let latestArrival = Number.NEGATIVE_INFINITY;
  for (const record of delivered) {
    if (record.modified < latestArrival) count++;
    latestArrival = Math.max(latestArrival, record.modified);
  }
  return count;
}
