// ReLU. Its gradient is dy * Step(x), both with wasm kernels; the native path has its own pair.
import * as tf from '@tensorflow/tfjs';
import { nativeKernelsActive } from '../native';
import { nativeRelu } from '../native/ops';

export function relu<T extends tf.Tensor>(x: T): T {
  return nativeKernelsActive() ? nativeRelu(x) : tf.relu(x);
}
