// The mixing side of the two interfaces every method, backbone and dataset meets at.
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';

export interface MixedBatch {
  /** Mixed images, [B, H, W, C], same dtype/normalization as the input batch. */
  x: tf.Tensor4D;
  /** Soft global targets, [B, K]: lambda * onehot(y_A) + (1 - lambda) * onehot(y_B). */
  yGlobal: tf.Tensor2D;
  /** GridMix patch labels, [B, N, N] int32 class ids (which image each cell came from). */
  yPatch?: tf.Tensor3D;
  /** Grid size N used for this batch (GridMix), so the model builds the matching local head. */
  grid?: number;
  /** Per-sample share of image A in the mix. */
  lambda: Float32Array;
  /** Per-sample index (in the batch) of the partner image B. */
  partner: Int32Array;
  /** Per-sample dominant label (A if lambda >= 0.5 else B): what training accuracy is measured against. */
  dominantLabel: Int32Array;
}

export interface MixMethod {
  readonly name: string;
  /** True when the loss needs the local head (GridMix with gamma > 0). */
  readonly needsLocalHead: boolean;
  /** Grid sizes this method may ask the model's local head for (empty if none). */
  readonly gridSizes: readonly number[];
  /** Mix a batch of images x [B, H, W, C] with integer labels. Owns no tensors it returns to nobody. */
  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch;
}
