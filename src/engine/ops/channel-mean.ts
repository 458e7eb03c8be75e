// Per-channel mean over [B, H, W] of an NHWC tensor, as one average pool over H x W and a mean over
// the (small) batch axis. Measured on wasm (CPU time, a freshly computed 64x32x32x32): 3.6 ms,
// against 7 ms for tf.sum over axes 0..2 (which first transposes the whole tensor) and 14 ms for a
// product with a row of ones (BatchMatMul packs its right operand, the whole activation).
import * as tf from '@tensorflow/tfjs';
import { tensorflowGradientsActive } from '../tensorflow-kernels';

export function channelMean(x: tf.Tensor4D): tf.Tensor1D {
  // TensorFlow reduces over the outer axes natively.
  if (tensorflowGradientsActive()) return tf.mean(x, [0, 1, 2]);
  const [b, h, w, c] = x.shape;
  const perImage = tf.reshape(tf.avgPool(x, [h, w], [h, w], 'valid'), [b, c]);
  return tf.mean(perImage, 0);
}
