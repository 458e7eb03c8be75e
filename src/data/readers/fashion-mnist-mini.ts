// A class-balanced subset of real Fashion-MNIST shipped in the repository (data/fashion-mnist-mini),
// so the quickstart trains with no download. Re-made by scripts/make-fashion-mnist-mini.ts.
import * as path from 'node:path';
import { findFolderWith, repoRoot } from '../locations';
import { FASHION_MNIST_FILES, readFashionMnistFolder, verifyFashionMnistFolder } from './fashion-mnist';
import { requireFolder, type DatasetReader } from './reader';

export const FASHION_MNIST_MINI_COUNTS = { train: 5000, test: 1000 } as const;

/** md5 of the decompressed files as scripts/make-fashion-mnist-mini.ts writes them (it is deterministic). */
const DECOMPRESSED_MD5: Record<string, string> = {
  [FASHION_MNIST_FILES.trainImages]: '41808ea56f8868a50d2cb96e2bea5b24',
  [FASHION_MNIST_FILES.trainLabels]: 'ce55f6d541f410ee66241762790ac25d',
  [FASHION_MNIST_FILES.testImages]: '59c4a69b9cdfd762847c06433aaf5e7f',
  [FASHION_MNIST_FILES.testLabels]: 'b932c55e495450b8da3c668f21289e82',
};

export function fashionMnistMiniFolder(): string {
  return path.join(repoRoot(), 'data', 'fashion-mnist-mini');
}

export const fashionMnistMini: DatasetReader = {
  name: 'fashion-mnist-mini',
  shape: { numClasses: 10, height: 28, width: 28, channels: 1 },
  summary: `Fashion-MNIST subset in the repository, ${FASHION_MNIST_MINI_COUNTS.train} + ${FASHION_MNIST_MINI_COUNTS.test} images, 10 balanced classes`,
  howToGet: 'It ships with gridmix in data/fashion-mnist-mini; re-make it with `node dist/scripts/make-fashion-mnist-mini.js`.',
  // The repository copy is the one place: a config root would shadow it with something else.
  searchFolders: () => [fashionMnistMiniFolder()],
  locate(config) {
    return findFolderWith(this.searchFolders(config), Object.values(FASHION_MNIST_FILES));
  },
  async load(config) {
    return readFashionMnistFolder(this.name, requireFolder(this, config), config);
  },
  async verify(config) {
    return verifyFashionMnistFolder(requireFolder(this, config), FASHION_MNIST_MINI_COUNTS, DECOMPRESSED_MD5);
  },
};
