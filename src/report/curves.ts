// Training curves: for each group of finished runs that one table row pools (same dataset, backbone
// and recipe; ablation cells apart), train loss, train accuracy and test top-1 against epoch, one
// colour per method, one thin line per run (seed) and a thick line for their mean.
import * as path from 'path';
import type { MetricsRow } from '../train/run-files';
import { variantOf } from './build-tables';
import type { RunRecord } from './collect';
import { readMetricsCsv } from './metrics-csv';
import { TABLE1_VARIANTS, VARIANT_TITLES } from './paper-numbers';
import type { VegaLiteSpec } from './vega-render';

export const CURVE_METRICS = [
  { key: 'train_loss', title: 'train loss' },
  { key: 'train_acc', title: 'train accuracy (%)' },
  { key: 'test_top1', title: 'test top-1 (%)' },
] as const satisfies readonly { key: keyof MetricsRow; title: string }[];

/** One value of one metric at one epoch of one run: the chart's data, one row per point. */
export interface CurvePoint {
  run: string;
  series: string;
  seed: number;
  epoch: number;
  metric: (typeof CURVE_METRICS)[number]['title'];
  value: number;
}

export interface CurveRun {
  record: RunRecord;
  rows: MetricsRow[];
}

export interface CurveGroup {
  title: string;
  runs: CurveRun[];
}

/** The method as the tables name it, with the grid and p when they are not the paper's defaults; ablation cells by name. */
export function seriesOf(run: RunRecord): string {
  const s = run.summary;
  if (s.ablation_cell) return s.ablation_cell;
  const variant = variantOf(run);
  if (!variant) return s.method;
  const title = VARIANT_TITLES[variant];
  const isDefault = s.method !== 'gridmix' || (s.grid === 4 && s.p === 0.8);
  return isDefault ? title : `${title} N=${s.grid} p=${s.p}`;
}

/** The chart's points of one run: exactly its metrics.csv rows, three metrics each. */
export function curvePoints(run: string, series: string, seed: number, rows: readonly MetricsRow[]): CurvePoint[] {
  return rows.flatMap((row) => CURVE_METRICS.map((m) => ({ run, series, seed, epoch: row.epoch, metric: m.title, value: row[m.key] })));
}

export function groupPoints(group: CurveGroup, resultsDir: string): CurvePoint[] {
  return group.runs.flatMap(({ record, rows }) => curvePoints(path.relative(resultsDir, record.dir) || '.', seriesOf(record), record.summary.seed, rows));
}

/**
 * Finished runs in groups, one per table row (ablation cells in their own groups); runs whose
 * metrics.csv cannot be read come back as problems instead.
 */
export function curveGroups(runs: readonly RunRecord[]): { groups: CurveGroup[]; problems: { dir: string; reason: string }[] } {
  const byKey = new Map<string, CurveGroup>();
  const problems: { dir: string; reason: string }[] = [];
  for (const record of runs.filter((r) => r.summary.finished)) {
    let rows: MetricsRow[];
    try {
      rows = readMetricsCsv(path.join(record.dir, 'metrics.csv'));
    } catch (err) {
      problems.push({ dir: record.dir, reason: (err as Error).message });
      continue;
    }
    const s = record.summary;
    const title = `${s.dataset} / ${s.backbone} [${record.recipe}]${s.ablation_cell ? ' · ablation' : ''}`;
    const group = byKey.get(title) ?? { title, runs: [] };
    group.runs.push({ record, rows });
    byKey.set(title, group);
  }
  const groups = [...byKey.values()].sort((a, b) => a.title.localeCompare(b.title));
  return { groups, problems };
}

/** Method colours fixed across every chart (a method keeps its colour from group to group). */
const METHOD_COLOURS = ['#4c78a8', '#f58518', '#54a24b', '#b279a2', '#e45756'];

/** The vega-lite chart of one group: three panels side by side, each with its own y scale. */
export function curveSpec(group: CurveGroup, points: CurvePoint[]): VegaLiteSpec {
  const tableSeries = TABLE1_VARIANTS.map((v) => VARIANT_TITLES[v]);
  const present = [...new Set(points.map((p) => p.series))];
  const domain = [...tableSeries.filter((s) => present.includes(s)), ...present.filter((s) => !tableSeries.includes(s)).sort()];
  const range = domain.map((s, i) => {
    const k = tableSeries.indexOf(s);
    return k >= 0 ? METHOD_COLOURS[k] : ['#72b7b2', '#eeca3b', '#ff9da6', '#9d755d', '#bab0ac', '#17becf', '#7f7f7f', '#bcbd22'][i % 8];
  });
  const colour = { field: 'series', type: 'nominal', title: 'method', scale: { domain, range } };
  const x = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: group.title, fontSize: 13 },
    data: { values: points },
    facet: { column: { field: 'metric', type: 'nominal', title: null, sort: CURVE_METRICS.map((m) => m.title) } },
    spec: {
      width: 240,
      height: 170,
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1, opacity: 0.55, point: { size: 12 } },
          encoding: { x, y: { field: 'value', type: 'quantitative', title: null, scale: { zero: false } }, color: colour, detail: { field: 'run' } },
        },
        {
          mark: { type: 'line', strokeWidth: 2.5 },
          encoding: { x, y: { field: 'value', aggregate: 'mean', type: 'quantitative', title: null }, color: colour },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: { font: 'DejaVu Sans, sans-serif', legend: { orient: 'right' } },
  };
}
