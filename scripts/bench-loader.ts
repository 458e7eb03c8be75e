// Loader throughput (images/s) for batches of 128 at 32x32 and 64x64 on synthetic uint8 data, with
// and without augmentation, and the same crop + flip done with tensor ops for comparison; plus the
// 224x224 random-resized crop (JS only).
//
//   node dist/scripts/bench-loader.js [--backend wasm|cpu]
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { Dataset } from '../src/data/dataset';
import { DataLoader } from '../src/data/loader';
import { Rng } from '../src/engine/rng';

const BATCH = 128;
const SECONDS = 2;

function syntheticDataset(side: number, images: number): Dataset {
  const rng = new Rng(1);
  const bytes = images * side * side * 3;
  const pixels = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) pixels[i] = rng.int(256);
  const labels = Int32Array.from({ length: images }, (_, i) => i % 10);
  const split = { images: pixels, labels, count: images };
  return { name: `synthetic-${side}`, classes: [...Array(10).keys()].map(String), height: side, width: side, channels: 3, train: split, test: split, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
}

/** Runs `step` (one batch) for about SECONDS, returns images per second. */
function measure(step: () => void): number {
  for (let i = 0; i < 3; i++) step(); // warm-up: JIT and backend kernels
  let batches = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < SECONDS) {
    step();
    batches++;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return (batches * BATCH) / elapsed;
}

function loaderStep(loader: DataLoader): () => void {
  return () => {
    let batch = loader.nextBatch();
    if (!batch) batch = loader.nextBatch()!;
    batch.x.dataSync(); // make the backend materialise the tensor
    batch.x.dispose();
  };
}

/**
 * The tensor-op alternative: normalise on the backend, pad, then per-image crops and flips through one
 * cropAndResize with a box per image (nearest neighbour, so the crop is an exact shift), flips
 * through tf.where over a flipped copy.
 */
function tensorOpStep(dataset: Dataset, rng: Rng): () => void {
  const side = dataset.height;
  const pad = side <= 32 ? 4 : 8;
  const bytes = side * side * 3;
  const count = dataset.train.count;
  let position = 0;
  return () => {
    const batch = dataset.train.images.subarray(position * bytes, (position + BATCH) * bytes);
    position = (position + BATCH) % (count - BATCH);
    const boxes: number[] = [];
    const flips: number[] = [];
    const padded = side + 2 * pad;
    for (let k = 0; k < BATCH; k++) {
      const top = rng.intBetween(0, 2 * pad);
      const left = rng.intBetween(0, 2 * pad);
      boxes.push(top / (padded - 1), left / (padded - 1), (top + side - 1) / (padded - 1), (left + side - 1) / (padded - 1));
      flips.push(rng.bernoulli(0.5) ? 1 : 0);
    }
    const x = tf.tidy(() => {
      const images = tf.tensor4d(batch, [BATCH, side, side, 3], 'int32').toFloat();
      const normalised = images.div(255).sub(0.5).div(0.25) as tf.Tensor4D;
      // Pad with the normalised value of a zero pixel, as the JS path does.
      const paddedImages = tf.pad(normalised, [[0, 0], [pad, pad], [pad, pad], [0, 0]], -2);
      const boxIndices = tf.tensor1d(Array.from({ length: BATCH }, (_, k) => k), 'int32');
      const cropped = tf.image.cropAndResize(paddedImages, tf.tensor2d(boxes, [BATCH, 4]), boxIndices, [side, side], 'nearest');
      const flipMask = tf.tensor4d(flips, [BATCH, 1, 1, 1]).cast('bool').tile([1, side, side, 3]);
      return tf.where(flipMask, tf.image.flipLeftRight(cropped), cropped);
    });
    x.dataSync();
    x.dispose();
  };
}

async function main(): Promise<void> {
  const backendFlag = process.argv.indexOf('--backend');
  const backend = backendFlag >= 0 ? process.argv[backendFlag + 1] : 'wasm';
  await tf.setBackend(backend);
  await tf.ready();
  console.log(`loader throughput, batch ${BATCH}, backend ${tf.getBackend()} (images/s)`);
  for (const side of [32, 64]) {
    const dataset = syntheticDataset(side, 4096);
    const plain = measure(loaderStep(new DataLoader(dataset, 'train', { batchSize: BATCH, seed: 0, augment: false })));
    const augmented = measure(loaderStep(new DataLoader(dataset, 'train', { batchSize: BATCH, seed: 0 })));
    const tensorOps = measure(tensorOpStep(dataset, new Rng(0)));
    console.log(
      `${side}x${side}: no augmentation ${plain.toFixed(0)}, crop+flip in JS ${augmented.toFixed(0)}, crop+flip with tensor ops ${tensorOps.toFixed(0)}`,
    );
  }
  const large = syntheticDataset(224, 512);
  const plain = measure(loaderStep(new DataLoader(large, 'train', { batchSize: BATCH, seed: 0, augment: false })));
  const resized = measure(loaderStep(new DataLoader(large, 'train', { batchSize: BATCH, seed: 0 })));
  console.log(`224x224: no augmentation ${plain.toFixed(0)}, random-resized crop + flip in JS ${resized.toFixed(0)}`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
