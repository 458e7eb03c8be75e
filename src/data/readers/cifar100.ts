// CIFAR-100, binary version: cifar-100-binary/train.bin + test.bin, records of coarse label byte,
// fine label byte, 3072 pixel bytes (CHW). The 100 fine labels are the classes.
import * as path from 'node:path';
import { UserError } from '../../errors';
import { assembleDataset, trainSplitUnlessTestOnly } from '../assemble';
import { findFolderWith, searchFolders } from '../locations';
import { CIFAR_SIDE, pythonVersionHint, readCifarBinaryFiles, readClassNames, type CifarRecordLayout } from './cifar-binary';
import { countReport, missingDatasetError, type DatasetReader } from './reader';

export const CIFAR100_ARCHIVE = {
  url: 'https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz',
  file: 'cifar-100-binary.tar.gz',
  md5: '03b5dce01913d631647c71ecec9e9cb8',
} as const;

const FOLDER = 'cifar-100-binary';
const LAYOUT: CifarRecordLayout = { labelBytes: 2, labelOffset: 1, numClasses: 100 };
export const CIFAR100_COUNTS = { train: 50000, test: 10000 } as const;

export const cifar100: DatasetReader = {
  name: 'cifar100',
  shape: { numClasses: 100, height: 32, width: 32, channels: 3 },
  summary: 'CIFAR-100, binary version, 50000 + 10000 colour 32x32 images, 100 fine classes',
  howToGet: `Run \`gridmix data fetch cifar100\`, or download the BINARY version ${CIFAR100_ARCHIVE.url} (md5 ${CIFAR100_ARCHIVE.md5}) and unpack it in one of those folders.`,
  searchFolders: (config) => searchFolders(config.root, 'cifar100'),
  locate(config) {
    return findFolderWith(this.searchFolders(config), ['train.bin', 'test.bin'], FOLDER);
  },
  async load(config) {
    const folder = this.locate(config);
    if (!folder) {
      const hint = pythonVersionHint(this.searchFolders(config), 'cifar-100-python', CIFAR100_ARCHIVE.url);
      throw hint ? new UserError(`dataset "cifar100": ${hint}`) : missingDatasetError(this, config);
    }
    const fallbackNames = () => Array.from({ length: 100 }, (_, i) => `class_${i}`);
    return assembleDataset(
      {
        name: this.name,
        classes: readClassNames(path.join(folder, 'fine_label_names.txt'), 100, fallbackNames),
        height: CIFAR_SIDE,
        width: CIFAR_SIDE,
        channels: 3,
        train: trainSplitUnlessTestOnly(config, () => readCifarBinaryFiles([path.join(folder, 'train.bin')], LAYOUT)),
        test: readCifarBinaryFiles([path.join(folder, 'test.bin')], LAYOUT),
      },
      config,
    );
  },
  async verify(config) {
    const dataset = await this.load({ ...config, trainLimit: undefined, testLimit: undefined });
    return countReport(this.locate(config)!, { train: dataset.train.count, test: dataset.test.count }, CIFAR100_COUNTS);
  },
};
