// What each dataset looks like to a model, known without reading its files (dry runs, reports).
// Each reader declares its own shape; this is the lookup by name.
import type { DatasetShape } from './dataset';
import { DATASET_NAMES, getDatasetReader } from './readers';

export type { DatasetShape };

/**
 * The shape of dataset `name`, at `imageSize` for the folder datasets that take one (their default
 * otherwise); an unknown name is a UserError listing the choices.
 */
export function datasetShape(name: string, imageSize?: number): DatasetShape {
  const reader = getDatasetReader(name);
  if (imageSize === undefined || !reader.resizable) return reader.shape;
  return { ...reader.shape, height: imageSize, width: imageSize };
}

/** The names of the datasets whose image size is a dataset option (dataset.imageSize). */
export function resizableDatasets(): string[] {
  return DATASET_NAMES.filter((name) => getDatasetReader(name).resizable);
}
