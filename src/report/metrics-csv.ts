// metrics.csv back into rows (the results layout's per-epoch record, written by src/train/run-files.ts).
// A damaged file is an error naming the line, so the report can list the run with the reason.
import * as fs from 'fs';
import type { MetricsRow } from '../train/run-files';

const COLUMNS: (keyof MetricsRow)[] = ['epoch', 'lr', 'train_loss', 'train_acc', 'test_top1', 'test_top5', 'seconds'];

export function parseMetricsCsv(text: string, file = 'metrics.csv'): MetricsRow[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (lines.length === 0) throw new Error(`${file} is empty`);
  const header = lines[0].split(',').map((h) => h.trim());
  const at = COLUMNS.map((column) => header.indexOf(column));
  const missing = COLUMNS.filter((_, i) => at[i] < 0);
  if (missing.length) throw new Error(`${file} has no column ${missing.join(', ')}`);
  return lines.slice(1).map((line, i) => {
    const fields = line.split(',');
    const row = {} as MetricsRow;
    COLUMNS.forEach((column, k) => {
      const value = Number(fields[at[k]]);
      if (fields[at[k]] === undefined || fields[at[k]].trim() === '' || !Number.isFinite(value)) {
        throw new Error(`${file} line ${i + 2}: ${column} is "${fields[at[k]] ?? ''}", not a number`);
      }
      row[column] = value;
    });
    return row;
  });
}

export function readMetricsCsv(file: string): MetricsRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseMetricsCsv(text, file);
}
