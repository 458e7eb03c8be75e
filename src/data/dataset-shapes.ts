// What each dataset looks like to a model, known without reading its files (dry runs, reports).
// Each reader declares its own shape; this is the lookup by name.
import type { DatasetShape } from './dataset';
import { getDatasetReader } from './readers';

export type { DatasetShape };

/** The shape of dataset `name` with its default options; an unknown name is a UserError listing the choices. */
export function datasetShape(name: string): DatasetShape {
  return getDatasetReader(name).shape;
}
