// From a config to the things a run trains: the data and the model, with the checks that need both.
import type { ExperimentConfig } from '../config/schema';
import type { Dataset, DatasetShape } from '../data/dataset';
import { loadDataset } from '../data/readers/index';
import type { Model } from '../models/model';
import { createModel } from '../models/registry';

/** Limit subsets are drawn with a fixed seed, so every method and seed of a table sees the same images. */
export const SUBSET_SEED = 0;

export function loadTrainingData(config: ExperimentConfig): Promise<Dataset> {
  return loadDataset({ ...config.dataset, seed: SUBSET_SEED });
}

/**
 * The test split a run was evaluated on during training (the same limit subset), without reading
 * the train split, normalised with the statistics the model was trained with (its checkpoint's).
 */
export async function loadEvaluationData(config: ExperimentConfig, normalization: { mean: number[]; std: number[] }): Promise<Dataset> {
  const dataset = await loadDataset({ ...config.dataset, seed: SUBSET_SEED, testOnly: true });
  return { ...dataset, mean: normalization.mean, std: normalization.std };
}

/** The shape of a loaded dataset, as the model sees it. */
export function shapeOf(dataset: Dataset): DatasetShape {
  return { numClasses: dataset.classes.length, height: dataset.height, width: dataset.width, channels: dataset.channels };
}

export function buildModel(config: ExperimentConfig, shape: DatasetShape, localHead: boolean): Model {
  return createModel(config.backbone.name, {
    numClasses: shape.numClasses,
    inputSize: shape.height,
    inChannels: shape.channels,
    localHead,
    seed: config.seed,
  });
}
