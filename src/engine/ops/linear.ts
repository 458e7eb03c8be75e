// Fully connected layer. Its gradients (BatchMatMul with transposes, Sum for the bias) have wasm
// kernels; nothing custom is needed.
import * as tf from '@tensorflow/tfjs';

/** x: [B, in], weight: [in, out], bias: [out]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, weight);
  return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
}
