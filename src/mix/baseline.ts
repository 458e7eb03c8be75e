// Baseline: no mixing. Standard augmentation (crop, flip) happens in the loader; here each image
// is its own partner with lambda 1, so the soft targets are one-hot and the loss is ordinary CE.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { MixMethod, MixedBatch } from './mix-method';
import { assembleMixedBatch, checkBatch } from './mixed-batch';

export class Baseline implements MixMethod {
  readonly name = 'baseline';
  readonly needsLocalHead = false;
  readonly localLossWeight = 0;
  readonly gridSizes: readonly number[] = [];

  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, _rng: Rng): MixedBatch {
    checkBatch(x, labels, numClasses);
    const batch = labels.length;
    const partner = new Int32Array(batch);
    for (let i = 0; i < batch; i++) partner[i] = i;
    return assembleMixedBatch({
      // A clone shares x's data (no copy) but is a separate tensor, so the caller may dispose both.
      x: tf.clone(x),
      labels,
      numClasses,
      partner,
      lambda: new Float32Array(batch).fill(1),
      params: { kind: 'baseline' },
    });
  }
}
