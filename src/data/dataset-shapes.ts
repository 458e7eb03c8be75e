// What each dataset looks like to a model, known without reading its files (dry runs, reports).
import { UserError } from '../cli/errors';

export interface DatasetShape {
  numClasses: number;
  height: number;
  width: number;
  channels: number;
}

const SHAPES: Record<string, DatasetShape> = {
  'fashion-mnist': { numClasses: 10, height: 28, width: 28, channels: 1 },
  'fashion-mnist-mini': { numClasses: 10, height: 28, width: 28, channels: 1 },
  cifar10: { numClasses: 10, height: 32, width: 32, channels: 3 },
  cifar100: { numClasses: 100, height: 32, width: 32, channels: 3 },
  'tiny-imagenet': { numClasses: 200, height: 64, width: 64, channels: 3 },
  imagenet: { numClasses: 1000, height: 224, width: 224, channels: 3 },
  cub200: { numClasses: 200, height: 224, width: 224, channels: 3 },
};

export function datasetShape(name: string): DatasetShape {
  const shape = SHAPES[name];
  if (!shape) throw new UserError(`unknown dataset "${name}"; pick one of: ${Object.keys(SHAPES).join(', ')}`);
  return shape;
}
