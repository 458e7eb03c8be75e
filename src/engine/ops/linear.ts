// Fully connected layer. On wasm its gradients (BatchMatMul with transposes, Sum for the bias) have
// wasm kernels; on the native kernels the product, its bias and both gradients are oneDNN matmuls
// (a VGG head's 25088 x 4096 layer is a big product).
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeLinear } from '../native/ops';

/** x: [B, in], weight: [in, out], bias: [out]. */
export function linear(x: tf.Tensor2D, weight: tf.Tensor2D, bias?: tf.Tensor1D): tf.Tensor2D {
  if (nativeKernelsActive()) return nativeLinear(x, weight, bias);
  const y: tf.Tensor2D = tf.matMul(x, weight);
  return bias ? tf.add<tf.Tensor2D>(y, bias) : y;
}
