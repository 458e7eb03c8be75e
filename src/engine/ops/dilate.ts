// Spreading a tensor over a stride grid: the adjoint of a strided read, used by convolution and
// 1x1-convolution gradients to put each output gradient back where its window started.
import * as tf from '@tensorflow/tfjs';

/**
 * [B, H, W, C] -> [B, H*s, W*s, C] with x[b, y, x, c] at row y*s + leadRows, column x*s + leadCols
 * and zeros elsewhere. Two PadV2s of rank <= 4 (rows, then columns): no scatter kernel needed, and
 * every backend compiles them (WebGPU's pad shader has no vector type above rank 4).
 */
export function dilateSpatial(x: tf.Tensor4D, stride: number, leadRows = 0, leadCols = 0): tf.Tensor4D {
  if (stride === 1) return x;
  const [b, h, w, c] = x.shape;
  return tf.tidy(() => {
    // Rows: [B*H, 1, W*C] padded to [B*H, s, W*C] puts row y at y*s + leadRows.
    const rows = tf.pad(tf.reshape(x, [b * h, 1, w * c]), [[0, 0], [leadRows, stride - 1 - leadRows], [0, 0]]);
    // Columns: [B*H*s*W, 1, C] padded to [B*H*s*W, s, C] puts column x at x*s + leadCols.
    const cols = tf.pad(tf.reshape(rows, [b * h * stride * w, 1, c]), [[0, 0], [leadCols, stride - 1 - leadCols], [0, 0]]);
    return tf.reshape(cols, [b, h * stride, w * stride, c]);
  });
}
