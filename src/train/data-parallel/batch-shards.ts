// Splits one mixed batch into the contiguous parts the data-parallel replicas train on. The main
// thread mixes (same RNG draws as the single-thread path), reads the mixed tensors once and hands
// each replica plain typed arrays, which postMessage can transfer without copying.
import * as tf from '@tensorflow/tfjs';
import type { MixedBatch } from '../../mix/mix-method';

/** One replica's part of a mixed batch: `count` consecutive samples, as typed arrays. */
export interface BatchShard {
  count: number;
  /** [count, height, width, channels] mixed images. */
  x: Float32Array;
  imageShape: [number, number, number];
  /** [count, numClasses] soft global targets. */
  yGlobal: Float32Array;
  numClasses: number;
  /** GridMix: [count, grid, grid] patch class ids, and the grid. */
  yPatch?: Int32Array;
  grid?: number;
  dominantLabel: Int32Array;
  /** Seeds the replica's dropout masks for this shard (set by mixAndSplit). */
  dropoutSeed?: number;
}

/** Near-equal part sizes, the larger ones first: 128 over 2 -> [64, 64]; 5 over 2 -> [3, 2]; 1 over 2 -> [1, 0]. */
export function shardSizes(batchSize: number, parts: number): number[] {
  const base = Math.floor(batchSize / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < batchSize % parts ? 1 : 0));
}

/** Reads the mixed batch's tensors (it keeps ownership of them) and cuts them into `parts` shards. */
export async function splitMixedBatch(mixed: MixedBatch, parts: number): Promise<BatchShard[]> {
  const [batch, height, width, channels] = mixed.x.shape;
  const numClasses = mixed.yGlobal.shape[1];
  const [x, yGlobal, patch] = await Promise.all([
    mixed.x.data() as Promise<Float32Array>,
    mixed.yGlobal.data() as Promise<Float32Array>,
    mixed.yPatch?.data(),
  ]);
  const yPatch = patch ? Int32Array.from(patch) : undefined;
  const cells = mixed.grid !== undefined ? mixed.grid * mixed.grid : 0;
  const pixels = height * width * channels;
  const shards: BatchShard[] = [];
  let start = 0;
  for (const count of shardSizes(batch, parts)) {
    const end = start + count;
    const shard: BatchShard = {
      count,
      x: x.slice(start * pixels, end * pixels),
      imageShape: [height, width, channels],
      yGlobal: yGlobal.slice(start * numClasses, end * numClasses),
      numClasses,
      dominantLabel: mixed.dominantLabel.slice(start, end),
    };
    if (yPatch && mixed.grid !== undefined) {
      shard.yPatch = yPatch.slice(start * cells, end * cells);
      shard.grid = mixed.grid;
    }
    shards.push(shard);
    start = end;
  }
  return shards;
}

/** The shard's arrays as transferables (their buffers move to the worker; the shard is unusable after). */
export function shardTransferables(shard: BatchShard): ArrayBuffer[] {
  const arrays = [shard.x, shard.yGlobal, shard.dominantLabel, ...(shard.yPatch ? [shard.yPatch] : [])];
  return arrays.map((a) => a.buffer as ArrayBuffer);
}

/** Tensors of a shard, for the replica's forward pass (the caller disposes them, e.g. in a tidy). */
export function shardTensors(shard: BatchShard): { x: tf.Tensor4D; yGlobal: tf.Tensor2D; yPatch?: tf.Tensor3D } {
  const x = tf.tensor4d(shard.x, [shard.count, ...shard.imageShape]);
  const yGlobal = tf.tensor2d(shard.yGlobal, [shard.count, shard.numClasses]);
  if (!shard.yPatch || shard.grid === undefined) return { x, yGlobal };
  return { x, yGlobal, yPatch: tf.tensor3d(shard.yPatch, [shard.count, shard.grid, shard.grid], 'int32') };
}
