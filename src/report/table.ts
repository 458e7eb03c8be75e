// A report table: rows x columns of cells, each holding the paper's value (or none) and ours (one
// value per seed). Written as markdown (people) and long-format CSV (tools).
import { createObjectCsvStringifier } from 'csv-writer';

export interface Cell {
  paper: number | null;
  /** Our values, one per run (seed); empty = not run. */
  ours: number[];
  /** Unit shown after numbers ('' for accuracies in %). */
  unit?: string;
}

export interface TableRow {
  label: string;
  cells: Cell[];
}

export interface Table {
  id: string;
  title: string;
  columns: string[];
  rows: TableRow[];
  notes: string[];
}

export interface Stats {
  mean: number;
  std: number;
  n: number;
}

export function stats(values: readonly number[]): Stats | null {
  if (values.length === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.length > 1 ? values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1) : 0;
  return { mean, std: Math.sqrt(variance), n: values.length };
}

export function formatCell(cell: Cell): string {
  const unit = cell.unit ?? '';
  const paper = cell.paper === null ? '—' : `${cell.paper.toFixed(2)}${unit}`;
  const s = stats(cell.ours);
  if (!s) return `${paper} / not run`;
  const ours = s.n > 1 ? `${s.mean.toFixed(2)} ± ${s.std.toFixed(2)}${unit} (n=${s.n})` : `${s.mean.toFixed(2)}${unit}`;
  const diff = cell.paper === null ? '' : ` (${s.mean - cell.paper >= 0 ? '+' : ''}${(s.mean - cell.paper).toFixed(2)})`;
  return `${paper} / ${ours}${diff}`;
}

export function toMarkdown(table: Table): string {
  const lines = [`## ${table.title}`, '', 'Each cell: paper / ours (ours − paper).', ''];
  lines.push(`| | ${table.columns.join(' | ')} |`);
  lines.push(`|---|${table.columns.map(() => '---').join('|')}|`);
  for (const row of table.rows) lines.push(`| ${row.label} | ${row.cells.map(formatCell).join(' | ')} |`);
  if (table.notes.length) lines.push('', ...table.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}

export function toCsv(table: Table): string {
  const csv = createObjectCsvStringifier({
    header: ['table', 'row', 'column', 'paper', 'ours_mean', 'ours_std', 'runs', 'diff'].map((id) => ({ id, title: id })),
  });
  const records = table.rows.flatMap((row) =>
    row.cells.map((cell, i) => {
      const s = stats(cell.ours);
      return {
        table: table.id,
        row: row.label,
        column: table.columns[i],
        paper: cell.paper ?? '',
        ours_mean: s ? s.mean.toFixed(2) : 'not run',
        ours_std: s ? s.std.toFixed(2) : '',
        runs: s ? s.n : 0,
        diff: s && cell.paper !== null ? (s.mean - cell.paper).toFixed(2) : '',
      };
    }),
  );
  return csv.getHeaderString() + csv.stringifyRecords(records);
}
