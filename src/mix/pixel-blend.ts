// The one tensor operation every mixing method ends in: x~ = w * x_A + (1 - w) * x_B, where x_B is
// the batch gathered by the pairing and w is a per-sample weight (MixUp) or a 0/1 pixel mask
// (CutMix, GridMix). Written as a product sum rather than x_B + w * (x_A - x_B) so that a 0/1 mask
// copies pixels exactly, bit for bit.
import * as tf from '@tensorflow/tfjs';

/**
 * Blend each image with its partner. `weightA` broadcasts against x: [B, 1, 1, 1] for one weight per
 * image, [B, H, W, C] for a pixel mask (full size: the wasm backend's broadcasting multiply is ten
 * times slower than a same-shape one). Returns a new tensor; x and weightA are not disposed.
 */
export function blendWithPartner(x: tf.Tensor4D, partner: Int32Array, weightA: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const xB = gatherPartners(x, partner);
    const w = weightA.dtype === x.dtype ? weightA : weightA.cast(x.dtype);
    return x.mul(w).add(xB.mul(tf.onesLike(w).sub(w))) as tf.Tensor4D;
  });
}

/**
 * x_B = x[partner], as tf.gatherND with one index per image rather than tf.gather: the wasm
 * backend's Gather kernel computes every output element's index separately (25 ms for 128 images
 * of 32x32x3, 70 ms at 64x64x3), its GatherNd copies whole images (1-2 ms). Both are exact copies.
 */
export function gatherPartners(x: tf.Tensor4D, partner: Int32Array): tf.Tensor4D {
  return tf.tidy(() => tf.gatherND(x, tf.tensor2d(partner, [partner.length, 1], 'int32')) as tf.Tensor4D);
}

/** [B, 1, 1, 1] per-image weights from a typed array. */
export function perImageWeights(lambda: Float32Array): tf.Tensor4D {
  return tf.tensor4d(lambda, [lambda.length, 1, 1, 1], 'float32');
}
