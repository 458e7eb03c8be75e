// CutMix (Yun et al. 2019): paste one rectangle of the partner image B into image A.
// As in the CutMix reference training code, ONE lambda ~ Beta(alpha, alpha) and ONE box are drawn
// per batch and shared by every sample, and lambda is then corrected to 1 - box area / image area.
// B is the batch under a seeded permutation (a sample may be paired with itself, as with torch.randperm).
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '../engine/rng';
import type { CutBox, MixMethod, MixedBatch } from './mix-method';
import { assembleMixedBatch, checkBatch } from './mixed-batch';
import { lambdaOutsideBox, rowsCrossingBoxes, sampleCutBox } from './cut-box';
import { maskFromRowPatterns } from './row-pattern-mask';
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

/**
 * [B, H, W, C]: 1 where the pixel keeps image A (outside the box), 0 inside. Rows the box does not
 * cross are all ones (pattern B); rows it crosses are sample b's pattern: ones with the box's
 * columns zeroed. The patterns are O(B * W * C) numbers; the pixels are filled by the backend.
 */
export function boxKeepMask(boxes: readonly CutBox[], height: number, width: number, channels: number): tf.Tensor4D {
  const batch = boxes.length;
  const rowLength = width * channels;
  const patterns = new Float32Array((batch + 1) * rowLength).fill(1);
  boxes.forEach((box, b) => patterns.fill(0, b * rowLength + box.x0 * channels, b * rowLength + box.x1 * channels));
  const rowPattern = Int32Array.from(rowsCrossingBoxes(boxes, height), (crosses, k) => (crosses === 1 ? Math.floor(k / height) : batch));
  return tf.tidy(() =>
    maskFromRowPatterns(tf.tensor2d(patterns, [batch + 1, rowLength]), rowPattern, [batch, height, width, channels]),
  );
}

export class Cutmix implements MixMethod {
  readonly name = 'cutmix';
  readonly needsLocalHead = false;
  readonly localLossWeight = 0;
  readonly gridSizes: readonly number[] = [];

  constructor(readonly args: CutmixArgs = CUTMIX_DEFAULTS) {}

  mix(x: tf.Tensor4D, labels: Int32Array, numClasses: number, rng: Rng): MixedBatch {
    checkBatch(x, labels, numClasses);
    const [batch, height, width, channels] = x.shape;
    const { partner, boxes, lambda } = drawCutmix(rng, batch, height, width, this.args.alpha);
    const mixed = tf.tidy(() => blendWithPartner(x, partner, boxKeepMask(boxes, height, width, channels)));
    return assembleMixedBatch({ x: mixed, labels, numClasses, partner, lambda, params: { kind: 'cutmix', boxes } });
  }
}
