// Cross-field rules: what the schema alone cannot know (registry names, the dataset's image size).
// Checked when the config is loaded, before any data is read or any folder is locked.
import { UserError } from '../errors';
import { datasetShape } from '../data/dataset-shapes';
import { DATASET_NAMES, isDatasetName } from '../data/readers/index';
import { BACKBONE_NAMES, isBackboneName } from '../models/registry';
import { closest } from './closest';
import type { ExperimentConfig } from './schema';

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
  if (config.method.name !== 'gridmix') return;
  const shape = datasetShape(config.dataset.name);
  const side = Math.min(shape.height, shape.width);
  // Each size under the key it came from, so the message points at the line to fix.
  const sizes: [string, number | 'random'][] = [
    ['method.grid', config.method.grid],
    ...config.method.gridChoices.map((n): [string, number] => ['method.gridChoices', n]),
    ...(config.sweep?.grid ?? []).map((n): [string, number | 'random'] => ['sweep.grid', n]),
  ];
  for (const [key, n] of sizes) {
    if (n !== 'random' && n > side) {
      throw new UserError(
        `config error in ${source}: ${key}: got ${n}; a grid cannot be finer than the ${shape.height}x${shape.width} images of ${config.dataset.name} (allowed: 1..${side}${key === 'method.gridChoices' ? '' : ' or "random"'})`,
      );
    }
  }
}
