// Batches of one split as tf tensors: seeded shuffling each epoch, the standard augmentation on uint8
// pixels, per-channel normalisation, and a state that a checkpoint can carry so a resumed run sees
// exactly the batches it would have seen.
//
// No prefetching: Node runs this loop and the tensor kernels on one thread (wasm and cpu compute in
// it; tfjs-node's eager ops return only when done), so preparing the next batch "while" the current
// one trains would interleave the two, not overlap them. A batch of 128 CIFAR images takes a few ms
// (scripts/bench-loader.ts) against tens to hundreds of ms for a training step; a worker thread would
// win back less than its copies cost.
import * as tf from '@tensorflow/tfjs';
import { UserError } from '../errors';
import { Rng, type RngState } from '../engine/rng';
import type { Dataset, ImageSplit } from './dataset';
import { applyCropWindow, drawCropWindow, standardPolicy, type AugmentPolicy, type ImageShape } from './augment';

export type SplitName = 'train' | 'test';

export interface LoaderOptions {
  batchSize: number;
  /** Seeds the shuffling and the augmentation (two separate streams forked from it). */
  seed: number;
  /** A new random order each epoch (default: true for 'train', false for 'test'). */
  shuffle?: boolean;
  /** The standard crop + flip (default: true for 'train', false for 'test'). */
  augment?: boolean;
  /** Drop the last batch of an epoch when it is short (default false). */
  dropLast?: boolean;
  /** Overrides the size-based standard policy. */
  policy?: AugmentPolicy;
}

/** Everything needed to continue exactly where a loader stopped (JSON-serialisable). */
export interface LoaderState {
  epoch: number;
  /** Images of this epoch already handed out. */
  position: number;
  /** The shuffle stream as it was before this epoch's order was drawn (the order is redrawn from it). */
  epochShuffleRng: RngState;
  /** The augmentation stream as it is now. */
  augmentRng: RngState;
}

export interface Batch {
  /** Float32 [B, H, W, C], normalised with the dataset's per-channel mean and std. */
  x: tf.Tensor4D;
  labels: Int32Array;
  /** Index of each image in the split (the loader's source indices). */
  indices: Int32Array;
  epoch: number;
  /** Batch number within the epoch, from 0. */
  step: number;
}

export class DataLoader {
  readonly split: ImageSplit;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly augment: boolean;
  readonly dropLast: boolean;
  readonly policy: AugmentPolicy;
  private readonly shape: ImageShape;
  private readonly imageBytes: number;
  /** lut[c * 256 + v] = (v / 255 - mean[c]) / std[c]: normalising is one table look-up per byte. */
  private readonly normalise: Float32Array;
  /** Augmented pixels of the batch being built, reused from batch to batch. */
  private readonly pixels: Uint8Array;

  private shuffleRng: Rng;
  private augmentRng: Rng;
  private epochShuffleRng: RngState;
  private order: Int32Array;
  private epochNumber = 0;
  private position = 0;

  constructor(dataset: Dataset, splitName: SplitName, options: LoaderOptions, state?: LoaderState) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new UserError(`batch size must be a positive integer, got ${options.batchSize}`);
    }
    this.split = dataset[splitName];
    if (this.split.count === 0) throw new UserError(`dataset "${dataset.name}" has no ${splitName} images`);
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? splitName === 'train';
    this.augment = options.augment ?? splitName === 'train';
    this.dropLast = options.dropLast ?? false;
    this.shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
    this.imageBytes = dataset.height * dataset.width * dataset.channels;
    this.policy = options.policy ?? standardPolicy(dataset.height, dataset.width);
    this.normalise = normalisationTable(dataset.mean, dataset.std);
    this.pixels = new Uint8Array(this.batchSize * this.imageBytes);

    if (state) {
      this.epochNumber = state.epoch;
      this.position = state.position;
      this.epochShuffleRng = state.epochShuffleRng;
      this.shuffleRng = Rng.fromState(state.epochShuffleRng);
      this.augmentRng = Rng.fromState(state.augmentRng);
    } else {
      const root = new Rng(options.seed);
      this.shuffleRng = root.fork();
      this.augmentRng = root.fork();
      this.epochShuffleRng = this.shuffleRng.getState();
    }
    this.order = this.drawOrder();
  }

  static fromState(dataset: Dataset, splitName: SplitName, options: LoaderOptions, state: LoaderState): DataLoader {
    return new DataLoader(dataset, splitName, options, state);
  }

  getState(): LoaderState {
    return {
      epoch: this.epochNumber,
      position: this.position,
      epochShuffleRng: this.epochShuffleRng,
      augmentRng: this.augmentRng.getState(),
    };
  }

  /** The epoch the next batch belongs to (from 0). */
  get epoch(): number {
    return this.epochNumber;
  }

  get batchesPerEpoch(): number {
    const n = this.split.count;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /**
   * The next batch of this epoch, or null once the epoch is over; the loader has then moved on to the
   * next epoch (new order), so the following call starts it. The caller disposes batch.x.
   */
  nextBatch(): Batch | null {
    const n = this.split.count;
    const remaining = n - this.position;
    if (remaining <= 0 || (this.dropLast && remaining < this.batchSize)) {
      this.startNextEpoch();
      return null;
    }
    const size = Math.min(this.batchSize, remaining);
    const indices = this.order.slice(this.position, this.position + size);
    const step = Math.floor(this.position / this.batchSize);
    this.position += size;
    const labels = new Int32Array(size);
    for (let k = 0; k < size; k++) labels[k] = this.split.labels[indices[k]];
    const pixels = this.gatherPixels(indices);
    return { x: this.toTensor(pixels, size), labels, indices, epoch: this.epochNumber, step };
  }

  /** The remaining batches of the current epoch. */
  *epochBatches(): Generator<Batch> {
    for (let batch = this.nextBatch(); batch; batch = this.nextBatch()) yield batch;
  }

  /** The batch's images as uint8 HWC after augmentation (a view of the reused buffer: copy to keep). */
  private gatherPixels(indices: Int32Array): Uint8Array {
    const { images } = this.split;
    const bytes = this.imageBytes;
    for (let k = 0; k < indices.length; k++) {
      const from = indices[k] * bytes;
      if (this.augment) {
        const window = drawCropWindow(this.policy, this.shape, this.augmentRng);
        applyCropWindow(images, from, this.pixels, k * bytes, this.shape, window);
      } else {
        this.pixels.set(images.subarray(from, from + bytes), k * bytes);
      }
    }
    return this.pixels.subarray(0, indices.length * bytes);
  }

  private toTensor(pixels: Uint8Array, size: number): tf.Tensor4D {
    // A fresh Float32Array each batch: the cpu backend keeps a reference to the array it is given.
    const values = new Float32Array(pixels.length);
    const channels = this.shape.channels;
    const lut = this.normalise;
    for (let i = 0; i < pixels.length; i += channels) {
      for (let c = 0; c < channels; c++) values[i + c] = lut[c * 256 + pixels[i + c]];
    }
    return tf.tensor4d(values, [size, this.shape.height, this.shape.width, channels], 'float32');
  }

  private startNextEpoch(): void {
    this.epochNumber++;
    this.position = 0;
    this.epochShuffleRng = this.shuffleRng.getState();
    this.order = this.drawOrder();
  }

  /** This epoch's order; draws from the shuffle stream only when shuffling. */
  private drawOrder(): Int32Array {
    const n = this.split.count;
    if (!this.shuffle) return Int32Array.from({ length: n }, (_, i) => i);
    return this.shuffleRng.permutation(n);
  }
}

export function normalisationTable(mean: readonly number[], std: readonly number[]): Float32Array {
  const table = new Float32Array(mean.length * 256);
  for (let c = 0; c < mean.length; c++) {
    for (let v = 0; v < 256; v++) table[c * 256 + v] = (v / 255 - mean[c]) / std[c];
  }
  return table;
}
