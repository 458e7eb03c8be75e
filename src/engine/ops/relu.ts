// ReLU, and the residual add that ends in one. On wasm the gradient is dy * Step(x); the native
// path has its own kernels for both.
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeAddRelu, nativeRelu } from '../native/ops';

export function relu<T extends tf.Tensor>(x: T): T {
  return nativeKernelsActive() ? nativeRelu(x) : tf.relu(x);
}

/** relu(a + b) for same-shape tensors, as a residual block ends: one pass on the native kernels. */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`addRelu: shapes ${a.shape} and ${b.shape} differ`);
  return nativeKernelsActive() ? nativeAddRelu(a, b) : (tf.relu(tf.add(a, b)) as T);
}
