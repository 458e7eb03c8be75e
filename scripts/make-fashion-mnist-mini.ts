// Re-makes data/fashion-mnist-mini: a class-balanced, seeded subset of the real Fashion-MNIST
// (500 training and 100 test images per class) in the same IDX .gz format, from Debian's
// `dataset-fashion-mnist` files (or another folder given as the first argument).
//
//   node dist/scripts/make-fashion-mnist-mini.js [SOURCE_FOLDER]
import * as fs from 'node:fs';
import * as path from 'node:path';
import { balancedSubsetIndices } from '../src/data/balanced-subset';
import { encodeIdxGz } from '../src/data/idx';
import { DEBIAN_FASHION_MNIST, FASHION_MNIST_FILES, readIdxSplit } from '../src/data/readers/fashion-mnist';
import { FASHION_MNIST_MINI_COUNTS, fashionMnistMiniFolder } from '../src/data/readers/fashion-mnist-mini';
import type { ImageSplit } from '../src/data/dataset';

const SEED = 20210501;
const SIDE = 28;

function subset(split: ImageSplit, count: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  const indices = balancedSubsetIndices(split.labels, count, seed);
  const images = new Uint8Array(count * SIDE * SIDE);
  const labels = new Uint8Array(count);
  indices.forEach((from, to) => {
    images.set(split.images.subarray(from * SIDE * SIDE, (from + 1) * SIDE * SIDE), to * SIDE * SIDE);
    labels[to] = split.labels[from];
  });
  return { images, labels };
}

function writeAtomically(file: string, bytes: Buffer): void {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, bytes);
  fs.renameSync(temp, file);
}

function main(): void {
  const source = path.resolve(process.argv[2] ?? DEBIAN_FASHION_MNIST);
  const out = fashionMnistMiniFolder();
  fs.mkdirSync(out, { recursive: true });
  const f = FASHION_MNIST_FILES;
  const splits = [
    { images: f.trainImages, labels: f.trainLabels, count: FASHION_MNIST_MINI_COUNTS.train, seed: SEED },
    { images: f.testImages, labels: f.testLabels, count: FASHION_MNIST_MINI_COUNTS.test, seed: SEED + 1 },
  ];
  for (const split of splits) {
    const full = readIdxSplit(source, split.images, split.labels);
    const mini = subset(full, split.count, split.seed);
    writeAtomically(path.join(out, split.images), encodeIdxGz([split.count, SIDE, SIDE], mini.images));
    writeAtomically(path.join(out, split.labels), encodeIdxGz([split.count], mini.labels));
    console.log(`${split.images}: ${split.count} of ${full.count} images`);
  }
  console.log(`wrote ${out} from ${source} (seed ${SEED})`);
}

main();
