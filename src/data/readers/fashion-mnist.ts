// Fashion-MNIST (Zalando, MIT): 28x28 grey images of 10 clothing classes in gzip-compressed IDX files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { UserError } from '../../errors';
import type { Dataset, ImageSplit } from '../dataset';
import type { DatasetConfig } from '../dataset-config';
import { assembleDataset, trainSplitUnlessTestOnly } from '../assemble';
import { bufferDigest } from '../file-checksum';
import { readIdxGz } from '../idx';
import { findFolderWith, searchFolders } from '../locations';
import { requireFolder, type DatasetReader, type VerifyReport } from './reader';

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
];

export const FASHION_MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

const SIDE = 28;

/** Debian's `dataset-fashion-mnist` installs the real files here. */
export const DEBIAN_FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

/** md5 of the decompressed files: the Debian .gz files were recompressed, so their own md5s differ from upstream's. */
const DECOMPRESSED_MD5: Record<string, string> = {
  [FASHION_MNIST_FILES.trainImages]: 'f4a8712d7a061bf5bd6d2ca38dc4d50a',
  [FASHION_MNIST_FILES.trainLabels]: '9018921c3c673c538a1fc5bad174d6f9',
  [FASHION_MNIST_FILES.testImages]: '8181f5470baa50b63fa0f6fddb340f0a',
  [FASHION_MNIST_FILES.testLabels]: '15d484375f8d13e6eb1aabb0c3f46965',
};

/** Reads one split from an IDX image file and its label file, checking they agree. */
export function readIdxSplit(folder: string, imagesFile: string, labelsFile: string): ImageSplit {
  const images = readIdxGz(path.join(folder, imagesFile), 3);
  const labels = readIdxGz(path.join(folder, labelsFile), 1);
  const [count, height, width] = images.dims;
  if (height !== SIDE || width !== SIDE) {
    throw new UserError(`${imagesFile}: images are ${height}x${width}, expected ${SIDE}x${SIDE}`);
  }
  if (labels.dims[0] !== count) {
    throw new UserError(`${labelsFile}: ${labels.dims[0]} labels, expected ${count} (one per image in ${imagesFile})`);
  }
  const out = Int32Array.from(labels.data);
  const bad = out.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new UserError(`${labelsFile}: label ${out[bad]} at index ${bad} is not a class 0..9`);
  return { images: images.data, labels: out, count };
}

/** Reads a folder of the four Fashion-MNIST files (full or mini). */
export function readFashionMnistFolder(name: string, folder: string, config: DatasetConfig): Dataset {
  const f = FASHION_MNIST_FILES;
  return assembleDataset(
    {
      name,
      classes: [...FASHION_MNIST_CLASSES],
      height: SIDE,
      width: SIDE,
      channels: 1,
      train: trainSplitUnlessTestOnly(config, () => readIdxSplit(folder, f.trainImages, f.trainLabels)),
      test: readIdxSplit(folder, f.testImages, f.testLabels),
    },
    config,
  );
}

/** Counts each split and, when `checksums` are given, compares the md5 of each decompressed file. */
export function verifyFashionMnistFolder(
  folder: string,
  expected: { train: number; test: number },
  checksums?: Record<string, string>,
): VerifyReport {
  const lines: string[] = [];
  let ok = true;
  const f = FASHION_MNIST_FILES;
  for (const [split, images, labels] of [['train', f.trainImages, f.trainLabels], ['test', f.testImages, f.testLabels]] as const) {
    try {
      const { count } = readIdxSplit(folder, images, labels);
      const good = count === expected[split];
      ok &&= good;
      lines.push(`${split}: ${count} images (expected ${expected[split]}) ${good ? 'ok' : 'WRONG'}`);
    } catch (err) {
      ok = false;
      lines.push(`${split}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const [file, md5] of Object.entries(checksums ?? {})) {
    const actual = bufferDigest(zlib.gunzipSync(fs.readFileSync(path.join(folder, file))), 'md5');
    const good = actual === md5;
    ok &&= good;
    lines.push(`${file}: decompressed md5 ${actual} ${good ? 'ok' : `WRONG (expected ${md5})`}`);
  }
  return { folder, ok, lines };
}

const FILE_LIST = Object.values(FASHION_MNIST_FILES);

export const fashionMnist: DatasetReader = {
  name: 'fashion-mnist',
  shape: { numClasses: 10, height: 28, width: 28, channels: 1 },
  summary: 'Fashion-MNIST, 60000 + 10000 grey 28x28 images, 10 classes (IDX .gz files)',
  howToGet: `Install it with \`apt-get install dataset-fashion-mnist\` (Debian, to ${DEBIAN_FASHION_MNIST}), run \`gridmix data fetch fashion-mnist\`, or put the four *-ubyte.gz files in one of those folders.`,
  searchFolders: (config) => searchFolders(config.root, 'fashion-mnist', [DEBIAN_FASHION_MNIST]),
  locate(config) {
    return findFolderWith(this.searchFolders(config), FILE_LIST);
  },
  async load(config) {
    return readFashionMnistFolder(this.name, requireFolder(this, config), config);
  },
  async verify(config) {
    return verifyFashionMnistFolder(requireFolder(this, config), { train: 60000, test: 10000 }, DECOMPRESSED_MD5);
  },
};
