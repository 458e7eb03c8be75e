// Fig. 3: how far training and test activations drift apart. For three classes, the plane through
// their templates (the final linear layer's weight vectors), each training and test image's
// penultimate activation (the global average of the last feature map: what that layer multiplies)
// projected onto it, scattered with train and test side by side, one row of panels per run; and the
// drift number of plane-projection.ts per run. PNG plus the points as JSON beside it.
import * as path from 'path';
import type { Dataset } from '../../data/dataset';
import * as ops from '../../engine/ops';
import { camBackbones } from '../../eval/localization';
import { loadRunModel } from '../../eval/load-run';
import { UserError } from '../../errors';
import { writeFileAtomic, writeJsonAtomic } from '../../io/atomic-file';
import { Backbone } from '../../models/backbone';
import { loadTrainingData, shapeOf } from '../../train/setup';
import { renderSvg, svgToPng, type VegaLiteSpec } from '../vega-render';
import { collectOutputs, selectImages, type FigureRun } from './figure-runs';
import { cloudDrift, planeThrough, projectOnto, type CloudDrift, type ProjectedPoint } from './plane-projection';

export interface PenultimateFigureOptions {
  runs: FigureRun[];
  /** Three class names or indices. */
  classes: string[];
  /** At most this many images per class and split. */
  perClass: number;
  batchSize: number;
  out: string;
  log: (line: string) => void;
}

export interface RunProjection {
  run: FigureRun;
  points: ProjectedPoint[];
  /** Where each class's template lands in the plane. */
  vertices: [number, number][];
  drift: CloudDrift;
}

/** Class names or indices to indices, or one line saying what is allowed. */
export function resolveClasses(requested: readonly string[], classes: readonly string[]): [number, number, number] {
  if (requested.length !== 3) throw new UserError(`--classes takes three classes (A,B,C), got ${requested.length}: ${requested.join(',')}`);
  const ids = requested.map((name) => {
    const byName = classes.indexOf(name);
    if (byName >= 0) return byName;
    const n = Number(name);
    if (Number.isInteger(n) && n >= 0 && n < classes.length && name.trim() !== '') return n;
    throw new UserError(`--classes: "${name}" is neither a class name nor an index in [0, ${classes.length - 1}]; classes: ${classes.slice(0, 20).join(', ')}${classes.length > 20 ? ', ...' : ''}`);
  });
  if (new Set(ids).size !== 3) throw new UserError(`--classes: give three different classes, got ${requested.join(',')}`);
  return ids as [number, number, number];
}

/** The first `limit` images of each class in the split, in the split's order. */
function imagesOf(labels: Int32Array, classes: readonly number[], limit: number): Int32Array {
  const taken = new Map(classes.map((c) => [c, 0]));
  const chosen: number[] = [];
  for (let i = 0; i < labels.length; i++) {
    const n = taken.get(labels[i]);
    if (n !== undefined && n < limit) {
      chosen.push(i);
      taken.set(labels[i], n + 1);
    }
  }
  return Int32Array.from(chosen);
}

async function projectRun(run: FigureRun, dataset: Dataset, classes: [number, number, number], options: PenultimateFigureOptions): Promise<RunProjection> {
  const model = loadRunModel(run.dir, run.config, shapeOf(dataset));
  try {
    const weights = model instanceof Backbone ? model.camWeights() : undefined;
    if (!weights) {
      const supported = camBackbones(dataset.height, dataset.channels, dataset.classes.length);
      throw new UserError(`${run.dir}: ${model.name}'s classifier is not one linear layer on the pooled feature map at ${dataset.height} px, so it has no penultimate layer to project; use one of: ${supported.join(', ')}`);
    }
    const [channels] = weights.shape;
    const w = await weights.data();
    const templates = classes.map((k) => Float64Array.from({ length: channels }, (_, c) => w[c * weights.shape[1] + k])) as [Float64Array, Float64Array, Float64Array];
    const basis = planeThrough(templates);
    const points: ProjectedPoint[] = [];
    for (const split of ['train', 'test'] as const) {
      const indices = imagesOf(dataset[split].labels, classes, options.perClass);
      if (indices.length === 0) continue;
      const selected = selectImages(dataset, split, indices, run);
      const { values } = await collectOutputs(model, selected, split, options.batchSize, (out) => ops.globalAvgPool(out.features));
      for (let k = 0; k < indices.length; k++) {
        const [x, y] = projectOnto(basis, values.subarray(k * channels, (k + 1) * channels));
        points.push({ cls: dataset[split].labels[indices[k]], split, x, y });
      }
    }
    const vertices = templates.map((t) => projectOnto(basis, t));
    return { run, points, vertices, drift: cloudDrift(points) };
  } finally {
    model.dispose();
  }
}

/**
 * One row per run, train beside test; within a run both panels share their axes (so a shift between
 * them is a shift in the plane), while each run has its own scales (each run has its own plane).
 */
export function penultimateSpec(projections: RunProjection[], classNames: string[]): VegaLiteSpec {
  const colour = { field: 'class', type: 'nominal', title: 'class', scale: { domain: classNames, range: ['#1f77b4', '#d62728', '#2ca02c'] } };
  const x = { field: 'x', type: 'quantitative', title: null };
  const y = { field: 'y', type: 'quantitative', title: null };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'penultimate-layer activations on the plane of the three class templates (crosses)', fontSize: 13 },
    vconcat: projections.map((p) => ({
      title: { text: `${p.run.label}: train/test drift ${p.drift.drift.toFixed(2)}`, fontSize: 12, anchor: 'start' },
      data: {
        values: [
          ...p.points.map((q) => ({ split: q.split, class: classNames[q.cls], x: q.x, y: q.y, kind: 'image' })),
          ...(['train', 'test'] as const).flatMap((split) => p.vertices.map(([vx, vy], i) => ({ split, class: classNames[i], x: vx, y: vy, kind: 'template' }))),
        ],
      },
      facet: { column: { field: 'split', type: 'nominal', title: null, sort: ['train', 'test'], header: { labelFontSize: 12 } } },
      spec: {
        width: 220,
        height: 220,
        layer: [
          { transform: [{ filter: "datum.kind === 'image'" }], mark: { type: 'circle', size: 10, opacity: 0.55 }, encoding: { x, y, color: colour } },
          {
            transform: [{ filter: "datum.kind === 'template'" }],
            mark: { type: 'point', shape: 'cross', size: 120, filled: true, stroke: 'black', strokeWidth: 1 },
            encoding: { x, y, color: colour },
          },
        ],
      },
    })),
    resolve: { scale: { x: 'independent', y: 'independent', color: 'shared' } },
    config: { font: 'DejaVu Sans, sans-serif' },
  };
}

export async function drawPenultimateFigure(options: PenultimateFigureOptions): Promise<{ png: string; json: string; projections: RunProjection[] }> {
  const { runs } = options;
  const dataset = await loadTrainingData(runs[0].config);
  const classes = resolveClasses(options.classes, dataset.classes);
  const classNames = classes.map((k) => dataset.classes[k]);
  const projections: RunProjection[] = [];
  for (const run of runs) {
    const projection = await projectRun(run, dataset, classes, options);
    projections.push(projection);
    const perClass = projection.drift.perClass.map((c) => `${dataset.classes[c.cls]} ${(c.shift / c.spread).toFixed(2)}`).join(', ');
    options.log(`${run.label}: train/test drift ${projection.drift.drift.toFixed(3)} (centroid shift / within-class spread; ${perClass}) ${run.dir}`);
  }
  // The panels' x and y scales are independent: each run's plane has its own scale.
  const spec = penultimateSpec(
    projections.map((p) => ({ ...p, points: p.points.map((q) => ({ ...q, cls: classes.indexOf(q.cls) })) })),
    classNames,
  );
  const png = await svgToPng(await renderSvg(spec));
  writeFileAtomic(options.out, png);
  const json = path.join(path.dirname(options.out), `${path.basename(options.out, path.extname(options.out))}.json`);
  const round = (x: number) => Number(x.toPrecision(5));
  writeJsonAtomic(json, {
    figure: 'penultimate',
    title: `penultimate-layer projections: ${dataset.name}, classes ${classNames.join(', ')}`,
    png: path.basename(options.out),
    dataset: dataset.name,
    classes: classes.map((k, i) => ({ index: k, name: classNames[i] })),
    drift_definition: 'per class: distance between the train and test centroids in the plane / RMS distance of the points to their own split\'s centroid; drift = mean over the classes',
    runs: projections.map((p) => ({
      run: p.run.dir,
      label: p.run.label,
      drift: round(p.drift.drift),
      per_class: p.drift.perClass.map((c) => ({ class: dataset.classes[c.cls], shift: round(c.shift), spread: round(c.spread), train: c.trainCount, test: c.testCount })),
      template_vertices: p.vertices.map(([x, y]) => [round(x), round(y)]),
      points: p.points.map((q) => ({ class: dataset.classes[q.cls], split: q.split, x: round(q.x), y: round(q.y) })),
    })),
  });
  return { png: options.out, json, projections };
}
