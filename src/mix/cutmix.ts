// CutMix (Yun et al. 2019): paste one rectangle of the partner image B into image A.
// As in the CutMix reference training code, ONE lambda ~ Beta(alpha, alpha) and ONE box are drawn
// per batch and shared by every sample, and lambda is then corrected to 1 - box area / image area.
// B is the batch under a seeded permutation (a sample may be paired with itself, as with torch.randperm).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { CutBox, MixMethod, MixedBatch } from './mix-method';
import { assembleMixedBatch, checkBatch } from './mixed-batch';
import { insideFlags, lambdaOutsideBox, sampleCutBox } from './cut-box';
import { blendWithPartner } from './pixel-blend';

export interface CutmixArgs {
  /** Beta(alpha, alpha) concentration for the uncorrected lambda; 1 = uniform. */
  alpha: number;
}

export const CUTMIX_DEFAULTS: CutmixArgs = { alpha: 1.0 };

export interface CutmixDraw {
  partner: Int32Array;
  /** Per sample, the region taken from the partner. */
  boxes: CutBox[];
  /** Corrected per-sample share of image A. */
  lambda: Float32Array;
}

/** Draw the pairing, the batch's box and the corrected lambda (no tensors). */
export function drawCutmix(rng: Rng, batch: number, height: number, width: number, alpha: number): CutmixDraw {
  const partner = rng.permutation(batch);
  const box = sampleCutBox(rng, rng.beta(alpha, alpha), height, width);
  const lambda = new Float32Array(batch).fill(lambdaOutsideBox(box, height, width));
  return { partner, boxes: Array.from({ length: batch }, () => ({ ...box })), lambda };
}

/** [B, H, W, 1]: 1 where the pixel keeps image A (outside the box), 0 inside. */
export function boxKeepMask(boxes: readonly CutBox[], height: number, width: number): tf.Tensor4D {
  return tf.tidy(() => {
    const batch = boxes.length;
    const rows = tf.tensor4d(insideFlags(boxes, height, 'rows'), [batch, height, 1, 1]);
    const cols = tf.tensor4d(insideFlags(boxes, width, 'columns'), [batch, 1, width, 1]);
    return tf.onesLike(rows).sub(rows.mul(cols)) as tf.Tensor4D;
  });
}

export class Cutmix implements MixMethod {
  readonly name = 'cutmix';
  readonly needsLocalHead = false;
  readonly localLossWeight = 0;
  readonly gridSizes: readonly number[] = [];

  constructor(readonly args: CutmixArgs = CUTMIX_DEFAULTS) {}

  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch {
    checkBatch(x, labels, numClasses);
    const [batch, height, width] = x.shape;
    const { partner, boxes, lambda } = drawCutmix(rng, batch, height, width, this.args.alpha);
    const mixed = tf.tidy(() => blendWithPartner(x, partner, boxKeepMask(boxes, height, width)));
    return assembleMixedBatch({ x: mixed, labels, numClasses, partner, lambda, params: { kind: 'cutmix', boxes } });
  }
}
