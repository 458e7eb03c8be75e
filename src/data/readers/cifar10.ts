// CIFAR-10, binary version: cifar-10-batches-bin/data_batch_{1..5}.bin + test_batch.bin, records of
// 1 label byte + 3072 pixel bytes (CHW).
import * as path from 'node:path';
import { UserError } from '../../errors';
import { assembleDataset, trainSplitUnlessTestOnly } from '../assemble';
import { findFolderWith, searchFolders } from '../locations';
import { CIFAR_SIDE, pythonVersionHint, readCifarBinaryFiles, readClassNames, type CifarRecordLayout } from './cifar-binary';
import { countReport, missingDatasetError, type DatasetReader } from './reader';

export const CIFAR10_ARCHIVE = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz',
  file: 'cifar-10-binary.tar.gz',
  md5: 'c32a1d4ab5d03f1284b67883e8d87530',
} as const;

const FOLDER = 'cifar-10-batches-bin';
const TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
const TEST_FILE = 'test_batch.bin';
const LAYOUT: CifarRecordLayout = { labelBytes: 1, labelOffset: 0, numClasses: 10 };
const DEFAULT_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_COUNTS = { train: 50000, test: 10000 } as const;

export const cifar10: DatasetReader = {
  name: 'cifar10',
  shape: { numClasses: 10, height: 32, width: 32, channels: 3 },
  summary: 'CIFAR-10, binary version, 50000 + 10000 colour 32x32 images, 10 classes',
  howToGet: `Run \`gridmix data fetch cifar10\`, or download the BINARY version ${CIFAR10_ARCHIVE.url} (md5 ${CIFAR10_ARCHIVE.md5}) and unpack it in one of those folders.`,
  searchFolders: (config) => searchFolders(config.root, 'cifar10'),
  locate(config) {
    return findFolderWith(this.searchFolders(config), [...TRAIN_FILES, TEST_FILE], FOLDER);
  },
  async load(config) {
    const folder = this.locate(config);
    if (!folder) {
      const hint = pythonVersionHint(this.searchFolders(config), 'cifar-10-batches-py', CIFAR10_ARCHIVE.url);
      throw hint ? new UserError(`dataset "cifar10": ${hint}`) : missingDatasetError(this, config);
    }
    return assembleDataset(
      {
        name: this.name,
        classes: readClassNames(path.join(folder, 'batches.meta.txt'), 10, () => [...DEFAULT_NAMES]),
        height: CIFAR_SIDE,
        width: CIFAR_SIDE,
        channels: 3,
        train: trainSplitUnlessTestOnly(config, () => readCifarBinaryFiles(TRAIN_FILES.map((f) => path.join(folder, f)), LAYOUT)),
        test: readCifarBinaryFiles([path.join(folder, TEST_FILE)], LAYOUT),
      },
      config,
    );
  },
  async verify(config) {
    const dataset = await this.load({ ...config, trainLimit: undefined, testLimit: undefined });
    return countReport(this.locate(config)!, { train: dataset.train.count, test: dataset.test.count }, CIFAR10_COUNTS);
  },
};

