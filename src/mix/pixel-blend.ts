// The one tensor operation every mixing method ends in: x~ = w * x_A + (1 - w) * x_B, where x_B is
// the batch gathered by the pairing and w is a per-sample weight (MixUp) or a 0/1 pixel mask
// (CutMix, GridMix). Written as a product sum rather than x_B + w * (x_A - x_B) so that a 0/1 mask
// copies pixels exactly, bit for bit.
import * as tf from '@tensorflow/tfjs';

/**
 * Blend each image with its partner. `weightA` broadcasts against x: [B, 1, 1, 1] for one weight per
 * image, [B, H, W, 1] for a pixel mask. Returns a new tensor; x and weightA are not disposed.
 */
export function blendWithPartner(x: tf.Tensor4D, partner: Int32Array, weightA: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const xB = tf.gather(x, tf.tensor1d(partner, 'int32'), 0);
    const w = weightA.dtype === x.dtype ? weightA : weightA.cast(x.dtype);
    return x.mul(w).add(xB.mul(tf.onesLike(w).sub(w))) as tf.Tensor4D;
  });
}

/** [B, 1, 1, 1] per-image weights from a typed array. */
export function perImageWeights(lambda: Float32Array): tf.Tensor4D {
  return tf.tensor4d(lambda, [lambda.length, 1, 1, 1], 'float32');
}
