// MixUp (Zhang et al. 2018): x~ = lambda * x_A + (1 - lambda) * x_B, y~ likewise.
// As in the reference MixUp code (facebookresearch/mixup-cifar10), ONE lambda ~ Beta(alpha, alpha)
// is drawn per batch and shared by every sample; alpha = 0 means lambda = 1 (no mixing). B is the
// batch under a seeded permutation (a sample may be paired with itself, as with torch.randperm).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { MixMethod, MixedBatch } from './mix-method';
import { assembleMixedBatch, checkBatch } from './mixed-batch';
import { blendWithPartner, perImageWeights } from './pixel-blend';

export interface MixupArgs {
  /** Beta(alpha, alpha) concentration; 1 = uniform lambda, -> 0 = lambda near 0 or 1. */
  alpha: number;
}

export const MIXUP_DEFAULTS: MixupArgs = { alpha: 1.0 };

export interface MixupDraw {
  partner: Int32Array;
  lambda: Float32Array;
}

/** Draw the pairing and the batch's lambda (no tensors). */
export function drawMixup(rng: Rng, batch: number, alpha: number): MixupDraw {
  const partner = rng.permutation(batch);
  const lam = alpha > 0 ? rng.beta(alpha, alpha) : 1;
  return { partner, lambda: new Float32Array(batch).fill(lam) };
}

export class Mixup implements MixMethod {
  readonly name = 'mixup';
  readonly needsLocalHead = false;
  readonly localLossWeight = 0;
  readonly gridSizes: readonly number[] = [];

  constructor(readonly args: MixupArgs = MIXUP_DEFAULTS) {}

  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch {
    checkBatch(x, labels, numClasses);
    const { partner, lambda } = drawMixup(rng, labels.length, this.args.alpha);
    const mixed = tf.tidy(() => blendWithPartner(x, partner, perImageWeights(lambda)));
    return assembleMixedBatch({ x: mixed, labels, numClasses, partner, lambda, params: { kind: 'mixup' } });
  }
}
