// gridmix train --dry-run: the model a config would train, its parameter count and layers, without
// loading data or allocating weights (works for paper-scale configs on machines without the data).
import type { ExperimentConfig } from '../config/schema';
import { datasetShape } from '../data/dataset-shapes';
import { describeModel, formatModelSummary } from '../models/summary';

export async function printDryRun(config: ExperimentConfig, log: (line: string) => void = console.log): Promise<void> {
  const shape = datasetShape(config.dataset.name, config.dataset.imageSize);
  const localHead = config.method.name === 'gridmix' && config.method.gamma > 0;
  const grid = localHead && typeof config.method.grid === 'number' ? config.method.grid : undefined;
  const summary = describeModel(
    config.backbone.name,
    { numClasses: shape.numClasses, inputSize: shape.height, inChannels: shape.channels, localHead },
    grid,
  );
  log(`${config.name}: ${config.backbone.name} on ${config.dataset.name} (${shape.height}x${shape.width}x${shape.channels}, ${shape.numClasses} classes), method ${config.method.name}${localHead ? ` with the local head (grid ${config.method.grid})` : ''}`);
  log(formatModelSummary(summary));
}
