// The dataset registry: every reader by name, and loadDataset, the one way the rest of gridmix gets data.
import * as path from 'node:path';
import { UserError } from '../../errors';
import type { Dataset } from '../dataset';
import type { DatasetConfig } from '../dataset-config';
import { cifar10 } from './cifar10';
import { cifar100 } from './cifar100';
import { fashionMnist } from './fashion-mnist';
import { fashionMnistMini } from './fashion-mnist-mini';
import { cub200 } from './cub200';
import { imagenet } from './imagenet';
import { imagenetA } from './imagenet-a';
import type { DatasetReader } from './reader';
import { tinyImagenet } from './tiny-imagenet';

export const DATASET_READERS = {
  'fashion-mnist-mini': fashionMnistMini,
  'fashion-mnist': fashionMnist,
  cifar10,
  cifar100,
  'tiny-imagenet': tinyImagenet,
  imagenet,
  cub200,
  'imagenet-a': imagenetA,
} as const satisfies Record<string, DatasetReader>;

export type DatasetName = keyof typeof DATASET_READERS;
export const DATASET_NAMES = Object.keys(DATASET_READERS) as DatasetName[];

export function isDatasetName(name: string): name is DatasetName {
  return Object.prototype.hasOwnProperty.call(DATASET_READERS, name);
}

export function getDatasetReader(name: string): DatasetReader {
  if (!isDatasetName(name)) throw new UserError(`unknown dataset "${name}"; pick one of: ${DATASET_NAMES.join(', ')}`);
  return DATASET_READERS[name];
}

function isWithin(folder: string, root: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(folder));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/**
 * Reads the dataset `config.name` into memory, with its limits applied, and says which folder it
 * came from. A root that was given is the one place looked in: a root that holds no copy is an
 * error, never a silent fall back to the user cache or the system copy (where no copy is found
 * anywhere, the reader's own message says where it looked and how to get the data).
 */
export async function loadDataset(config: DatasetConfig): Promise<Dataset> {
  const reader = getDatasetReader(config.name);
  const folder = reader.locate(config);
  if (config.root !== undefined && folder !== undefined && !isWithin(folder, config.root)) {
    const only = reader.searchFolders({ ...config, root: undefined });
    const why =
      config.name === 'fashion-mnist-mini'
        ? `it is the copy shipped in ${only.join(', ')} and takes no root (leave the root out, or name fashion-mnist with this root)`
        : `a root given is the only place looked in. ${reader.howToGet}`;
    throw new UserError(`dataset "${reader.name}" not found in the folder given, ${path.resolve(config.root)}: ${why}`);
  }
  const dataset = await reader.load(config);
  return folder === undefined ? dataset : { ...dataset, folder };
}
