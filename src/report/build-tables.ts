// Tables 1-6 from the runs found: each paper row with our runs beside it, then rows of our own for
// dataset/backbone pairs the paper did not run (e.g. the CPU-scale mini experiments).
import type { RunRecord } from './collect';
import {
  TABLE1, TABLE1_VARIANTS, TABLE2, TABLE2_VARIANTS, TABLE3, TABLE3_EPOCHS, TABLE3_ITERATIONS, TABLE3_VARIANTS,
  TABLE4_BACKBONE, TABLE4_DATASET, TABLE4_GRID, TABLE4_P, TABLE5, TABLE5_BACKBONE, TABLE5_DATASET, TABLE5_METRICS,
  TABLE6, VARIANT_TITLES, type PaperRow, type Variant,
} from './paper-numbers';
import type { Cell, Table, TableRow } from './table';

/** The paper's defaults, used by every table but the ablation. */
const DEFAULT_GRID = 4;
const DEFAULT_P = 0.8;

export function variantOf(run: RunRecord): Variant | undefined {
  const s = run.summary;
  if (s.method === 'gridmix') return s.gamma && s.gamma > 0 ? 'gridmix' : 'gridmix-wo';
  if (s.method === 'baseline' || s.method === 'mixup' || s.method === 'cutmix') return s.method;
  return undefined;
}

const finished = (runs: RunRecord[]) => runs.filter((r) => r.summary.finished);
/** Tables 1-3, 5, 6 count plain runs; the cells of an ablation belong to Table 4 alone. */
const plainRuns = (runs: RunRecord[]) => finished(runs).filter((r) => !r.summary.ablation_cell);
const ablationRuns = (runs: RunRecord[]) => finished(runs).filter((r) => !!r.summary.ablation_cell);

/** One row of ours: a dataset/backbone pair trained with one recipe (null: a paper row nobody ran). */
interface RowKey {
  dataset: string;
  backbone: string;
  recipe: string | null;
  paper: boolean;
}

function rowLabel(key: RowKey): string {
  const recipe = key.recipe ? ` [${key.recipe}]` : '';
  return `${key.dataset} / ${key.backbone}${recipe}${key.paper ? '' : ' (not in the paper)'}`;
}

function runsOfRow(runs: RunRecord[], key: RowKey): RunRecord[] {
  return runs.filter((r) => r.summary.dataset === key.dataset && r.summary.backbone === key.backbone && r.recipe === key.recipe);
}

/**
 * The rows of a table: each paper pair once per recipe it was run with (once, "not run", when it
 * was not), then our own pairs, once per recipe. Runs are pooled (mean ± std) only within a row.
 */
function rowKeys(runs: RunRecord[], paperPairs: { dataset: string; backbone: string }[]): RowKey[] {
  const recipesOf = (dataset: string, backbone: string) =>
    [...new Set(runs.filter((r) => r.summary.dataset === dataset && r.summary.backbone === backbone).map((r) => r.recipe))].sort();
  const keys: RowKey[] = [];
  for (const { dataset, backbone } of paperPairs) {
    const recipes = recipesOf(dataset, backbone);
    if (recipes.length === 0) keys.push({ dataset, backbone, recipe: null, paper: true });
    for (const recipe of recipes) keys.push({ dataset, backbone, recipe, paper: true });
  }
  const known = new Set(paperPairs.map((p) => `${p.dataset}\u0000${p.backbone}`));
  const pairs = [...new Set(runs.map((r) => `${r.summary.dataset}\u0000${r.summary.backbone}`))].filter((p) => !known.has(p)).sort();
  for (const pair of pairs) {
    const [dataset, backbone] = pair.split('\u0000');
    for (const recipe of recipesOf(dataset, backbone)) keys.push({ dataset, backbone, recipe, paper: false });
  }
  return keys;
}

/** Runs of one variant at the paper's default grid and p. */
function defaultRuns(runs: RunRecord[], variant: Variant): RunRecord[] {
  return runs.filter((r) => {
    if (variantOf(r) !== variant) return false;
    return r.summary.method !== 'gridmix' || (r.summary.grid === DEFAULT_GRID && r.summary.p === DEFAULT_P);
  });
}

const top1Of = (runs: RunRecord[]) => runs.map((r) => r.summary.top1 ?? NaN).filter(Number.isFinite);

function accuracyTable(id: string, title: string, paper: PaperRow[], variants: Variant[], runs: RunRecord[], notes: string[]): Table {
  let done = plainRuns(runs);
  if (id === 'table2') done = done.filter((r) => paper.some((p) => p.dataset === r.summary.dataset)); // ImageNet only
  const paperValues = (key: RowKey) => paper.find((p) => p.dataset === key.dataset && p.backbone === key.backbone)?.values ?? {};
  const rows: TableRow[] = [];
  for (const key of rowKeys(done, paper)) {
    const mine = runsOfRow(done, key);
    const values = key.paper ? paperValues(key) : {};
    const cells = variants.map((v) => ({ paper: values[v] ?? null, ours: top1Of(defaultRuns(mine, v)) }));
    if (key.paper || cells.some((c) => c.ours.length > 0)) rows.push({ label: rowLabel(key), cells });
  }
  return { id, title, columns: variants.map((v) => VARIANT_TITLES[v]), rows, notes };
}

const ACCURACY_NOTE = 'ours: final-epoch test top-1 (summary.json "top1"), mean ± sample std over seeds; GridMix cells use the paper defaults N = 4, p = 0.8.';

export function table1(runs: RunRecord[]): Table {
  return accuracyTable('table1', 'Table 1: top-1 accuracy (%)', TABLE1, TABLE1_VARIANTS, runs, [ACCURACY_NOTE]);
}

export function table2(runs: RunRecord[]): Table {
  return accuracyTable('table2', 'Table 2: ILSVRC2012, ResNet-50 top-1 (%)', TABLE2, TABLE2_VARIANTS, runs, [ACCURACY_NOTE]);
}

export function table3(runs: RunRecord[]): Table {
  const done = plainRuns(runs);
  const projected = (itPerSecond: number) => (TABLE3_ITERATIONS * TABLE3_EPOCHS) / itPerSecond;
  const rows: TableRow[] = [];
  for (const key of rowKeys(done, TABLE3)) {
    const mine = runsOfRow(done, key);
    const values = key.paper ? TABLE3.find((p) => p.dataset === key.dataset && p.backbone === key.backbone)?.values ?? {} : {};
    const cells: Cell[] = TABLE3_VARIANTS.map((v) => ({
      paper: values[v] ?? null,
      unit: ' it/s',
      ours: defaultRuns(mine, v)
        .filter((r) => r.batchSize && r.summary.images_per_second > 0)
        .map((r) => r.summary.images_per_second / r.batchSize!),
    }));
    if (key.paper || cells.some((c) => c.ours.length > 0)) rows.push({ label: rowLabel(key), cells });
  }
  // Projected times as a second block of rows, same columns.
  for (const row of [...rows]) {
    rows.push({
      label: `${row.label}: projected s for ${TABLE3_ITERATIONS} it x ${TABLE3_EPOCHS} epochs`,
      cells: row.cells.map((c) => ({ paper: c.paper === null ? null : Math.round(projected(c.paper)), unit: ' s', ours: c.ours.map(projected) })),
    });
  }
  return {
    id: 'table3',
    title: 'Table 3: training speed (iterations/s at the run\'s batch size; the paper: batch 128, CIFAR-100)',
    columns: TABLE3_VARIANTS.map((v) => VARIANT_TITLES[v]),
    rows,
    notes: [
      'ours: images/s of the training steps (summary.json "images_per_second", evaluation excluded) / batch size, on the run\'s own machine and backend (summary.json "backend"); the paper used a GPU.',
      `projected time = ${TABLE3_ITERATIONS} iterations x ${TABLE3_EPOCHS} epochs / (iterations/s), as the paper's Table 3.`,
      '`gridmix bench` measures the same on any backbone without a full run.',
    ],
  };
}

function gridKey(grid: number | 'random' | null): string {
  return grid === null ? '' : String(grid);
}

export function table4(runs: RunRecord[]): Table {
  const done = ablationRuns(runs);
  const gridColumns = new Set(Object.keys(TABLE4_GRID).filter((k) => k !== 'random' && k !== 'baseline'));
  const pColumns = new Set(Object.keys(TABLE4_P));
  for (const r of done) {
    if (r.summary.method !== 'gridmix') continue;
    if (r.summary.p === DEFAULT_P && r.summary.grid !== 'random') gridColumns.add(gridKey(r.summary.grid));
    if (r.summary.grid === DEFAULT_GRID && r.summary.p !== null) pColumns.add(String(r.summary.p));
  }
  const gridCols = [...gridColumns].sort((a, b) => Number(a) - Number(b));
  const pCols = [...pColumns].sort((a, b) => Number(a) - Number(b));
  const columns = [...gridCols.map((g) => `${g}x${g}`), 'Random', 'Baseline', ...pCols.map((p) => `p=${p}`)];
  const rows: TableRow[] = rowKeys(done, [{ dataset: TABLE4_DATASET, backbone: TABLE4_BACKBONE }]).map((key) => {
    const mine = runsOfRow(done, key);
    const paperValue = (table: Record<string, number>, k: string) => (key.paper ? table[k] ?? null : null);
    const gridmix = mine.filter((r) => r.summary.method === 'gridmix');
    const cells: Cell[] = [
      ...gridCols.map((g) => ({ paper: paperValue(TABLE4_GRID, g), ours: top1Of(gridmix.filter((r) => gridKey(r.summary.grid) === g && r.summary.p === DEFAULT_P)) })),
      { paper: paperValue(TABLE4_GRID, 'random'), ours: top1Of(gridmix.filter((r) => r.summary.grid === 'random' && r.summary.p === DEFAULT_P)) },
      { paper: paperValue(TABLE4_GRID, 'baseline'), ours: top1Of(mine.filter((r) => r.summary.method === 'baseline')) },
      ...pCols.map((p) => ({ paper: paperValue(TABLE4_P, p), ours: top1Of(gridmix.filter((r) => r.summary.grid === DEFAULT_GRID && String(r.summary.p) === p)) })),
    ];
    return { label: rowLabel(key), cells };
  });
  return {
    id: 'table4',
    title: 'Table 4: ablation of grid size N (p = 0.8) and of p (N = 4), top-1 (%)',
    columns,
    rows,
    notes: [
      'grid columns: GridMix runs with p = 0.8; p columns: GridMix runs with N = 4; Random: N drawn per batch from method.gridChoices.',
      'ours: the cells of `gridmix ablate` runs only (GridMix with the ablation config\'s gamma); final-epoch top-1, mean ± std over seeds.',
    ],
  };
}

function evalValue(run: RunRecord, evalName: string, key: string): number | undefined {
  const value = run.evals[evalName]?.[key];
  return typeof value === 'number' ? value : undefined;
}

export function table5(runs: RunRecord[]): Table {
  const done = plainRuns(runs).filter((r) => r.summary.dataset === TABLE5_DATASET && r.summary.backbone === TABLE5_BACKBONE);
  const rows: TableRow[] = TABLE5_METRICS.map((metric) => ({
    label: metric.title,
    cells: TABLE1_VARIANTS.map((v, i) => ({
      paper: TABLE5[metric.key][i],
      ours: done.filter((r) => variantOf(r) === v).map((r) => evalValue(r, 'localization', metric.key)).filter((x): x is number => x !== undefined),
    })),
  }));
  return {
    id: 'table5',
    title: 'Table 5: weakly supervised localisation on CUB-200-2011, VGG16-GAP with CAM (%)',
    columns: TABLE1_VARIANTS.map((v) => VARIANT_TITLES[v]),
    rows,
    notes: ['ours: `gridmix eval --localization` (eval-localization.json) of each finished run; GT-Known Loc counts IoU >= 0.5.'],
  };
}

export function table6(runs: RunRecord[]): Table {
  const done = plainRuns(runs).filter((r) => r.summary.dataset === 'tiny-imagenet');
  const rows: TableRow[] = [];
  for (const paper of TABLE6) {
    for (const metric of ['top1', 'top5'] as const) {
      rows.push({
        label: `${paper.backbone} ${metric === 'top1' ? 'top-1' : 'top-5'}`,
        cells: TABLE1_VARIANTS.map((v, i) => ({
          paper: paper[metric][i],
          ours: done.filter((r) => r.summary.backbone === paper.backbone && variantOf(r) === v)
            .map((r) => evalValue(r, 'imagenet-a', metric)).filter((x): x is number => x !== undefined),
        })),
      });
    }
  }
  return {
    id: 'table6',
    title: 'Table 6: robustness on TinyImageNet-A (ImageNet-A restricted to TinyImageNet\'s classes), %',
    columns: TABLE1_VARIANTS.map((v) => VARIANT_TITLES[v]),
    rows,
    notes: ['ours: `gridmix eval --imagenet-a` (eval-imagenet-a.json) of TinyImageNet runs.'],
  };
}

export function allTables(runs: RunRecord[]): Table[] {
  return [table1(runs), table2(runs), table3(runs), table4(runs), table5(runs), table6(runs)];
}
