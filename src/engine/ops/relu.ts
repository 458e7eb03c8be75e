// ReLU, and the residual add that ends in one. On wasm the gradient is dy * Step(x); the native
// path has its own kernels for both.
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeAddRelu, nativeRelu } from '../native/ops';
import { tensorflowGradientsActive } from '../tensorflow-kernels';

/**
 * On tensorflow: ReLU with the gradient dy * (y > 0). tfjs's own is dy * Step(x), and tfjs-node's
 * Step is a composite of IsNan, Select and Greater (three passes, ~170 ms of a resnet20 step).
 */
const tensorflowRelu = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const value = tf.relu(x);
  save([value]);
  return { value, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, tf.cast(tf.greater(saved[0], 0), 'float32')) };
}) as <T extends tf.Tensor>(x: T) => T;

export function relu<T extends tf.Tensor>(x: T): T {
  if (nativeKernelsActive()) return nativeRelu(x);
  return tensorflowGradientsActive() ? tensorflowRelu(x) : tf.relu(x);
}

/** relu(a + b) for same-shape tensors, as a residual block ends: one pass on the native kernels. */
export function addRelu<T extends tf.Tensor>(a: T, b: T): T {
  if (!tf.util.arraysEqual(a.shape, b.shape)) throw new Error(`addRelu: shapes ${a.shape} and ${b.shape} differ`);
  if (nativeKernelsActive()) return nativeAddRelu(a, b);
  return relu(tf.add(a, b) as T);
}
