// Assembles the MixedBatch every method returns from the mixed images and the drawn pairing, so
// the label side (soft targets, dominant labels) is computed in one place.
import * as tf from '@tensorflow/tfjs';
import type { MixedBatch, MixParams } from './mix-method';
import { dominantLabels, softTargets } from './soft-targets';

export interface MixedBatchParts {
  /** The mixed images (ownership passes to the batch). */
  x: tf.Tensor4D;
  labels: Int32Array;
  numClasses: number;
  partner: Int32Array;
  lambda: Float32Array;
  params: MixParams;
  /** GridMix only: patch labels and the grid they belong to. */
  yPatch?: tf.Tensor3D;
  grid?: number;
}

export function assembleMixedBatch(parts: MixedBatchParts): MixedBatch {
  const { labels, partner, lambda, numClasses } = parts;
  const yGlobal = tf.tensor2d(softTargets(labels, partner, lambda, numClasses), [labels.length, numClasses]);
  const batch: MixedBatch = {
    x: parts.x,
    yGlobal,
    lambda,
    partner,
    dominantLabel: dominantLabels(labels, partner, lambda),
    params: parts.params,
  };
  if (parts.yPatch) batch.yPatch = parts.yPatch;
  if (parts.grid !== undefined) batch.grid = parts.grid;
  return batch;
}

/** Fails loudly, before any tensor is made, on labels that do not match the images or the classes. */
export function checkBatch(x: tf.Tensor4D, labels: Int32Array, numClasses: number): void {
  if (x.shape[0] !== labels.length) {
    throw new Error(`mix: ${x.shape[0]} images but ${labels.length} labels`);
  }
  for (const label of labels) {
    if (!(label >= 0 && label < numClasses)) throw new RangeError(`mix: label ${label} is outside 0..${numClasses - 1}`);
  }
}
