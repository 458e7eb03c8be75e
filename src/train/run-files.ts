// The files of one run (the results layout is a contract: tools outside gridmix read it).
//   <run>/config.yaml  metrics.csv  summary.json  checkpoint/last.ckpt  samples.png
import * as fs from 'fs';
import * as path from 'path';
import { createObjectCsvStringifier } from 'csv-writer';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic-file';

export interface MetricsRow {
  epoch: number;
  lr: number;
  train_loss: number;
  train_acc: number;
  test_top1: number;
  test_top5: number;
  seconds: number;
}

export interface Summary {
  /** The config's name (the experiment). */
  experiment: string;
  /** The sweep cell when the run is part of `gridmix ablate` (Table 4 reads these, the other tables skip them). */
  ablation_cell: string | null;
  dataset: string;
  /** The side of the (square) images the model was trained on: dataset.imageSize for the folder datasets. */
  image_size: number;
  backbone: string;
  method: string;
  grid: number | 'random' | null;
  p: number | null;
  gamma: number | null;
  epochs: number;
  seed: number;
  /** BackendInfo.id: 'tensorflow', 'wasm', 'cpu', or 'wasm+onednn' when the native kernels were on. */
  backend: string;
  /** The ops that ran on the native oneDNN kernels ([] when none), so a record says what computed it. */
  native_kernels: string[];
  /** Host, CPUs and memory of the machine that trained it (absent in runs made before it was recorded). */
  machine?: string;
  /** The oneDNN the native kernels were built against and ran on (null when they were off). */
  onednn?: { built_against: string; loaded: string } | null;
  top1: number | null;
  top5: number | null;
  best_top1: number | null;
  last_top1: number | null;
  /** Median of the last 10 epochs' test top-1, as mixup benchmarks report. */
  median_last10_top1: number | null;
  /** train_acc in metrics.csv is measured against each mixed sample's dominant label. */
  train_acc_measure: 'dominant label of the mixed sample';
  train_seconds: number;
  images_per_second: number;
  parameters: number;
  git_commit: string | null;
  finished: boolean;
}

export function runPaths(runDir: string) {
  return {
    config: path.join(runDir, 'config.yaml'),
    metrics: path.join(runDir, 'metrics.csv'),
    summary: path.join(runDir, 'summary.json'),
    checkpointDir: path.join(runDir, 'checkpoint'),
    checkpoint: path.join(runDir, 'checkpoint', 'last.ckpt'),
    samples: path.join(runDir, 'samples.png'),
    lock: path.join(runDir, '.lock'),
  };
}

const METRIC_COLUMNS: (keyof MetricsRow)[] = ['epoch', 'lr', 'train_loss', 'train_acc', 'test_top1', 'test_top5', 'seconds'];

/** Rounding as in the paper's tables: accuracies in % with two decimals. */
function roundRow(row: MetricsRow): Record<string, number> {
  return {
    epoch: row.epoch,
    lr: Number(row.lr.toPrecision(6)),
    train_loss: Number(row.train_loss.toFixed(6)),
    train_acc: Number(row.train_acc.toFixed(2)),
    test_top1: Number(row.test_top1.toFixed(2)),
    test_top5: Number(row.test_top5.toFixed(2)),
    seconds: Number(row.seconds.toFixed(2)),
  };
}

/** Rewrites metrics.csv whole (atomically) from the rows so far, so it always matches the checkpoint. */
export function writeMetrics(file: string, rows: readonly MetricsRow[]): void {
  const csv = createObjectCsvStringifier({ header: METRIC_COLUMNS.map((id) => ({ id, title: id })) });
  writeFileAtomic(file, csv.getHeaderString() + csv.stringifyRecords(rows.map(roundRow)));
}

export function writeSummary(file: string, summary: Summary): void {
  writeJsonAtomic(file, summary);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** summary.json, or undefined where there is none or it does not read back as JSON (the checkpoint can rebuild it). */
export function readSummary(runDir: string): Summary | undefined {
  try {
    return JSON.parse(fs.readFileSync(runPaths(runDir).summary, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}
