// Spreading a tensor over a stride grid: the adjoint of a strided read, used by convolution and
// 1x1-convolution gradients to put each output gradient back where its window started.
import * as tf from '@tensorflow/tfjs';

/**
 * [B, H, W, C] -> [B, H*s, W*s, C] with x[b, y, x, c] at row y*s + leadRows, column x*s + leadCols
 * and zeros elsewhere. One PadV2 of a 6-D view: no scatter kernel needed.
 */
export function dilateSpatial(x: tf.Tensor4D, stride: number, leadRows = 0, leadCols = 0): tf.Tensor4D {
  if (stride === 1) return x;
  const [b, h, w, c] = x.shape;
  const cells = tf.reshape(x, [b, h, 1, w, 1, c]);
  const spread = tf.pad(cells, [[0, 0], [0, 0], [leadRows, stride - 1 - leadRows], [0, 0], [leadCols, stride - 1 - leadCols], [0, 0]]);
  return tf.reshape(spread, [b, h * stride, w * stride, c]);
}
