// The dataset registry: every reader by name, and loadDataset, the one way the rest of gridmix gets data.
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

/** Reads the dataset `config.name` into memory, with its limits applied. */
export async function loadDataset(config: DatasetConfig): Promise<Dataset> {
  return getDatasetReader(config.name).load(config);
}
