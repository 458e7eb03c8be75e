// Cross-field rules: what the schema alone cannot know (registry names, the dataset's image size).
// Checked when the config is loaded, before any data is read or any folder is locked.
import { UserError } from '../errors';
import type { DatasetShape } from '../data/dataset';
import { datasetShape, resizableDatasets } from '../data/dataset-shapes';
import { DATASET_NAMES, getDatasetReader, isDatasetName } from '../data/readers/index';
import { BACKBONE_NAMES, buildArchitecture, isBackboneName } from '../models/registry';
import { closest } from './closest';
import type { ExperimentConfig } from './schema';

/** A chosen image size the backbone cannot take (its feature map would vanish) is a config error, found before any data is read. */
function checkBackboneTakes(config: ExperimentConfig, shape: DatasetShape, source: string): void {
  try {
    buildArchitecture(config.backbone.name, { numClasses: shape.numClasses, inputSize: shape.height, inChannels: shape.channels, localHead: false });
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`config error in ${source}: dataset.imageSize: got ${shape.height}; ${err.message}`);
    throw err;
  }
}

/**
 * The resolved config: what the schema cannot default because it depends on the dataset, filled in
 * so that config.yaml records it (the image size of a folder dataset).
 */
export function resolveDatasetDefaults(config: ExperimentConfig): ExperimentConfig {
  const reader = getDatasetReader(config.dataset.name);
  if (!reader.resizable || config.dataset.imageSize !== undefined) return config;
  return { ...config, dataset: { ...config.dataset, imageSize: reader.shape.height } };
}

function unknownName(source: string, key: string, value: string, valid: readonly string[]): UserError {
  const hint = closest(value, valid);
  return new UserError(`config error in ${source}: ${key}: unknown "${value}"${hint ? `; did you mean "${hint}"?` : ''} (pick one of: ${valid.join(', ')})`);
}

export function checkConfigRules(config: ExperimentConfig, source: string): void {
  if (!isDatasetName(config.dataset.name)) throw unknownName(source, 'dataset.name', config.dataset.name, DATASET_NAMES);
  if (config.dataset.name === 'imagenet-a') {
    throw new UserError(`config error in ${source}: dataset.name: "imagenet-a" is an evaluation set (gridmix eval --imagenet-a), not a training set`);
  }
  if (!isBackboneName(config.backbone.name)) throw unknownName(source, 'backbone.name', config.backbone.name, BACKBONE_NAMES);
  const { imageSize } = config.dataset;
  if (imageSize !== undefined && !getDatasetReader(config.dataset.name).resizable) {
    const { height, width } = datasetShape(config.dataset.name);
    throw new UserError(
      `config error in ${source}: dataset.imageSize: ${config.dataset.name} has one size (${height}x${width}); imageSize is for the folder datasets (${resizableDatasets().filter((n) => n !== 'imagenet-a').join(', ')})`,
    );
  }
  const shape = datasetShape(config.dataset.name, imageSize);
  if (imageSize !== undefined) checkBackboneTakes(config, shape, source);
  if (config.method.name !== 'gridmix') return;
  const side = Math.min(shape.height, shape.width);
  const sizes: (number | 'random')[] = [config.method.grid, ...config.method.gridChoices, ...(config.sweep?.grid ?? [])];
  for (const n of sizes) {
    if (n !== 'random' && n > side) {
      throw new UserError(
        `config error in ${source}: method grid: got ${n}; a grid cannot be finer than the ${shape.height}x${shape.width} images of ${config.dataset.name} (allowed: 1..${side} or "random")`,
      );
    }
  }
}
