// From a config to the things a run trains: the data and the model, with the checks that need both.
import { UserError } from '../cli/errors';
import type { ExperimentConfig } from '../config/schema';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/readers/index';
import type { Model } from '../models/model';
import { createModel } from '../models/registry';

/** Limit subsets are drawn with a fixed seed, so every method and seed of a table sees the same images. */
export const SUBSET_SEED = 0;

export function loadTrainingData(config: ExperimentConfig): Promise<Dataset> {
  return loadDataset({ ...config.dataset, seed: SUBSET_SEED });
}

/** GridMix's N must not exceed the image side (a cell would be empty). */
export function checkGridFitsImage(config: ExperimentConfig, dataset: Dataset): void {
  if (config.method.name !== 'gridmix') return;
  const side = Math.min(dataset.height, dataset.width);
  const sizes = config.method.grid === 'random' ? config.method.gridChoices : [config.method.grid];
  for (const n of sizes) {
    if (n > side) {
      const key = config.method.grid === 'random' ? 'method.gridChoices' : 'method.grid';
      throw new UserError(`config error: ${key}: got ${n}; a grid cannot be finer than the ${dataset.height}x${dataset.width} images of ${dataset.name} (allowed: 1..${side})`);
    }
  }
}

export function buildModel(config: ExperimentConfig, dataset: Dataset, localHead: boolean): Model {
  return createModel(config.backbone.name, {
    numClasses: dataset.classes.length,
    inputSize: dataset.height,
    inChannels: dataset.channels,
    localHead,
    seed: config.seed,
  });
}
