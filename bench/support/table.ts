/**
 * Tables as GitHub-flavoured Markdown with padded columns: readable in a terminal and pasted as is into the README.
 */
export interface Column {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
}

export type Cell = string | number;

export interface Table {
  title: string;
  columns: readonly Column[];
  rows: ReadonlyArray<readonly Cell[]>;
  /** Printed under the table: what a reader needs to read it right. */
  notes?: readonly string[];
}

/** A number with `digits` decimals; '–' for what was not measured (NaN, undefined). */
export function fixed(value: number | undefined, digits = 1): string {
  return value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits);
}

/** Whole numbers with thousands separators: 10000 → 10,000. */
export function count(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? '–' : Math.round(value).toLocaleString('en-US');
}

export function kilobytes(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

/** Seconds as the cells read them: `10 s`, `1 min`, `2 h`. */
export function duration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

const escapeCell = (cell: Cell) => String(cell).replace(/\|/g, '\\|');

export function renderTable(table: Table): string {
  const width = table.columns.length;
  for (const [index, row] of table.rows.entries()) {
    if (row.length !== width) {
      throw new Error(`table "${table.title}": row ${index} has ${row.length} cells for ${width} columns`);
    }
  }
  const cells = table.rows.map((row) => row.map(escapeCell));
  const widths = table.columns.map((column, i) =>
    Math.max(3, column.header.length, ...cells.map((row) => (row[i] as string).length)),
  );
  const pad = (text: string, i: number) => {
    const w = widths[i] as number;
    return table.columns[i]?.align === 'right' ? text.padStart(w) : text.padEnd(w);
  };
  const line = (texts: readonly string[]) => `| ${texts.map(pad).join(' | ')} |`;
  const rule = `|${table.columns
    .map((column, i) => {
      const dashes = '-'.repeat(widths[i] as number);
      return column.align === 'right' ? ` ${dashes.slice(1)}: ` : ` ${dashes} `;
    })
    .join('|')}|`;
  const lines = [`### ${table.title}`, '', line(table.columns.map((c) => c.header)), rule, ...cells.map(line)];
  if (table.notes && table.notes.length > 0) lines.push('', ...table.notes.map((note) => `- ${note}`));
  return lines.join('\n');
}
