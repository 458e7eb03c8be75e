// The runs a figure compares, back from their folders, and the images they are shown: the same
// images for every run (read once, from the first run's dataset), each run seeing them normalised
// with its own training statistics (its checkpoint's), as it was trained.
import * as tf from '@tensorflow/tfjs';
import type { ExperimentConfig } from '../../config/schema';
import type { Dataset } from '../../data/dataset';
import { selectFromSplit } from '../../data/balanced-subset';
import { DataLoader } from '../../data/loader';
import { readRunConfig, resolveRunDir } from '../../eval/load-run';
import { UserError } from '../../errors';
import type { Model, ModelOutput } from '../../models/model';
import { readCheckpoint } from '../../train/checkpoint';
import type { CheckpointMeta } from '../../train/run';
import { runPaths } from '../../train/run-files';
import { loadEvaluationData, loadTrainingData } from '../../train/setup';
import { VARIANT_TITLES } from '../paper-numbers';

export type FigureSplit = 'train' | 'test';

export interface FigureRun {
  dir: string;
  config: ExperimentConfig;
  /** The column title: the method as the tables name it, and the seed. */
  label: string;
  normalization: { mean: number[]; std: number[] };
}

function methodLabel(config: ExperimentConfig): string {
  const m = config.method;
  if (m.name === 'gridmix') return m.gamma > 0 ? VARIANT_TITLES.gridmix : VARIANT_TITLES['gridmix-wo'];
  return VARIANT_TITLES[m.name];
}

/** Opens each run (folder or its checkpoint/); they must share a dataset, so that they see the same images. */
export function openFigureRuns(dirs: readonly string[]): FigureRun[] {
  if (dirs.length === 0) throw new UserError('give at least one run: --checkpoint RUN [RUN...]');
  const runs = dirs.map((dir) => {
    const runDir = resolveRunDir(dir);
    const config = readRunConfig(runDir);
    const meta = readCheckpoint<CheckpointMeta>(runPaths(runDir).checkpoint).meta;
    const epochs = meta.epochsDone !== undefined && meta.epochsDone < config.training.epochs ? ` (epoch ${meta.epochsDone} of ${config.training.epochs})` : '';
    return { dir: runDir, config, label: `${methodLabel(config)} seed ${config.seed}${epochs}`, normalization: meta.normalization };
  });
  const first = runs[0].config.dataset;
  for (const run of runs.slice(1)) {
    const d = run.config.dataset;
    if (d.name !== first.name) {
      throw new UserError(`${run.dir} was trained on ${d.name}, ${runs[0].dir} on ${first.name}: a figure compares runs on one dataset`);
    }
  }
  return runs;
}

/** The split the figure draws from, as the first run read it (its subset limits included). */
export async function loadFigureData(run: FigureRun, split: FigureSplit): Promise<Dataset> {
  return split === 'test' ? loadEvaluationData(run.config, run.normalization) : loadTrainingData(run.config);
}

/** `dataset` with `split` cut down to the images at `indices` (in that order) and normalised as `run` was trained. */
export function selectImages(dataset: Dataset, split: FigureSplit, indices: ArrayLike<number>, run: FigureRun): Dataset {
  const imageBytes = dataset.height * dataset.width * dataset.channels;
  return { ...dataset, [split]: selectFromSplit(dataset[split], indices, imageBytes), mean: run.normalization.mean, std: run.normalization.std };
}

/**
 * One tensor per image from the model's output (`pick` runs inside a tidy on each batch's output),
 * over every image of `dataset[split]` in order, without augmentation; the rows come back flat.
 */
export async function collectOutputs(
  model: Model,
  dataset: Dataset,
  split: FigureSplit,
  batchSize: number,
  pick: (output: ModelOutput) => tf.Tensor,
): Promise<{ values: Float32Array; rowLength: number }> {
  const loader = new DataLoader(dataset, split, { batchSize, seed: 0, shuffle: false, augment: false });
  const chunks: Float32Array[] = [];
  let rowLength = 0;
  for (let batch = loader.nextBatch(); batch; batch = loader.nextBatch()) {
    const x = batch.x;
    const picked = tf.tidy(() => pick(model.forward(x, { training: false })));
    rowLength = picked.size / x.shape[0];
    chunks.push((await picked.data()) as Float32Array);
    tf.dispose([picked, x]);
  }
  const values = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    values.set(c, at);
    at += c.length;
  }
  return { values, rowLength };
}
