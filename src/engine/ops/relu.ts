// ReLU. Its gradient is dy * Step(x), both with wasm kernels; nothing custom is needed.
import * as tf from '@tensorflow/tfjs';

export function relu<T extends tf.Tensor>(x: T): T {
  return tf.relu(x);
}
